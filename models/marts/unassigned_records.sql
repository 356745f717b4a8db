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
    select source_system, 'deployment', deployment_id, coalesce(github_repo, model_name, source_record_id),
        case when source_system = 'github' or source_system = 'mlflow_alias'
            then 'its repository or model belongs to no project'
            when source_system in ('sagemaker', 'vertex', 'databricks')
            then 'no sagemaker_endpoint, vertex_endpoint or databricks_endpoint mapping names its endpoint, and no registered_model its model'
            else 'the catalog assigns it to no project (a file record: its project_id is not in projects.csv)' end
    from {{ ref('int_deployments_deduplicated') }}
    where project_id is null
    union all
    select source_system, 'incident', incident_id, title,
        case source_system
            when 'github' then 'its repository belongs to no project'
            when 'jira' then 'its Jira issue belongs to no project'
            when 'grafana' then 'no grafana_label in the catalog matches its labels, or labels of several projects do'
            when 'cloudwatch' then 'no cloudwatch_alarm_prefix in the catalog starts its alarm name'
            else 'the catalog assigns it to no project (a file record: project_id not in projects.csv and no incident_service mapping of its service)'
        end
    from {{ ref('int_incidents_unioned') }}
    where project_id is null
    union all
    select source_system, 'experiment', source_record_id,
        experiment_name || ' (' || cast(n_runs as {{ dbt.type_string() }}) || ' runs)',
        case source_system
            when 'notebook' then 'no notebook_path_prefix or notebook_repo in the catalog matches it'
            when 'tensorboard' then 'no tensorboard_logdir in the catalog names it'
            else 'no wandb_project in the catalog names it'
        end
    from {{ ref('int_file_experiments_assigned') }}
    where project_id is null
    union all
    select source_system, 'pipeline_run', source_record_id, coalesce(pipeline_name, source_record_id),
        'no airflow_dag, kubeflow_pipeline, sagemaker_pipeline or vertex_pipeline mapping names its pipeline, and no registered_model its model'
    from {{ ref('int_pipeline_runs_unioned') }}
    where project_id is null
)

select
    source_system || ':' || record_type || ':' || source_record_id as unassigned_record_id,
    *
from unassigned
