-- One row per experiment or training run of a catalogued project, from every experiment
-- tracker, with its start and end and the git commit it ran when recorded. A run with no
-- commit is exploration (T2); one tied to a commit is the pipeline at work (T6).
-- MLflow: runs of experiments assigned to a project.
with experiments as (
    select * from {{ ref('int_mlflow_experiments_assigned') }}
    where project_id is not null
)

select
    'mlflow:' || runs.run_id as run_key,
    'mlflow' as source_system,
    runs.run_id as source_record_id,
    experiments.project_id,
    'mlflow:' || runs.experiment_id as experiment_key,
    runs.run_name,
    runs.run_status,
    runs.started_at,
    runs.ended_at,
    runs.git_commit
from {{ ref('stg_mlflow__runs') }} as runs
inner join experiments
    on experiments.experiment_id = runs.experiment_id
