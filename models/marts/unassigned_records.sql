-- One row per raw record that the catalog assigns to no project (or that cannot be placed):
-- never silently dropped, visible here with the reason. Counts per source and record type are
-- in the scorecard.
with experiments as (
    select * from {{ ref('int_mlflow_experiments_assigned') }}
),

runs as (
    select * from {{ ref('stg_mlflow__runs') }}
),

registered as (
    select object_key as model_name
    from {{ ref('project_mappings') }}
    where object_type = 'registered_model'
),

unassigned as (
    select 'mlflow' as source_system, 'experiment' as record_type, experiment_id as source_record_id,
        experiment_name as label, 'no mlflow_experiment_prefix in the catalog matches the name' as reason
    from experiments
    where project_id is null
    union all
    select 'mlflow', 'run', runs.run_id, coalesce(runs.run_name, runs.run_id),
        'its experiment belongs to no project'
    from runs
    inner join experiments on experiments.experiment_id = runs.experiment_id
    where experiments.project_id is null
    union all
    select 'mlflow', 'registered_model', models.model_name, models.model_name,
        'no registered_model mapping in the catalog'
    from {{ ref('stg_mlflow__registered_models') }} as models
    where models.model_name not in (select model_name from registered)
    union all
    select 'jira', 'issue', issue_key, summary,
        'no kickoff key, label or single-project Jira key in the catalog'
    from {{ ref('int_jira_issues_assigned') }}
    where project_id is null
    union all
    select 'github', 'deployment', deployment_id, coalesce(github_repo, model_name),
        'its repository or model belongs to no project'
    from {{ ref('int_deployments_deduplicated') }}
    where project_id is null
    union all
    select 'github', 'incident', incident_id, title,
        'its repository belongs to no project'
    from {{ ref('int_incidents_unioned') }}
    where project_id is null
)

select
    source_system || ':' || record_type || ':' || source_record_id as unassigned_record_id,
    *
from unassigned
