-- One row per team of the catalog, with how many projects it has and in which phase.
with projects as (
    select * from {{ ref('dim_projects') }}
)

select
    team,
    count(*) as projects,
    sum(case when current_phase = 'production' then 1 else 0 end) as projects_in_production,
    sum(case when current_phase = 'exploration' then 1 else 0 end) as projects_exploring
from projects
group by team
