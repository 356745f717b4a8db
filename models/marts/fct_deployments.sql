-- One row per production deployment of a catalogued project: a successful rollout, the same
-- rollout seen by two sources counted once. Kind, failure, recovery and rework as derived in
-- int_deployment_outcomes_derived; times in UTC, weeks starting on Monday.
with outcomes as (
    select * from {{ ref('int_deployment_outcomes_derived') }}
),

projects as (
    select * from {{ ref('projects') }}
)

select
    outcomes.deployment_id,
    outcomes.project_id,
    projects.team,
    outcomes.source_system,
    outcomes.source_record_id,
    outcomes.also_seen_as,
    outcomes.timestamp_precision,
    outcomes.deployment_seq,
    outcomes.deployment_kind,
    outcomes.previous_deployment_id,
    outcomes.github_repo,
    outcomes.git_repo,
    outcomes.sha,
    outcomes.mainline_position,
    outcomes.mainline_position is not null as is_sha_resolved,
    outcomes.ref,
    outcomes.description,
    outcomes.model_name,
    outcomes.model_version,
    outcomes.deployed_at,
    cast(outcomes.deployed_at as date) as deployed_date,
    cast({{ dbt.date_trunc('week', 'outcomes.deployed_at') }} as date) as deployed_week,
    cast({{ dbt.date_trunc('month', 'outcomes.deployed_at') }} as date) as deployed_month,
    outcomes.n_changes,
    outcomes.is_hotfix,
    outcomes.n_incidents,
    outcomes.is_rolled_back,
    outcomes.is_replaced_by_hotfix,
    outcomes.is_failed,
    outcomes.failure_reasons,
    outcomes.failure_detected_at,
    outcomes.next_deployment_id,
    outcomes.incidents_resolved_at,
    outcomes.replaced_at,
    outcomes.recovered_at,
    outcomes.recovered_by,
    outcomes.recovery_hours,
    outcomes.is_rework,
    outcomes.rework_reason
from outcomes
left join projects
    on projects.project_id = outcomes.project_id
