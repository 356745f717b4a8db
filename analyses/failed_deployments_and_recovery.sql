-- Every failed deployment: why it failed, how and when it recovered.
select
    project_id,
    deployment_id,
    deployment_kind,
    deployed_at,
    failure_reasons,
    n_incidents,
    recovered_by,
    recovered_at,
    recovery_hours
from {{ ref('fct_deployments') }}
where is_failed
order by deployed_at desc
