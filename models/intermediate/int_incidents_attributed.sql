-- One row per incident with the deployment it is attributed to, and how (link_method):
--   explicit_deployment     its text names a deployment id of the project ("deployment 1234");
--   explicit_sha            its text names a commit (7-40 hex digits, e.g. "root cause: 3f2a9c1"):
--                           the deployment of that sha, else the one that first brought it;
--   explicit_model_version  its text names "<model name> v<version>" or "<model name>:<version>";
--   window                  no explicit link: the project's latest production deployment at or
--                           before the incident, at most var incident_attribution_window_hours
--                           older;
--   (null)                  unattributed: visible here and counted, never dropped.
-- An explicit link beats the window, even to an older deployment.
with incidents as (
    select * from {{ ref('int_incidents_unioned') }}
),

deployments as (
    select * from {{ ref('int_deployments_classified') }}
),

changes as (
    select * from {{ ref('int_deployment_changes_attributed') }}
),

mentioned as (
    select
        incidents.*,
        {{ regex_extract('incidents.search_text', "'(?i)deploy(?:ment)?[ #:]*([0-9]+)'") }} as mentioned_deployment_id,
        lower({{ regex_extract('incidents.search_text', "'(?i)\\b([0-9a-f]{7,40})\\b'") }}) as mentioned_sha
    from incidents
),

by_deployment_id as (
    select
        mentioned.incident_id,
        min(deployments.deployment_id) as deployment_id
    from mentioned
    inner join deployments
        on deployments.project_id = mentioned.project_id
        and deployments.source_system = 'github'
        and deployments.source_record_id = mentioned.mentioned_deployment_id
    group by mentioned.incident_id
),

by_sha_deployed as (
    select
        mentioned.incident_id,
        deployments.deployment_id,
        deployments.deployed_at
    from mentioned
    inner join deployments
        on deployments.project_id = mentioned.project_id
        and {{ dbt.position('mentioned.mentioned_sha', 'deployments.sha') }} = 1
),

by_sha_change as (
    select
        mentioned.incident_id,
        changes.deployment_id,
        changes.deployed_at
    from mentioned
    inner join changes
        on changes.project_id = mentioned.project_id
        and {{ dbt.position('mentioned.mentioned_sha', 'changes.sha') }} = 1
),

by_sha_ranked as (
    select
        incident_id,
        deployment_id,
        row_number() over (partition by incident_id order by preference, deployed_at, deployment_id) as rank_in_incident
    from (
        select incident_id, deployment_id, deployed_at, 1 as preference from by_sha_deployed
        union all
        select incident_id, deployment_id, deployed_at, 2 as preference from by_sha_change
    ) as sha_links
),

by_model_version as (
    select
        mentioned.incident_id,
        deployments.deployment_id,
        row_number() over (
            partition by mentioned.incident_id
            order by deployments.deployed_at, deployments.deployment_id
        ) as rank_in_incident
    from mentioned
    inner join deployments
        on deployments.project_id = mentioned.project_id
        and deployments.model_name is not null
        and deployments.model_version is not null
        and (
            {{ regex_matches('mentioned.search_text', "deployments.model_name || '[ :@/]+v?' || deployments.model_version || '([^0-9]|$)'") }}
        )
),

by_window as (
    select
        incidents.incident_id,
        deployments.deployment_id,
        row_number() over (
            partition by incidents.incident_id
            order by deployments.deployed_at desc, deployments.deployment_id desc
        ) as rank_in_incident
    from incidents
    inner join deployments
        on deployments.project_id = incidents.project_id
        and deployments.deployed_at <= incidents.created_at
        and {{ dbt.datediff('deployments.deployed_at', 'incidents.created_at', 'second') }}
            <= {{ var('incident_attribution_window_hours') }} * 3600
)

select
    incidents.incident_id,
    incidents.source_system,
    incidents.source_record_id,
    incidents.incident_key,
    incidents.project_id,
    incidents.title,
    incidents.created_at,
    incidents.resolved_at,
    coalesce(
        by_deployment_id.deployment_id,
        by_sha_ranked.deployment_id,
        by_model_version.deployment_id,
        by_window.deployment_id
    ) as deployment_id,
    case
        when by_deployment_id.deployment_id is not null then 'explicit_deployment'
        when by_sha_ranked.deployment_id is not null then 'explicit_sha'
        when by_model_version.deployment_id is not null then 'explicit_model_version'
        when by_window.deployment_id is not null then 'window'
    end as link_method
from incidents
left join by_deployment_id
    on by_deployment_id.incident_id = incidents.incident_id
left join by_sha_ranked
    on by_sha_ranked.incident_id = incidents.incident_id
    and by_sha_ranked.rank_in_incident = 1
left join by_model_version
    on by_model_version.incident_id = incidents.incident_id
    and by_model_version.rank_in_incident = 1
left join by_window
    on by_window.incident_id = incidents.incident_id
    and by_window.rank_in_incident = 1
