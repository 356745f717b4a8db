-- One row per kickoff record (T1: a problem statement / project kickoff) of a catalogued
-- project, from every tracker. Jira: an issue with one of var kickoff_labels, of one of var
-- kickoff_issue_types, or listed in the catalog as jira_kickoff_key.
with jira as (
    select * from {{ ref('int_jira_issues_assigned') }}
    where project_id is not null
      and (
        assignment_method = 'kickoff_key'
        or {{ label_in('labels', var('kickoff_labels')) }}
        or issue_type in {{ sql_list(var('kickoff_issue_types')) }}
      )
)

select
    'jira:' || jira_issue_id as kickoff_id,
    'jira' as source_system,
    issue_key as source_record_id,
    project_id,
    summary as title,
    created_at
from jira
