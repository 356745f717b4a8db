-- One row per telemetry event of the ML journey (T1-T7) of a catalogued project, from every
-- source. The steps without telemetry (UNDERSTAND, LOCAL CHANGE) have no events.
--   T1 FORMULATE     a kickoff record created (int_kickoffs_unioned: every tracker)
--   T2 EXPLORE       an experiment created; a run started that is tied to no commit
--                    (int_experiments_unioned, int_experiment_runs_unioned: every tracker)
--   T3 BASELINE      a kickoff record's first move into an approval status (int_approvals_unioned)
--   T4 BOOTSTRAP     the root commit of the first-parent line of a project's pipeline repo
--   T5 OPEN PR       a pull request opened
--   T6 COMMITS TO PR a pull request commit; a run tied to a git commit; a model version; a
--                    pipeline run (int_pipeline_runs_unioned: Airflow, Kubeflow, SageMaker, Vertex)
--   T7 OBSERVE       a production deployment
with kickoffs as (
    select * from {{ ref('int_kickoffs_unioned') }}
),

approvals as (
    select * from {{ ref('int_approvals_unioned') }}
),

experiments as (
    select * from {{ ref('int_experiments_unioned') }}
),

runs as (
    select * from {{ ref('int_experiment_runs_unioned') }}
),

mlflow_runs as (
    select source_record_id as run_id, project_id from runs where source_system = 'mlflow'
),

registered_models as (
    select object_key as model_name, min(project_id) as project_id
    from {{ ref('project_mappings') }}
    where object_type = 'registered_model'
    group by object_key
),

model_versions as (
    select
        versions.*,
        coalesce(registered_models.project_id, runs.project_id) as project_id
    from {{ ref('stg_mlflow__model_versions') }} as versions
    left join registered_models
        on registered_models.model_name = versions.model_name
    left join mlflow_runs as runs
        on runs.run_id = versions.run_id
),

git_repos as (
    select repo as git_repo, project_id
    from {{ ref('int_repositories_mapped') }}
    where repo_type = 'git_repo'
),

bootstraps as (
    select
        git_repos.project_id,
        mainline.git_repo,
        mainline.sha,
        commits.authored_at
    from {{ ref('stg_git__mainline_commits') }} as mainline
    inner join git_repos
        on git_repos.git_repo = mainline.git_repo
    inner join {{ ref('stg_git__commits') }} as commits
        on commits.git_repo = mainline.git_repo
        and commits.sha = mainline.sha
    where mainline.mainline_position = 1
),

pull_requests as (
    select * from {{ ref('int_pull_requests_summarised') }}
    where project_id is not null
),

pr_commits as (
    select
        pr_commits.*,
        pull_requests.project_id,
        pull_requests.pull_request_id
    from {{ ref('stg_github__pull_request_commits') }} as pr_commits
    inner join pull_requests
        on pull_requests.github_repo = pr_commits.github_repo
        and pull_requests.pull_request_number = pr_commits.pull_request_number
),

deployments as (
    select * from {{ ref('int_deployments_classified') }}
),

pipeline_runs as (
    select * from {{ ref('int_pipeline_runs_unioned') }}
    where project_id is not null
),

events as (
    select project_id, 'T1' as t_code, created_at as occurred_at, source_system,
        'kickoff' as record_type, source_record_id
    from kickoffs
    union all
    select project_id, 'T2', created_at, source_system, 'experiment', source_record_id
    from experiments
    union all
    select project_id, 'T2', started_at, source_system, 'run', source_record_id
    from runs
    where git_commit is null
    union all
    select project_id, 'T3', approved_at, source_system, 'approval', source_record_id
    from approvals
    union all
    select project_id, 'T4', authored_at, 'git', 'commit', git_repo || '@' || sha
    from bootstraps
    union all
    select project_id, 'T5', opened_at, 'github', 'pull_request', github_repo || '#' || cast(pull_request_number as {{ dbt.type_string() }})
    from pull_requests
    union all
    select project_id, 'T6', authored_at, 'github', 'pull_request_commit',
        github_repo || '#' || cast(pull_request_number as {{ dbt.type_string() }}) || '@' || sha
    from pr_commits
    union all
    select project_id, 'T6', started_at, source_system, 'run', source_record_id
    from runs
    where git_commit is not null
    union all
    select project_id, 'T6', created_at, 'mlflow', 'model_version', model_version_key
    from model_versions
    where project_id is not null
    union all
    select project_id, 'T7', deployed_at, source_system, 'deployment', deployment_id
    from deployments
    union all
    select project_id, 'T6', started_at, source_system, 'pipeline_run', source_record_id
    from pipeline_runs
),

steps as (
    select * from {{ ref('journey_steps') }}
)

select
    events.t_code || ':' || events.source_system || ':' || events.record_type || ':' || events.source_record_id as event_id,
    events.project_id,
    steps.phase,
    steps.step,
    steps.step_order,
    events.t_code,
    events.occurred_at,
    events.source_system,
    events.record_type,
    events.source_record_id
from events
inner join steps
    on steps.t_code = events.t_code
where events.occurred_at is not null
