-- One row per (project, journey step): all nine steps of "Under the ForEx Base" and "BLOCO"
-- for every catalogued project, with the first and latest time the step's telemetry was seen
-- up to as_of and how many events it has (steps without telemetry have none).
with projects as (
    select * from {{ ref('projects') }}
),

steps as (
    select * from {{ ref('journey_steps') }}
),

as_of as (
    select as_of from {{ ref('int_as_of_resolved') }}
),

events as (
    select events.*
    from {{ ref('fct_journey_events') }} as events
    cross join as_of
    where events.occurred_at <= as_of.as_of
),

summary as (
    select
        project_id,
        step,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at,
        count(*) as n_events
    from events
    group by project_id, step
)

select
    projects.project_id || ':' || cast(steps.step_order as {{ dbt.type_string() }}) as project_step_id,
    projects.project_id,
    projects.team,
    steps.step_order,
    steps.phase,
    steps.step,
    steps.t_code,
    summary.first_occurred_at,
    summary.last_occurred_at,
    coalesce(summary.n_events, 0) as n_events
from projects
cross join steps
left join summary
    on summary.project_id = projects.project_id
    and summary.step = steps.step
