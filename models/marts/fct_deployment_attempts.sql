-- One row per rollout attempt to production, with its outcome: success (it is a deployment),
-- failed (an attempt, never a deployment) or pending. Attempts are GitHub deployments to a
-- production environment (outcome from their statuses) and cloud serving rollouts (SageMaker
-- endpoint updates, Vertex AI DeployModel operations, Databricks endpoint config versions:
-- int_cloud_deployment_attempts_summarised). deployment_id is the deployment a successful
-- attempt counts as: its own, or the one that kept it when the same rollout was seen by a
-- better source (also_seen_as).
with github_attempts as (
    select
        attempt_id,
        project_id,
        source_system,
        source_record_id,
        github_repo,
        sha,
        environment,
        model_name,
        model_version,
        created_at,
        first_success_at,
        first_failure_at,
        outcome
    from {{ ref('int_deployment_attempts_summarised') }}
),

cloud_attempts as (
    select
        attempt_id,
        project_id,
        source_system,
        source_record_id,
        cast(null as {{ dbt.type_string() }}) as github_repo,
        sha,
        endpoint as environment,
        model_name,
        model_version,
        created_at,
        first_success_at,
        first_failure_at,
        outcome
    from {{ ref('int_cloud_deployment_attempts_summarised') }}
),

attempts as (
    select * from github_attempts
    union all
    select * from cloud_attempts
),

deployments as (
    select deployment_id, also_seen_as from {{ ref('fct_deployments') }}
),

seen_elsewhere as (
    select
        attempts.attempt_id,
        min(deployments.deployment_id) as deployment_id
    from attempts
    inner join deployments
        on {{ dbt.position("',' || attempts.attempt_id || ','", "',' || deployments.also_seen_as || ','") }} > 0
    where attempts.outcome = 'success'
    group by attempts.attempt_id
)

select
    attempts.attempt_id,
    attempts.project_id,
    attempts.source_system,
    attempts.source_record_id,
    attempts.github_repo,
    attempts.sha,
    attempts.environment,
    attempts.model_name,
    attempts.model_version,
    attempts.created_at,
    attempts.first_success_at,
    attempts.first_failure_at,
    attempts.outcome,
    coalesce(deployments.deployment_id, seen_elsewhere.deployment_id) as deployment_id
from attempts
left join deployments
    on deployments.deployment_id = attempts.attempt_id
left join seen_elsewhere
    on seen_elsewhere.attempt_id = attempts.attempt_id
