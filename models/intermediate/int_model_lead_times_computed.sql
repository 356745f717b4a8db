-- One row per retrain deployment (same code, new model version): its model lead time, from the
-- end of the training run that produced the deployed model version to the deployment.
with deployments as (
    select * from {{ ref('int_deployments_classified') }}
    where deployment_kind = 'retrain'
),

versions as (
    select * from {{ ref('stg_mlflow__model_versions') }}
),

runs as (
    select * from {{ ref('stg_mlflow__runs') }}
)

select
    deployments.deployment_id,
    deployments.project_id,
    deployments.model_name,
    deployments.model_version,
    versions.run_id,
    runs.ended_at as training_ended_at,
    deployments.deployed_at,
    case when runs.ended_at is not null
        then {{ hours_between('runs.ended_at', 'deployments.deployed_at') }}
    end as model_lead_time_hours
from deployments
left join versions
    on versions.model_name = deployments.model_name
    and cast(versions.model_version as {{ dbt.type_string() }}) = deployments.model_version
left join runs
    on runs.run_id = versions.run_id
