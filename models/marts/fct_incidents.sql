-- One row per incident (GitHub issue or Jira issue marked as an incident) of a catalogued
-- project, with the deployment it is attributed to and how (link_method; null when
-- unattributed, kept and visible), and its classic duration (created -> resolved).
with incidents as (
    select * from {{ ref('int_incidents_attributed') }}
    where project_id is not null
),

projects as (
    select * from {{ ref('projects') }}
)

select
    incidents.incident_id,
    incidents.project_id,
    projects.team,
    incidents.source_system,
    incidents.source_record_id,
    incidents.incident_key,
    incidents.title,
    incidents.created_at,
    incidents.resolved_at,
    case when incidents.resolved_at is not null
        then {{ hours_between('incidents.created_at', 'incidents.resolved_at') }}
    end as duration_hours,
    incidents.deployment_id,
    incidents.link_method,
    incidents.deployment_id is not null as is_attributed
from incidents
left join projects
    on projects.project_id = incidents.project_id
