-- One row per kickoff record (T1: a problem statement / project kickoff) of a catalogued
-- project, from every tracker. Jira: an issue with one of var kickoff_labels, of one of var
-- kickoff_issue_types, or listed in the catalog as jira_kickoff_key. Asana, Notion, Basecamp:
-- int_<tracker>_kickoffs_identified (the rules are there).
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
union all
select kickoff_id, source_system, source_record_id, project_id, title, created_at
from {{ ref('int_asana_kickoffs_identified') }}
union all
select kickoff_id, source_system, source_record_id, project_id, title, created_at
from {{ ref('int_notion_kickoffs_identified') }}
union all
select kickoff_id, source_system, source_record_id, project_id, title, created_at
from {{ ref('int_basecamp_kickoffs_identified') }}
