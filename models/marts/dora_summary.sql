-- One row per (scope, scope_id, DORA report): the trailing-window summary as of the var as_of
-- (window: var summary_window_days), for every project in the catalog, every team and the org,
-- with the level of each metric under the 2021, 2023 and 2024 reports (is_default_report marks
-- the var dora_report). A level reads 'insufficient data' when its sample is below the var
-- min_sample_size. Deployment frequency is graded from deployment days (seed
-- deployment_frequency_bands): median deployment days per 7-day bucket of the window >= 3 is
-- on demand, >= 1 daily to weekly; median per 30-day bucket >= 1 weekly to monthly; any
-- deployment in the last 182 days monthly to six-monthly; else less than six-monthly.
{% set window_days = var('summary_window_days') | int %}
{% set week_buckets = (window_days // 7) %}
{% set month_buckets = (window_days // 30) %}
with as_of as (
    select
        as_of,
        {{ dbt.dateadd('day', -window_days, 'as_of') }} as window_start,
        {{ dbt.dateadd('day', -182, 'as_of') }} as half_year_start
    from {{ ref('int_as_of_resolved') }}
),

projects as (
    select * from {{ ref('projects') }}
),

scopes as (
    select 'project' as scope, project_id as scope_id from projects
    union
    select 'team', team from projects
    union
    select 'org', 'org'
),

deployments as (
    select
        scoped.*,
        {{ dbt.datediff('scoped.deployed_at', 'as_of.as_of', 'second') }} as seconds_before_as_of
    from {{ ref('int_deployments_scoped') }} as scoped
    cross join as_of
    where scoped.deployed_at > as_of.half_year_start
),

window_deployments as (
    select * from deployments
    where seconds_before_as_of < {{ window_days }} * 86400
),

changes as (
    select scoped.*
    from {{ ref('int_changes_scoped') }} as scoped
    cross join as_of
    where scoped.deployed_at > as_of.window_start
),

buckets as (
    select scopes.scope, scopes.scope_id, 'week' as bucket_kind, integers.n as bucket
    from scopes cross join {{ integers(week_buckets) }} as integers
    union all
    select scopes.scope, scopes.scope_id, 'month' as bucket_kind, integers.n as bucket
    from scopes cross join {{ integers(month_buckets) }} as integers
),

bucket_days as (
    select
        buckets.scope,
        buckets.scope_id,
        buckets.bucket_kind,
        buckets.bucket,
        count(distinct deployments.deployed_date) as deployment_days
    from buckets
    left join deployments
        on deployments.scope = buckets.scope
        and deployments.scope_id = buckets.scope_id
        and deployments.seconds_before_as_of >= 0
        and cast(floor(deployments.seconds_before_as_of / (case when buckets.bucket_kind = 'week' then 7 else 30 end * 86400.0)) as integer) = buckets.bucket
    group by buckets.scope, buckets.scope_id, buckets.bucket_kind, buckets.bucket
),

frequency as (
    select
        scope,
        scope_id,
        {{ percentile("case when bucket_kind = 'week' then deployment_days end", 0.5) }} as median_deployment_days_per_week,
        {{ percentile("case when bucket_kind = 'month' then deployment_days end", 0.5) }} as median_deployment_days_per_month
    from bucket_days
    group by scope, scope_id
),

half_year as (
    select scope, scope_id, count(*) as deployments_182d
    from deployments
    group by scope, scope_id
),

deployment_summary as (
    select
        scope,
        scope_id,
        count(*) as deployments,
        count(distinct deployed_date) as deployment_days,
        sum(case when is_failed_as_of then 1 else 0 end) as failed_deployments,
        sum(case when is_rework then 1 else 0 end) as rework_deployments,
        sum(case when deployment_kind = 'retrain' then 1 else 0 end) as retrain_deployments,
        count(recovery_hours_as_of) as recovery_n,
        {{ percentile('recovery_hours_as_of', 0.5) }} as recovery_median_hours,
        {{ percentile('recovery_hours_as_of', 0.9) }} as recovery_p90_hours,
        count(model_lead_time_hours) as model_lead_time_n,
        {{ percentile('model_lead_time_hours', 0.5) }} as model_lead_time_median_hours
    from window_deployments
    group by scope, scope_id
),

change_summary as (
    select
        scope,
        scope_id,
        count(*) as lead_time_n,
        {{ percentile('lead_time_hours', 0.5) }} as lead_time_median_hours,
        {{ percentile('lead_time_hours', 0.9) }} as lead_time_p90_hours
    from changes
    group by scope, scope_id
),

summary as (
    select
        scopes.scope,
        scopes.scope_id,
        coalesce(deployment_summary.deployments, 0) as deployments,
        coalesce(deployment_summary.deployment_days, 0) as deployment_days,
        frequency.median_deployment_days_per_week,
        frequency.median_deployment_days_per_month,
        case
            when frequency.median_deployment_days_per_week >= 3 then 1
            when frequency.median_deployment_days_per_week >= 1 then 2
            when frequency.median_deployment_days_per_month >= 1 then 3
            when coalesce(half_year.deployments_182d, 0) >= 1 then 4
            else 5
        end as deployment_frequency_band,
        coalesce(change_summary.lead_time_n, 0) as lead_time_n,
        change_summary.lead_time_median_hours,
        change_summary.lead_time_p90_hours,
        coalesce(deployment_summary.failed_deployments, 0) as failed_deployments,
        case when deployment_summary.deployments > 0
            then cast(deployment_summary.failed_deployments as {{ dbt.type_float() }}) / deployment_summary.deployments
        end as change_failure_rate,
        coalesce(deployment_summary.recovery_n, 0) as recovery_n,
        deployment_summary.recovery_median_hours,
        deployment_summary.recovery_p90_hours,
        coalesce(deployment_summary.rework_deployments, 0) as rework_deployments,
        case when deployment_summary.deployments > 0
            then cast(deployment_summary.rework_deployments as {{ dbt.type_float() }}) / deployment_summary.deployments
        end as rework_rate,
        coalesce(deployment_summary.retrain_deployments, 0) as retrain_deployments,
        coalesce(deployment_summary.model_lead_time_n, 0) as model_lead_time_n,
        deployment_summary.model_lead_time_median_hours
    from scopes
    left join frequency
        on frequency.scope = scopes.scope and frequency.scope_id = scopes.scope_id
    left join half_year
        on half_year.scope = scopes.scope and half_year.scope_id = scopes.scope_id
    left join deployment_summary
        on deployment_summary.scope = scopes.scope and deployment_summary.scope_id = scopes.scope_id
    left join change_summary
        on change_summary.scope = scopes.scope and change_summary.scope_id = scopes.scope_id
),

metric_values as (
    select scope, scope_id, 'deployment_frequency' as metric,
        cast(deployment_frequency_band as {{ dbt.type_float() }}) as metric_value, deployments as sample_n
    from summary
    union all
    select scope, scope_id, 'lead_time_for_changes', lead_time_median_hours, lead_time_n from summary
    union all
    select scope, scope_id, 'change_failure_rate', change_failure_rate, deployments from summary
    union all
    select scope, scope_id, 'recovery_time', recovery_median_hours, recovery_n from summary
),

thresholds as (
    select * from {{ ref('dora_thresholds') }}
),

reports as (
    select distinct report from thresholds
),

levels as (
    select
        metric_values.scope,
        metric_values.scope_id,
        reports.report,
        metric_values.metric,
        case
            when metric_values.sample_n < {{ var('min_sample_size') }} or metric_values.metric_value is null
                then 'insufficient data'
            else thresholds.level
        end as level
    from metric_values
    cross join reports
    left join thresholds
        on thresholds.report = reports.report
        and thresholds.metric = metric_values.metric
        and (thresholds.lower_bound is null or metric_values.metric_value >= thresholds.lower_bound)
        and (thresholds.upper_bound is null or metric_values.metric_value < thresholds.upper_bound)
),

levels_wide as (
    select
        scope,
        scope_id,
        report,
        max(case when metric = 'deployment_frequency' then level end) as deployment_frequency_level,
        max(case when metric = 'lead_time_for_changes' then level end) as lead_time_level,
        max(case when metric = 'change_failure_rate' then level end) as change_failure_rate_level,
        max(case when metric = 'recovery_time' then level end) as recovery_time_level
    from levels
    group by scope, scope_id, report
),

bands as (
    select * from {{ ref('deployment_frequency_bands') }}
)

select
    summary.scope || ':' || summary.scope_id || ':' || cast(levels_wide.report as {{ dbt.type_string() }}) as summary_row_id,
    summary.scope,
    summary.scope_id,
    levels_wide.report,
    levels_wide.report = {{ var('dora_report') }} as is_default_report,
    as_of.window_start,
    as_of.as_of as window_end,
    {{ window_days }} as window_days,
    summary.deployments,
    summary.deployment_days,
    summary.median_deployment_days_per_week,
    summary.median_deployment_days_per_month,
    summary.deployment_frequency_band,
    bands.band_name as deployment_frequency_band_name,
    levels_wide.deployment_frequency_level,
    summary.lead_time_n,
    summary.lead_time_median_hours,
    summary.lead_time_p90_hours,
    levels_wide.lead_time_level,
    summary.failed_deployments,
    summary.change_failure_rate,
    levels_wide.change_failure_rate_level,
    summary.recovery_n,
    summary.recovery_median_hours,
    summary.recovery_p90_hours,
    levels_wide.recovery_time_level,
    summary.rework_deployments,
    summary.rework_rate,
    summary.retrain_deployments,
    summary.model_lead_time_n,
    summary.model_lead_time_median_hours
from summary
inner join levels_wide
    on levels_wide.scope = summary.scope
    and levels_wide.scope_id = summary.scope_id
cross join as_of
left join bands
    on bands.band = summary.deployment_frequency_band
