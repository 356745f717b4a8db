-- One row per rollout attempt to a production environment (a GitHub deployment whose
-- environment is production), with its outcome from its statuses: the first `success` status
-- is the moment it was deployed; an attempt that only ever reached failure/error failed and is
-- not a deployment; one with neither is still pending.
with deployments as (
    select * from {{ ref('stg_github__deployments') }}
    where is_production
),

statuses as (
    select * from {{ ref('stg_github__deployment_statuses') }}
),

status_summary as (
    select
        github_deployment_id,
        min(case when status_state = 'success' then created_at end) as first_success_at,
        min(case when status_state in ('failure', 'error') then created_at end) as first_failure_at,
        count(*) as n_statuses
    from statuses
    group by github_deployment_id
),

repos as (
    select * from {{ ref('int_repositories_mapped') }}
    where repo_type = 'github_repo'
),

summarised as (
    select
        'github:' || deployments.github_deployment_id as attempt_id,
        'github' as source_system,
        deployments.github_deployment_id as source_record_id,
        repos.project_id,
        deployments.github_repo,
        deployments.sha,
        deployments.ref,
        deployments.environment,
        deployments.description,
        deployments.model_name,
        deployments.model_version,
        deployments.created_at,
        status_summary.first_success_at,
        status_summary.first_failure_at,
        coalesce(status_summary.n_statuses, 0) as n_statuses,
        case
            when status_summary.first_success_at is not null then 'success'
            when status_summary.first_failure_at is not null then 'failed'
            else 'pending'
        end as outcome
    from deployments
    left join status_summary
        on status_summary.github_deployment_id = deployments.github_deployment_id
    left join repos
        on repos.repo = deployments.github_repo
)

select * from summarised
