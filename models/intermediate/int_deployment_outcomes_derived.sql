-- One row per production deployment with what happened after it:
--   is_hotfix   its description or ref matches var hotfix_regex, or it ships a change from a
--               pull request labelled with one of var hotfix_labels;
--   failed      an incident is attributed to it, or the next deployment of the project rolled
--               it back (kind rollback) or replaced it as a hotfix; failure_reasons lists which;
--   recovery    at the earliest of: all its incidents resolved, the rollback/hotfix that
--               replaced it; null while not recovered;
--   rework      (DORA 2024) unplanned: a rollback, a hotfix, or the first deployment made while
--               an incident of the project was open (a fix forward).
with deployments as (
    select * from {{ ref('int_deployments_classified') }}
),

changes as (
    select * from {{ ref('int_deployment_changes_attributed') }}
),

pull_requests as (
    select * from {{ ref('int_pull_requests_summarised') }}
),

incidents as (
    select * from {{ ref('int_incidents_attributed') }}
),

change_summary as (
    select
        changes.deployment_id,
        count(*) as n_changes,
        sum(case when changes.is_initial_deployment then 0 else 1 end) as n_changes_counted,
        max(case when pull_requests.is_hotfix_labelled then 1 else 0 end) = 1 as ships_hotfix_pr
    from changes
    left join pull_requests
        on pull_requests.pull_request_id = changes.pull_request_id
    group by changes.deployment_id
),

with_hotfix as (
    select
        deployments.*,
        coalesce(change_summary.n_changes, 0) as n_changes,
        coalesce(
            {{ regex_matches("coalesce(deployments.description, '')", "'" ~ var('hotfix_regex') ~ "'") }}
            or {{ regex_matches("coalesce(deployments.ref, '')", "'" ~ var('hotfix_regex') ~ "'") }}
            or change_summary.ships_hotfix_pr,
            false
        ) as is_hotfix
    from deployments
    left join change_summary
        on change_summary.deployment_id = deployments.deployment_id
),

with_next as (
    select
        *,
        lead(deployment_id) over (partition by project_id order by deployed_at, deployment_id) as next_deployment_id,
        lead(deployed_at) over (partition by project_id order by deployed_at, deployment_id) as next_deployed_at,
        lead(deployment_kind) over (partition by project_id order by deployed_at, deployment_id) as next_deployment_kind,
        lead(is_hotfix) over (partition by project_id order by deployed_at, deployment_id) as next_is_hotfix
    from with_hotfix
),

incident_summary as (
    select
        deployment_id,
        count(*) as n_incidents,
        min(created_at) as first_incident_at,
        case when count(resolved_at) = count(*) then max(resolved_at) end as incidents_resolved_at
    from incidents
    where deployment_id is not null
    group by deployment_id
),

fix_forwards as (
    -- the first deployment of the project after an incident was opened, while it was open
    select distinct deployment_id
    from (
        select
            deployments.deployment_id,
            row_number() over (
                partition by all_incidents.incident_id
                order by deployments.deployed_at, deployments.deployment_id
            ) as rank_after_incident
        from incidents as all_incidents
        inner join deployments
            on deployments.project_id = all_incidents.project_id
            and deployments.deployed_at > all_incidents.created_at
            and (all_incidents.resolved_at is null or deployments.deployed_at <= all_incidents.resolved_at)
    ) as after_incident
    where rank_after_incident = 1
),

outcomes as (
    select
        with_next.*,
        coalesce(incident_summary.n_incidents, 0) as n_incidents,
        incident_summary.first_incident_at,
        incident_summary.incidents_resolved_at,
        coalesce(with_next.next_deployment_kind = 'rollback', false) as is_rolled_back,
        coalesce(with_next.next_is_hotfix and with_next.next_deployment_kind <> 'rollback', false) as is_replaced_by_hotfix,
        fix_forwards.deployment_id is not null as is_fix_forward
    from with_next
    left join incident_summary
        on incident_summary.deployment_id = with_next.deployment_id
    left join fix_forwards
        on fix_forwards.deployment_id = with_next.deployment_id
),

failures as (
    select
        *,
        n_incidents > 0 or is_rolled_back or is_replaced_by_hotfix as is_failed,
        case when is_rolled_back or is_replaced_by_hotfix then next_deployed_at end as replaced_at,
        -- when the failure became known: the first incident, or the replacing deployment
        case
            when first_incident_at is not null and (is_rolled_back or is_replaced_by_hotfix)
                then case when first_incident_at <= next_deployed_at then first_incident_at else next_deployed_at end
            when first_incident_at is not null then first_incident_at
            when is_rolled_back or is_replaced_by_hotfix then next_deployed_at
        end as failure_detected_at
    from outcomes
),

recovered as (
    select
        *,
        case
            when not is_failed then null
            when replaced_at is not null and (incidents_resolved_at is null or replaced_at <= incidents_resolved_at)
                then replaced_at
            else incidents_resolved_at
        end as recovered_at
    from failures
)

select
    *,
    case when recovered_at is not null
        then {{ hours_between('deployed_at', 'recovered_at') }}
    end as recovery_hours,
    case
        when not is_failed then null
        when recovered_at is null then null
        when recovered_at = replaced_at and is_rolled_back then 'rollback'
        when recovered_at = replaced_at then 'hotfix'
        else 'incidents_resolved'
    end as recovered_by,
    trim(both ',' from
        case when n_incidents > 0 then 'incident,' else '' end
        || case when is_rolled_back then 'rolled_back,' else '' end
        || case when is_replaced_by_hotfix then 'hotfixed,' else '' end
    ) as failure_reasons,
    deployment_kind = 'rollback' or is_hotfix or is_fix_forward as is_rework,
    case
        when deployment_kind = 'rollback' then 'rollback'
        when is_hotfix then 'hotfix'
        when is_fix_forward then 'fix_forward'
    end as rework_reason
from recovered
