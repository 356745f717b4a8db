-- One row per (deployment, scope): every production deployment once for its project, once for
-- its team and once for the org, so that the metric marts aggregate every scope the same way.
with deployments as (
    select
        outcomes.*,
        projects.team,
        model_lead_times.model_lead_time_hours
    from {{ ref('int_deployment_outcomes_derived') }} as outcomes
    inner join {{ ref('projects') }} as projects
        on projects.project_id = outcomes.project_id
    left join {{ ref('int_model_lead_times_computed') }} as model_lead_times
        on model_lead_times.deployment_id = outcomes.deployment_id
),

as_of as (
    select as_of from {{ ref('int_as_of_resolved') }}
),

known as (
    -- what was known at as_of: a failure or a recovery after it has not happened yet
    select
        deployments.*,
        cast(deployments.deployed_at as date) as deployed_date,
        deployments.is_failed and deployments.failure_detected_at <= as_of.as_of as is_failed_as_of,
        case
            when deployments.is_failed and deployments.failure_detected_at <= as_of.as_of
                and deployments.recovered_at <= as_of.as_of
                then deployments.recovery_hours
        end as recovery_hours_as_of
    from deployments
    cross join as_of
    where deployments.deployed_at <= as_of.as_of
)

select 'project' as scope, project_id as scope_id, known.* from known
union all
select 'team' as scope, team as scope_id, known.* from known
union all
select 'org' as scope, 'org' as scope_id, known.* from known
