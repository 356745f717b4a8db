-- One row per production deployment: the same rollout seen by two sources is kept once.
-- Two records are one rollout when they belong to the same project, deploy the same thing
-- (the same model version when both name one, else the same sha), come from different
-- sources and lie at most var deployment_dedup_window_hours apart; the record of the source
-- with the better precedence is kept and the other is named in also_seen_as.
with unioned as (
    select
        *,
        coalesce(model_name || ':' || model_version, sha) as rollout_identity
    from {{ ref('int_deployments_unioned') }}
),

duplicates as (
    select
        worse.deployment_id as dropped_deployment_id,
        better.deployment_id as kept_deployment_id
    from unioned as worse
    inner join unioned as better
        on better.project_id = worse.project_id
        and better.rollout_identity = worse.rollout_identity
        and better.source_system <> worse.source_system
        and (
            better.source_precedence < worse.source_precedence
            or (better.source_precedence = worse.source_precedence and better.deployment_id < worse.deployment_id)
        )
        and abs({{ dbt.datediff('better.deployed_at', 'worse.deployed_at', 'second') }})
            <= {{ var('deployment_dedup_window_hours') }} * 3600
),

also_seen as (
    select
        kept_deployment_id,
        {{ dbt.listagg('dropped_deployment_id', "','", "order by dropped_deployment_id") }} as also_seen_as
    from duplicates
    group by kept_deployment_id
)

select
    unioned.*,
    also_seen.also_seen_as
from unioned
left join also_seen
    on also_seen.kept_deployment_id = unioned.deployment_id
where unioned.deployment_id not in (select dropped_deployment_id from duplicates)
