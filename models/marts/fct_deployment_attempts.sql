-- One row per rollout attempt to production (GitHub deployments to a production environment),
-- with its outcome: success (it is a deployment), failed (only failure/error statuses: an
-- attempt, never a deployment) or pending. deployment_id is set for the attempts that count.
with attempts as (
    select * from {{ ref('int_deployment_attempts_summarised') }}
),

deployments as (
    select deployment_id from {{ ref('fct_deployments') }}
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
    deployments.deployment_id
from attempts
left join deployments
    on deployments.deployment_id = attempts.attempt_id
