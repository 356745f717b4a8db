-- One row per (change counted in lead time, scope): project, team and org, deployed by as_of.
with changes as (
    select * from {{ ref('int_deployment_changes_attributed') }}
    where is_counted_in_lead_time
),

projects as (
    select * from {{ ref('projects') }}
),

as_of as (
    select as_of from {{ ref('int_as_of_resolved') }}
),

known as (
    select changes.*, projects.team
    from changes
    inner join projects on projects.project_id = changes.project_id
    cross join as_of
    where changes.deployed_at <= as_of.as_of
)

select 'project' as scope, project_id as scope_id, known.* from known
union all
select 'team' as scope, team as scope_id, known.* from known
union all
select 'org' as scope, 'org' as scope_id, known.* from known
