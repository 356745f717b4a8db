-- One row per incident from any tracker: GitHub issues carrying one of var incident_labels
-- (pull requests excluded), Jira issues of one of var incident_issue_types or carrying one of
-- var incident_labels. text is what explicit links are searched in (title and body).
with github_issues as (
    select * from {{ ref('stg_github__issues') }}
    where not is_pull_request
      and {{ label_in('labels', var('incident_labels')) }}
),

github_repos as (
    select * from {{ ref('int_repositories_mapped') }}
    where repo_type = 'github_repo'
),

jira_issues as (
    select * from {{ ref('int_jira_issues_assigned') }}
    where issue_type in {{ sql_list(var('incident_issue_types')) }}
       or {{ label_in('labels', var('incident_labels')) }}
),

github as (
    select
        'github:' || github_issues.github_issue_id as incident_id,
        'github' as source_system,
        github_issues.github_issue_id as source_record_id,
        github_issues.github_repo || '#' || cast(github_issues.issue_number as {{ dbt.type_string() }}) as incident_key,
        github_repos.project_id,
        github_issues.title,
        github_issues.title || ' ' || github_issues.body as search_text,
        github_issues.created_at,
        github_issues.closed_at as resolved_at
    from github_issues
    left join github_repos
        on github_repos.repo = github_issues.github_repo
),

jira as (
    select
        'jira:' || jira_issue_id as incident_id,
        'jira' as source_system,
        jira_issue_id as source_record_id,
        issue_key as incident_key,
        project_id,
        summary as title,
        summary || ' ' || description_text as search_text,
        created_at,
        resolved_at
    from jira_issues
)

select * from github
union all
select * from jira
