-- One row per exploration cycle of a project. The first kickoff (T1) opens cycle 1. A later
-- kickoff opens a new cycle ("massive steering") when the project went (back) to production
-- since the kickoff before it: a bootstrap (T4) between the two, or a deployment (T7) between
-- them that follows a baseline approval (T3) also between them. Further kickoffs without such a
-- return belong to the cycle already open.
-- A cycle returns to production at its first bootstrap (T4) after its start, or its first
-- deployment (T7) after its own baseline approval; until then the project is exploring.
with events as (
    select * from {{ ref('int_journey_events_unioned') }}
),

kickoffs as (
    select
        project_id,
        occurred_at,
        source_record_id,
        lag(occurred_at) over (partition by project_id order by occurred_at, source_record_id) as previous_kickoff_at
    from events
    where t_code = 'T1'
),

returns_between as (
    -- a production return strictly between a kickoff and the one before it
    select distinct kickoffs.project_id, kickoffs.occurred_at
    from kickoffs
    inner join events as production
        on production.project_id = kickoffs.project_id
        and production.occurred_at > kickoffs.previous_kickoff_at
        and production.occurred_at < kickoffs.occurred_at
        and production.t_code in ('T4', 'T7')
    where production.t_code = 'T4'
       or exists (
            select 1
            from events as approval
            where approval.project_id = kickoffs.project_id
              and approval.t_code = 'T3'
              and approval.occurred_at > kickoffs.previous_kickoff_at
              and approval.occurred_at <= production.occurred_at
       )
),

openers as (
    select
        kickoffs.project_id,
        kickoffs.occurred_at,
        kickoffs.source_record_id
    from kickoffs
    left join returns_between
        on returns_between.project_id = kickoffs.project_id
        and returns_between.occurred_at = kickoffs.occurred_at
    where kickoffs.previous_kickoff_at is null
       or returns_between.project_id is not null
),

cycles as (
    select
        project_id,
        row_number() over (partition by project_id order by occurred_at, source_record_id) as exploration_cycle,
        occurred_at as cycle_started_at,
        source_record_id as kickoff_record_id,
        lead(occurred_at) over (partition by project_id order by occurred_at, source_record_id) as next_cycle_started_at
    from openers
),

baselines as (
    select
        cycles.project_id,
        cycles.exploration_cycle,
        min(events.occurred_at) as baseline_at
    from cycles
    inner join events
        on events.project_id = cycles.project_id
        and events.t_code = 'T3'
        and events.occurred_at >= cycles.cycle_started_at
        and (cycles.next_cycle_started_at is null or events.occurred_at < cycles.next_cycle_started_at)
    group by cycles.project_id, cycles.exploration_cycle
),

production_returns as (
    select
        cycles.project_id,
        cycles.exploration_cycle,
        min(events.occurred_at) as production_at
    from cycles
    left join baselines
        on baselines.project_id = cycles.project_id
        and baselines.exploration_cycle = cycles.exploration_cycle
    inner join events
        on events.project_id = cycles.project_id
        and events.occurred_at > cycles.cycle_started_at
        and (cycles.next_cycle_started_at is null or events.occurred_at < cycles.next_cycle_started_at)
        and (
            events.t_code = 'T4'
            or (events.t_code = 'T7' and events.occurred_at >= baselines.baseline_at)
        )
    group by cycles.project_id, cycles.exploration_cycle
)

select
    cycles.project_id || ':' || cast(cycles.exploration_cycle as {{ dbt.type_string() }}) as cycle_id,
    cycles.project_id,
    cycles.exploration_cycle,
    cycles.kickoff_record_id,
    cycles.cycle_started_at,
    cycles.next_cycle_started_at,
    baselines.baseline_at,
    production_returns.production_at
from cycles
left join baselines
    on baselines.project_id = cycles.project_id
    and baselines.exploration_cycle = cycles.exploration_cycle
left join production_returns
    on production_returns.project_id = cycles.project_id
    and production_returns.exploration_cycle = cycles.exploration_cycle
