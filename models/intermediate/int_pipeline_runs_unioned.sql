-- One row per pipeline run (a training / pipeline orchestration run: journey step T6) from
-- every orchestrator, with the project it belongs to, its start, end, normalised state and the
-- commit and model version it built when its configuration says so.
--   airflow    a DAG run; project by the catalog's airflow_dag (dag id)
--   kubeflow   a KFP run; project by kubeflow_pipeline (the pipeline's name)
--   sagemaker  a SageMaker pipeline execution; project by sagemaker_pipeline (pipeline name)
--   vertex     a Vertex AI pipeline job; project by vertex_pipeline (the KFP pipeline name)
-- A run mapped by none of these belongs to the project of the registered_model it names, else
-- to none (project_id null: listed in unassigned_records, never a journey event).
with registered_models as (
    select * from {{ catalog_keys('registered_model') }}
),

airflow_dags as (
    select * from {{ catalog_keys('airflow_dag') }}
),

kubeflow_pipelines as (
    select * from {{ catalog_keys('kubeflow_pipeline') }}
),

sagemaker_pipelines as (
    select * from {{ catalog_keys('sagemaker_pipeline') }}
),

vertex_pipelines as (
    select * from {{ catalog_keys('vertex_pipeline') }}
),

runs as (
    select
        'airflow' as source_system,
        dag_run_key as source_record_id,
        dag_id as pipeline_name,
        started_at,
        ended_at,
        run_state as state,
        git_commit,
        model_name,
        model_version
    from {{ ref('stg_airflow__dag_runs') }}
    union all
    select
        'kubeflow',
        run_id,
        pipeline_name,
        started_at,
        ended_at,
        run_state,
        git_commit,
        model_name,
        model_version
    from {{ ref('stg_kubeflow__runs') }}
    union all
    select
        'sagemaker',
        pipeline_execution_arn,
        pipeline_name,
        started_at,
        ended_at,
        run_state,
        git_commit,
        model_name,
        model_version
    from {{ ref('stg_sagemaker__pipeline_executions') }}
    union all
    select
        'vertex',
        pipeline_job_name,
        pipeline_name,
        coalesce(started_at, created_at),
        ended_at,
        run_state,
        git_commit,
        model_name,
        model_version
    from {{ ref('stg_vertex__pipeline_jobs') }}
),

mapped as (
    select
        runs.*,
        case runs.source_system
            when 'airflow' then airflow_dags.project_id
            when 'kubeflow' then kubeflow_pipelines.project_id
            when 'sagemaker' then sagemaker_pipelines.project_id
            when 'vertex' then vertex_pipelines.project_id
        end as pipeline_project_id,
        registered_models.project_id as model_project_id
    from runs
    left join airflow_dags
        on runs.source_system = 'airflow'
        and airflow_dags.object_key = lower(runs.pipeline_name)
    left join kubeflow_pipelines
        on runs.source_system = 'kubeflow'
        and kubeflow_pipelines.object_key = lower(runs.pipeline_name)
    left join sagemaker_pipelines
        on runs.source_system = 'sagemaker'
        and sagemaker_pipelines.object_key = lower(runs.pipeline_name)
    left join vertex_pipelines
        on runs.source_system = 'vertex'
        and vertex_pipelines.object_key = lower(runs.pipeline_name)
    left join registered_models
        on registered_models.object_key = lower(runs.model_name)
)

select
    source_system || ':' || source_record_id as run_key,
    source_system,
    source_record_id,
    coalesce(pipeline_project_id, model_project_id) as project_id,
    pipeline_name,
    started_at,
    ended_at,
    state,
    git_commit,
    model_name,
    model_version
from mapped
