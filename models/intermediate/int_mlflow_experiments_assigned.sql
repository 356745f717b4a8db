-- One row per MLflow experiment with its project: the catalog prefix that matches the
-- experiment name, the longest one when several match.
with experiments as (
    select * from {{ ref('stg_mlflow__experiments') }}
),

prefixes as (
    select project_id, object_key as prefix
    from {{ ref('project_mappings') }}
    where object_type = 'mlflow_experiment_prefix'
),

matches as (
    select
        experiments.experiment_id,
        prefixes.project_id,
        row_number() over (
            partition by experiments.experiment_id
            order by length(prefixes.prefix) desc, prefixes.project_id
        ) as match_rank
    from experiments
    inner join prefixes
        on {{ dbt.position('prefixes.prefix', 'experiments.experiment_name') }} = 1
),

assigned as (
    select
        experiments.*,
        matches.project_id
    from experiments
    left join matches
        on matches.experiment_id = experiments.experiment_id
        and matches.match_rank = 1
)

select * from assigned
