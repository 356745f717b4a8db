-- One row per catalogued ML project, with its team, its current phase and step as of the var
-- as_of, and its exploration cycles.
with projects as (
    select * from {{ ref('projects') }}
),

as_of as (
    select as_of from {{ ref('int_as_of_resolved') }}
),

events as (
    select events.*
    from {{ ref('int_journey_events_unioned') }} as events
    cross join as_of
    where events.occurred_at <= as_of.as_of
),

cycles as (
    select cycles.*
    from {{ ref('int_exploration_cycles_derived') }} as cycles
    cross join as_of
    where cycles.cycle_started_at <= as_of.as_of
),

latest_cycle as (
    select
        cycles.project_id,
        count(*) over (partition by cycles.project_id) as exploration_cycles,
        cycles.exploration_cycle,
        case when cycles.production_at <= as_of.as_of then cycles.production_at end as production_at,
        row_number() over (partition by cycles.project_id order by cycles.exploration_cycle desc) as recency
    from cycles
    cross join as_of
),

firsts as (
    select
        project_id,
        min(case when t_code = 'T1' then occurred_at end) as first_kickoff_at,
        min(case when t_code = 'T4' then occurred_at end) as first_bootstrap_at,
        min(case when t_code = 'T7' then occurred_at end) as first_deployment_at,
        max(step_order) as max_step_order
    from events
    group by project_id
),

current_step as (
    -- the furthest step reached in the current cycle, within the current phase: an exploring
    -- project whose old pipeline still trains and deploys is at its exploration step
    select
        events.project_id,
        max(events.step_order) as step_order
    from events
    left join latest_cycle
        on latest_cycle.project_id = events.project_id
        and latest_cycle.recency = 1
    left join cycles
        on cycles.project_id = latest_cycle.project_id
        and cycles.exploration_cycle = latest_cycle.exploration_cycle
    where (cycles.cycle_started_at is null or events.occurred_at >= cycles.cycle_started_at)
      and (
        latest_cycle.project_id is null
        or (latest_cycle.production_at is null and events.phase = 'exploration')
        or (latest_cycle.production_at is not null and events.occurred_at >= latest_cycle.production_at)
      )
    group by events.project_id
),

steps as (
    select * from {{ ref('journey_steps') }}
)

select
    projects.project_id,
    projects.project_name,
    projects.team,
    coalesce(latest_cycle.exploration_cycles, 0) as exploration_cycles,
    case
        when latest_cycle.project_id is not null and latest_cycle.production_at is null then 'exploration'
        when latest_cycle.production_at is not null then 'production'
        when firsts.first_bootstrap_at is not null or firsts.first_deployment_at is not null then 'production'
        when firsts.project_id is not null then 'exploration'
        else 'no telemetry'
    end as current_phase,
    steps.step as current_step,
    firsts.first_kickoff_at,
    firsts.first_bootstrap_at,
    firsts.first_deployment_at,
    as_of.as_of
from projects
cross join as_of
left join latest_cycle
    on latest_cycle.project_id = projects.project_id
    and latest_cycle.recency = 1
left join firsts
    on firsts.project_id = projects.project_id
left join current_step
    on current_step.project_id = projects.project_id
left join steps
    on steps.step_order = current_step.step_order
