-- One row per experiment or training run of a catalogued project, from every experiment
-- tracker, with its start and end and the git commit it ran when recorded. A run with no
-- commit is exploration (T2); one tied to a commit is the pipeline at work (T6).
-- MLflow: runs of experiments assigned to a project.
-- Notebooks, TensorBoard, W&B: runs of the experiments int_file_experiments_assigned gives a
-- project. A notebook execution carries no git commit here: the commit that held it was made
-- after it ran, so it is always exploration (T2, decision D60). TensorBoard records no commit;
-- a W&B run's git.commit is the commit it ran, as MLflow's tag is.
with experiments as (
    select * from {{ ref('int_mlflow_experiments_assigned') }}
    where project_id is not null
),

tracker_experiments as (
    select * from {{ ref('int_file_experiments_assigned') }}
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
union all
select
    'notebook:' || executions.notebook_execution_key,
    'notebook',
    executions.notebook_execution_key,
    tracker_experiments.project_id,
    tracker_experiments.experiment_key,
    executions.notebook_path,
    case when executions.ended_at is not null then 'FINISHED' end,
    executions.started_at,
    executions.ended_at,
    cast(null as {{ dbt.type_string() }})
from {{ ref('stg_notebooks__executions') }} as executions
inner join tracker_experiments
    on tracker_experiments.experiment_key = 'notebook:' || executions.notebook_key
union all
select
    'tensorboard:' || tb_runs.tensorboard_run_key,
    'tensorboard',
    tb_runs.tensorboard_run_key,
    tracker_experiments.project_id,
    tracker_experiments.experiment_key,
    tb_runs.run_name,
    cast(null as {{ dbt.type_string() }}),
    tb_runs.started_at,
    tb_runs.ended_at,
    cast(null as {{ dbt.type_string() }})
from {{ ref('stg_tensorboard__runs') }} as tb_runs
inner join tracker_experiments
    on tracker_experiments.experiment_key = 'tensorboard:' || tb_runs.logdir
union all
select
    'wandb:' || wandb_runs.wandb_run_path,
    'wandb',
    wandb_runs.wandb_run_path,
    tracker_experiments.project_id,
    tracker_experiments.experiment_key,
    coalesce(wandb_runs.run_name, wandb_runs.run_id),
    wandb_runs.run_status,
    wandb_runs.started_at,
    wandb_runs.ended_at,
    wandb_runs.git_commit
from {{ ref('stg_wandb__runs') }} as wandb_runs
inner join tracker_experiments
    on tracker_experiments.experiment_key = 'wandb:' || wandb_runs.project_path
