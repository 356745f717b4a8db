-- One row per repository the catalog names (local git clone or GitHub repository), with its
-- project. A repository named for two projects is kept once, for the first project by id, and
-- flagged, since commits and deployments can only count for one project.
with mappings as (
    select * from {{ ref('project_mappings') }}
    where object_type in ('git_repo', 'github_repo')
),

ranked as (
    select
        object_type as repo_type,
        object_key as repo,
        project_id,
        count(*) over (partition by object_type, object_key) as n_projects,
        row_number() over (partition by object_type, object_key order by project_id) as rank_in_repo
    from mappings
)

select
    repo_type || ':' || repo as repo_key,
    repo_type,
    repo,
    project_id,
    n_projects > 1 as is_ambiguous
from ranked
where rank_in_repo = 1
