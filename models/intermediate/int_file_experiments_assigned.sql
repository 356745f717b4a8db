-- One row per experiment read from files (notebooks in git, TensorBoard event files, W&B run
-- folders or exports), with the project the catalog assigns it to (or none) and its first
-- run. An experiment here is what groups a tracker's runs:
--   notebook     a notebook (repo:path); its runs are its executions. Assigned by the longest
--                notebook_path_prefix ('<repo>:<path prefix>') that starts repo:path, else by
--                notebook_repo (the repository).
--   tensorboard  a named log directory; its runs are the folders of event files. Assigned by
--                tensorboard_logdir.
--   wandb        a W&B project (entity/project); assigned by wandb_project naming
--                'entity/project', else the bare project name.
-- It is created (T2) at its first run: none of these trackers records a creation time.
-- A key named for two projects goes to the first project by id (as repositories do).
with mappings as (
    select project_id, object_type, object_key
    from {{ ref('project_mappings') }}
    where object_type in ('notebook_repo', 'notebook_path_prefix', 'tensorboard_logdir', 'wandb_project')
),

notebooks as (
    select
        'notebook:' || notebook_key as experiment_key,
        'notebook' as source_system,
        notebook_key as source_record_id,
        notebook_key as experiment_name,
        min(notebook_repo) as notebook_repo,
        min(started_at) as created_at,
        count(*) as n_runs
    from {{ ref('stg_notebooks__executions') }}
    group by notebook_key
),

notebook_matches as (
    select
        notebooks.experiment_key,
        mappings.project_id,
        row_number() over (
            partition by notebooks.experiment_key
            order by
                case when mappings.object_type = 'notebook_path_prefix' then 0 else 1 end,
                length(mappings.object_key) desc,
                mappings.project_id
        ) as match_rank
    from notebooks
    inner join mappings
        on (mappings.object_type = 'notebook_repo' and mappings.object_key = notebooks.notebook_repo)
        or (mappings.object_type = 'notebook_path_prefix'
            and {{ dbt.position('mappings.object_key', 'notebooks.source_record_id') }} = 1)
),

tensorboard as (
    select
        'tensorboard:' || logdir as experiment_key,
        'tensorboard' as source_system,
        logdir as source_record_id,
        logdir as experiment_name,
        min(started_at) as created_at,
        count(*) as n_runs
    from {{ ref('stg_tensorboard__runs') }}
    group by logdir
),

tensorboard_matches as (
    select
        tensorboard.experiment_key,
        mappings.project_id,
        row_number() over (partition by tensorboard.experiment_key order by mappings.project_id) as match_rank
    from tensorboard
    inner join mappings
        on mappings.object_type = 'tensorboard_logdir'
        and mappings.object_key = tensorboard.source_record_id
),

wandb as (
    select
        'wandb:' || project_path as experiment_key,
        'wandb' as source_system,
        project_path as source_record_id,
        project_path as experiment_name,
        min(project) as project,
        min(started_at) as created_at,
        count(*) as n_runs
    from {{ ref('stg_wandb__runs') }}
    group by project_path
),

wandb_matches as (
    select
        wandb.experiment_key,
        mappings.project_id,
        row_number() over (
            partition by wandb.experiment_key
            order by case when mappings.object_key = wandb.source_record_id then 0 else 1 end, mappings.project_id
        ) as match_rank
    from wandb
    inner join mappings
        on mappings.object_type = 'wandb_project'
        and mappings.object_key in (wandb.source_record_id, wandb.project)
),

experiments as (
    select notebooks.experiment_key, notebooks.source_system, notebooks.source_record_id,
        notebooks.experiment_name, notebook_matches.project_id, notebooks.created_at, notebooks.n_runs
    from notebooks
    left join notebook_matches
        on notebook_matches.experiment_key = notebooks.experiment_key
        and notebook_matches.match_rank = 1
    union all
    select tensorboard.experiment_key, tensorboard.source_system, tensorboard.source_record_id,
        tensorboard.experiment_name, tensorboard_matches.project_id, tensorboard.created_at, tensorboard.n_runs
    from tensorboard
    left join tensorboard_matches
        on tensorboard_matches.experiment_key = tensorboard.experiment_key
        and tensorboard_matches.match_rank = 1
    union all
    select wandb.experiment_key, wandb.source_system, wandb.source_record_id,
        wandb.experiment_name, wandb_matches.project_id, wandb.created_at, wandb.n_runs
    from wandb
    left join wandb_matches
        on wandb_matches.experiment_key = wandb.experiment_key
        and wandb_matches.match_rank = 1
)

select * from experiments
