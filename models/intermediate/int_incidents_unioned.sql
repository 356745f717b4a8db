-- One row per incident from any tracker: GitHub issues carrying one of var incident_labels
-- (pull requests excluded), Jira issues of one of var incident_issue_types or carrying one of
-- var incident_labels; monitoring alerts (int_monitoring_incidents_derived: Grafana firing
-- episodes, CloudWatch ALARM episodes). text is what explicit links are searched in (title and body).
-- Incidents exported to files (stg_files__incidents: PagerDuty, Opsgenie ...) belong to the
-- project the file names, else to the catalog's incident_service mapping of their service.
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
),

-- monitoring alerts (Grafana / Alertmanager webhooks, CloudWatch alarms): one per firing episode
monitoring as (
    select
        incident_id,
        source_system,
        source_record_id,
        incident_key,
        project_id,
        title,
        search_text,
        created_at,
        resolved_at
    from {{ ref('int_monitoring_incidents_derived') }}
),

-- incidents exported to files (ingest/files.py)
file_incidents as (
    select * from {{ ref('stg_files__incidents') }}
),

incident_services as (
    select object_key as service, min(project_id) as project_id
    from {{ ref('project_mappings') }}
    where object_type = 'incident_service'
    group by object_key
),

files as (
    select
        file_incidents.file_incident_id as incident_id,
        file_incidents.source_system,
        file_incidents.source_record_id,
        file_incidents.file_incident_id as incident_key,
        coalesce(projects.project_id, incident_services.project_id) as project_id,
        file_incidents.title,
        file_incidents.title || ' ' || file_incidents.description as search_text,
        file_incidents.created_at,
        file_incidents.resolved_at
    from file_incidents
    left join {{ ref('projects') }} as projects
        on projects.project_id = file_incidents.project_id
    left join incident_services
        on incident_services.service = file_incidents.service
)

select * from github
union all
select * from jira
union all
select * from monitoring
union all
select * from files
