-- The scorecard: every project, team and the org over the trailing summary window, with the
-- level of each DORA key under the default report (var dora_report).
select
    scope,
    scope_id,
    deployments,
    deployment_frequency_level,
    lead_time_median_hours,
    lead_time_level,
    change_failure_rate,
    change_failure_rate_level,
    recovery_median_hours,
    recovery_time_level,
    rework_rate
from {{ ref('dora_summary') }}
where is_default_report
order by case scope when 'project' then 1 when 'team' then 2 else 3 end, scope_id
