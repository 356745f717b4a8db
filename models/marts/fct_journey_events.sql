-- One row per telemetry event (T1-T7) of a catalogued project's ML journey: project, phase,
-- step, T-code, occurred_at (UTC), source system and record, and the exploration cycle it
-- falls in (the latest cycle started at or before it; events before the first kickoff count in
-- cycle 1; null for a project without kickoff).
with events as (
    select * from {{ ref('int_journey_events_unioned') }}
),

cycles as (
    select * from {{ ref('int_exploration_cycles_derived') }}
),

first_cycles as (
    select project_id, min(cycle_started_at) as first_started_at
    from cycles
    group by project_id
)

select
    events.event_id,
    events.project_id,
    events.phase,
    events.step,
    events.step_order,
    events.t_code,
    events.occurred_at,
    cast({{ dbt.date_trunc('week', 'events.occurred_at') }} as date) as occurred_week,
    events.source_system,
    events.record_type,
    events.source_record_id,
    case
        when first_cycles.project_id is null then null
        when events.occurred_at < first_cycles.first_started_at then 1
        else cycles.exploration_cycle
    end as exploration_cycle
from events
left join first_cycles
    on first_cycles.project_id = events.project_id
left join cycles
    on cycles.project_id = events.project_id
    and events.occurred_at >= cycles.cycle_started_at
    and (cycles.next_cycle_started_at is null or events.occurred_at < cycles.next_cycle_started_at)
