-- Where each project is in its ML journey, and the exploration KPIs of its latest cycle.
with latest_cycle as (
    select
        *,
        row_number() over (partition by project_id order by exploration_cycle desc) as recency
    from {{ ref('fct_exploration_cycles') }}
)

select
    projects.project_id,
    projects.team,
    projects.current_phase,
    projects.current_step,
    projects.exploration_cycles,
    latest_cycle.cycle_started_at as latest_kickoff_at,
    latest_cycle.is_exploring,
    latest_cycle.time_to_first_experiment_hours,
    latest_cycle.runs_per_active_week,
    latest_cycle.time_to_baseline_hours,
    latest_cycle.concept_to_production_hours
from {{ ref('dim_projects') }} as projects
left join latest_cycle
    on latest_cycle.project_id = projects.project_id
    and latest_cycle.recency = 1
order by projects.team, projects.project_id
