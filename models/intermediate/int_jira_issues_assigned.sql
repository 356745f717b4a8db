-- One row per Jira issue with the project it belongs to (or none), and how it was assigned:
-- an explicit kickoff key in the catalog first, then a project label, then a Jira project
-- that the catalog maps to exactly one ML project.
with issues as (
    select * from {{ ref('stg_jira__issues') }}
),

mappings as (
    select * from {{ ref('project_mappings') }}
),

by_kickoff_key as (
    select
        issues.jira_issue_id,
        min(mappings.project_id) as project_id
    from issues
    inner join mappings
        on mappings.object_type = 'jira_kickoff_key'
        and mappings.object_key = issues.issue_key
    group by issues.jira_issue_id
),

by_label as (
    select
        issues.jira_issue_id,
        min(mappings.project_id) as project_id
    from issues
    inner join mappings
        on mappings.object_type = 'jira_label'
        and (',' || lower(issues.labels) || ',') like ('%,' || lower(mappings.object_key) || ',%')
    group by issues.jira_issue_id
),

single_project_keys as (
    select
        object_key as project_key,
        min(project_id) as project_id
    from mappings
    where object_type = 'jira_project'
    group by object_key
    having count(distinct project_id) = 1
),

assigned as (
    select
        issues.*,
        coalesce(by_kickoff_key.project_id, by_label.project_id, single_project_keys.project_id) as project_id,
        case
            when by_kickoff_key.project_id is not null then 'kickoff_key'
            when by_label.project_id is not null then 'label'
            when single_project_keys.project_id is not null then 'jira_project'
        end as assignment_method
    from issues
    left join by_kickoff_key on by_kickoff_key.jira_issue_id = issues.jira_issue_id
    left join by_label on by_label.jira_issue_id = issues.jira_issue_id
    left join single_project_keys on single_project_keys.project_key = issues.project_key
)

select * from assigned
