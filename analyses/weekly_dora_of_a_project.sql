-- The weekly DORA metrics of one project, oldest week first (zero-deployment weeks included).
-- Change the project in the where clause; compiled SQL: target/compiled/mlops_kpis/analyses/.
select
    period_start as week_starting,
    deployments,
    deployment_days,
    failed_deployments,
    change_failure_rate,
    lead_time_median_hours,
    lead_time_n,
    recovery_median_hours,
    rework_rate
from {{ ref('dora_metrics_weekly') }}
where scope = 'project'
  and scope_id = 'fraud-detection'
order by period_start
