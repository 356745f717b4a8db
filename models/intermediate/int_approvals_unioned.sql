-- One row per kickoff record that reached a baseline approval (T3), with the first time it
-- did, from every tracker. Jira: the kickoff issue's first changelog move into one of var
-- approval_statuses. Asana, Notion, Basecamp: int_<tracker>_kickoffs_identified.approved_at.
with kickoffs as (
    select * from {{ ref('int_kickoffs_unioned') }}
),

jira_approvals as (
    select
        'jira:' || changelogs.jira_issue_id as kickoff_id,
        min(changelogs.changed_at) as approved_at
    from {{ ref('stg_jira__issue_changelogs') }} as changelogs
    where changelogs.field = 'status'
      and changelogs.to_string in {{ sql_list(var('approval_statuses')) }}
    group by changelogs.jira_issue_id
)

select
    kickoffs.kickoff_id,
    kickoffs.source_system,
    kickoffs.source_record_id,
    kickoffs.project_id,
    jira_approvals.approved_at
from kickoffs
inner join jira_approvals
    on jira_approvals.kickoff_id = kickoffs.kickoff_id
union all
select kickoff_id, source_system, source_record_id, project_id, approved_at
from {{ ref('int_asana_kickoffs_identified') }}
where approved_at is not null
union all
select kickoff_id, source_system, source_record_id, project_id, approved_at
from {{ ref('int_notion_kickoffs_identified') }}
where approved_at is not null
union all
select kickoff_id, source_system, source_record_id, project_id, approved_at
from {{ ref('int_basecamp_kickoffs_identified') }}
where approved_at is not null
