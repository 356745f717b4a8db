-- One row per experiment (a tracked line of exploration, T2 when created) of a catalogued
-- project, from every experiment tracker. MLflow: experiments whose name matches a catalog
-- prefix. Notebooks, TensorBoard log directories and W&B projects: the experiments
-- int_file_experiments_assigned gives a project, created at their first run.
select
    'mlflow:' || experiment_id as experiment_key,
    'mlflow' as source_system,
    experiment_id as source_record_id,
    project_id,
    experiment_name,
    created_at
from {{ ref('int_mlflow_experiments_assigned') }}
where project_id is not null
union all
select
    experiment_key,
    source_system,
    source_record_id,
    project_id,
    experiment_name,
    created_at
from {{ ref('int_file_experiments_assigned') }}
where project_id is not null
