-- One row per exploration cycle of a project, with its exploration KPIs (hours unless named):
--   time_to_first_experiment   first experiment activity (T2) in the cycle - kickoff (T1)
--   runs_per_active_week       experiment runs (T2 runs) in the cycle / weeks with at least one
--   experiment feedback time   run end - start of the cycle's finished exploration runs
--                              (median and p90, with n)
--   time_to_baseline           baseline approval (T3) - kickoff
--   baseline_to_bootstrap      return to production (first T4, or T7 after the baseline) - T3
--   concept_to_production      first production deployment (T7) of the cycle once it returned
--                              to production (at or after its return) - kickoff
-- A KPI whose end has not happened by as_of is null: the cycle is still open there.
with cycles as (
    select * from {{ ref('int_exploration_cycles_derived') }}
),

as_of as (
    select as_of from {{ ref('int_as_of_resolved') }}
),

events as (
    select * from {{ ref('fct_journey_events') }}
),

runs as (
    select * from {{ ref('int_experiment_runs_unioned') }}
),

cycle_events as (
    select
        events.*
    from events
    cross join as_of
    where events.exploration_cycle is not null
      and events.occurred_at <= as_of.as_of
),

exploration as (
    select
        cycle_events.project_id,
        cycle_events.exploration_cycle,
        min(case when cycle_events.t_code = 'T2' then cycle_events.occurred_at end) as first_experiment_at,
        count(case when cycle_events.t_code = 'T2' and cycle_events.record_type = 'run' then 1 end) as experiment_runs,
        count(distinct case when cycle_events.t_code = 'T2' and cycle_events.record_type = 'run' then cycle_events.occurred_week end) as active_weeks,
        -- the first deployment once the cycle is back in production: during a re-exploration the
        -- old pipeline may still deploy retrains, which are not this cycle's concept in production
        min(case when cycle_events.t_code = 'T7' and cycle_events.occurred_at >= cycles.production_at
            then cycle_events.occurred_at end) as first_deployment_at
    from cycle_events
    inner join cycles
        on cycles.project_id = cycle_events.project_id
        and cycles.exploration_cycle = cycle_events.exploration_cycle
    where cycle_events.occurred_at >= cycles.cycle_started_at
    group by cycle_events.project_id, cycle_events.exploration_cycle
),

feedback as (
    select
        cycle_events.project_id,
        cycle_events.exploration_cycle,
        count(*) as feedback_n,
        {{ percentile(hours_between('runs.started_at', 'runs.ended_at'), 0.5) }} as feedback_median_hours,
        {{ percentile(hours_between('runs.started_at', 'runs.ended_at'), 0.9) }} as feedback_p90_hours
    from cycle_events
    inner join runs
        on runs.source_system = cycle_events.source_system
        and runs.source_record_id = cycle_events.source_record_id
    cross join as_of
    where cycle_events.t_code = 'T2'
      and cycle_events.record_type = 'run'
      and runs.ended_at is not null
      and runs.ended_at <= as_of.as_of
    group by cycle_events.project_id, cycle_events.exploration_cycle
)

select
    cycles.cycle_id,
    cycles.project_id,
    cycles.exploration_cycle,
    cycles.kickoff_record_id,
    cycles.cycle_started_at,
    exploration.first_experiment_at,
    case when cycles.baseline_at <= as_of.as_of then cycles.baseline_at end as baseline_at,
    case when cycles.production_at <= as_of.as_of then cycles.production_at end as production_at,
    exploration.first_deployment_at,
    cycles.production_at is null or cycles.production_at > as_of.as_of as is_exploring,
    {{ hours_between('cycles.cycle_started_at', 'exploration.first_experiment_at') }} as time_to_first_experiment_hours,
    coalesce(exploration.experiment_runs, 0) as experiment_runs,
    coalesce(exploration.active_weeks, 0) as active_weeks,
    case when exploration.active_weeks > 0
        then cast(exploration.experiment_runs as {{ dbt.type_float() }}) / exploration.active_weeks
    end as runs_per_active_week,
    coalesce(feedback.feedback_n, 0) as experiment_feedback_n,
    feedback.feedback_median_hours as experiment_feedback_median_hours,
    feedback.feedback_p90_hours as experiment_feedback_p90_hours,
    case when cycles.baseline_at <= as_of.as_of
        then {{ hours_between('cycles.cycle_started_at', 'cycles.baseline_at') }}
    end as time_to_baseline_hours,
    case when cycles.baseline_at <= as_of.as_of and cycles.production_at <= as_of.as_of
        then {{ hours_between('cycles.baseline_at', 'cycles.production_at') }}
    end as baseline_to_bootstrap_hours,
    {{ hours_between('cycles.cycle_started_at', 'exploration.first_deployment_at') }} as concept_to_production_hours
from cycles
cross join as_of
left join exploration
    on exploration.project_id = cycles.project_id
    and exploration.exploration_cycle = cycles.exploration_cycle
left join feedback
    on feedback.project_id = cycles.project_id
    and feedback.exploration_cycle = cycles.exploration_cycle
where cycles.cycle_started_at <= as_of.as_of
