-- Change failure rate per team and calendar month (a deployment with several incidents counts
-- once), with the deployments behind it.
select
    scope_id as team,
    period_start as month,
    deployments,
    failed_deployments,
    change_failure_rate
from {{ ref('dora_metrics_monthly') }}
where scope = 'team'
  and deployments > 0
order by team, month
