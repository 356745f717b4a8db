{#-
  dora_period_metrics(period): the body of a DORA metric mart by calendar period ('week' or
  'month'): one row per (scope, scope_id, period_start) from the scope's first deployment's
  period to the as_of period, zero-deployment periods included (a trend needs its gaps).
  Deployments count in the period they were deployed; changes in the period of the deployment
  that shipped them; a failed deployment's recovery in the period it was deployed.
-#}
{% macro dora_period_metrics(period) %}
with deployments as (
    select
        *,
        cast({{ dbt.date_trunc(period, 'deployed_at') }} as date) as period_start
    from {{ ref('int_deployments_scoped') }}
),

changes as (
    select
        *,
        cast({{ dbt.date_trunc(period, 'deployed_at') }} as date) as period_start
    from {{ ref('int_changes_scoped') }}
),

as_of as (
    select cast({{ dbt.date_trunc(period, 'as_of') }} as date) as as_of_period
    from {{ ref('int_as_of_resolved') }}
),

scopes as (
    select scope, scope_id, min(period_start) as first_period
    from deployments
    group by scope, scope_id
),

spine as (
    select
        scopes.scope,
        scopes.scope_id,
        cast({{ dbt.dateadd(period, 'integers.n', 'scopes.first_period') }} as date) as period_start
    from scopes
    cross join {{ integers(1000) }} as integers
    cross join as_of
    where {{ dbt.dateadd(period, 'integers.n', 'scopes.first_period') }} <= as_of.as_of_period
),

deployment_metrics as (
    select
        scope,
        scope_id,
        period_start,
        count(*) as deployments,
        count(distinct deployed_date) as deployment_days,
        sum(case when is_failed_as_of then 1 else 0 end) as failed_deployments,
        sum(case when is_rework then 1 else 0 end) as rework_deployments,
        sum(case when deployment_kind = 'retrain' then 1 else 0 end) as retrain_deployments,
        sum(case when deployment_kind = 'rollback' then 1 else 0 end) as rollback_deployments,
        count(recovery_hours_as_of) as recovery_n,
        {{ percentile('recovery_hours_as_of', 0.5) }} as recovery_median_hours,
        {{ percentile('recovery_hours_as_of', 0.9) }} as recovery_p90_hours,
        count(model_lead_time_hours) as model_lead_time_n,
        {{ percentile('model_lead_time_hours', 0.5) }} as model_lead_time_median_hours
    from deployments
    group by scope, scope_id, period_start
),

change_metrics as (
    select
        scope,
        scope_id,
        period_start,
        count(*) as lead_time_n,
        {{ percentile('lead_time_hours', 0.5) }} as lead_time_median_hours,
        {{ percentile('lead_time_hours', 0.9) }} as lead_time_p90_hours
    from changes
    group by scope, scope_id, period_start
)

select
    spine.scope || ':' || spine.scope_id || ':' || cast(spine.period_start as {{ dbt.type_string() }}) as metric_row_id,
    spine.scope,
    spine.scope_id,
    '{{ period }}' as period,
    spine.period_start,
    coalesce(deployment_metrics.deployments, 0) as deployments,
    coalesce(deployment_metrics.deployment_days, 0) as deployment_days,
    coalesce(deployment_metrics.failed_deployments, 0) as failed_deployments,
    case when deployment_metrics.deployments > 0
        then cast(deployment_metrics.failed_deployments as {{ dbt.type_float() }}) / deployment_metrics.deployments
    end as change_failure_rate,
    coalesce(deployment_metrics.rework_deployments, 0) as rework_deployments,
    case when deployment_metrics.deployments > 0
        then cast(deployment_metrics.rework_deployments as {{ dbt.type_float() }}) / deployment_metrics.deployments
    end as rework_rate,
    coalesce(deployment_metrics.retrain_deployments, 0) as retrain_deployments,
    coalesce(deployment_metrics.rollback_deployments, 0) as rollback_deployments,
    coalesce(change_metrics.lead_time_n, 0) as lead_time_n,
    change_metrics.lead_time_median_hours,
    change_metrics.lead_time_p90_hours,
    coalesce(deployment_metrics.recovery_n, 0) as recovery_n,
    deployment_metrics.recovery_median_hours,
    deployment_metrics.recovery_p90_hours,
    coalesce(deployment_metrics.model_lead_time_n, 0) as model_lead_time_n,
    deployment_metrics.model_lead_time_median_hours
from spine
left join deployment_metrics
    on deployment_metrics.scope = spine.scope
    and deployment_metrics.scope_id = spine.scope_id
    and deployment_metrics.period_start = spine.period_start
left join change_metrics
    on change_metrics.scope = spine.scope
    and change_metrics.scope_id = spine.scope_id
    and change_metrics.period_start = spine.period_start
{% endmacro %}
