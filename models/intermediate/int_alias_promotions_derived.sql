-- One row per move of a production alias (var production_aliases) of an MLflow registered
-- model, seen between two load snapshots. MLflow keeps no alias history, so the promotion is
-- dated at the observation that first saw the new version: timestamp_precision 'snapshot'.
-- The first observation of an alias is not a promotion: when it was set is unknown.
with snapshots as (
    select * from {{ ref('snp_mlflow__model_aliases') }}
    where alias in {{ sql_list(var('production_aliases')) }}
),

ordered as (
    select
        model_alias_key,
        model_name,
        alias,
        model_version,
        observed_at,
        lag(model_version) over (partition by model_alias_key order by observed_at) as previous_model_version
    from snapshots
),

promotions as (
    select * from ordered
    where previous_model_version is not null
      and previous_model_version <> model_version
),

versions as (
    select * from {{ ref('stg_mlflow__model_versions') }}
),

runs as (
    select * from {{ ref('stg_mlflow__runs') }}
),

registered as (
    select object_key as model_name, min(project_id) as project_id
    from {{ ref('project_mappings') }}
    where object_type = 'registered_model'
    group by object_key
)

select
    'mlflow_alias:' || promotions.model_alias_key || ':' || cast(promotions.model_version as {{ dbt.type_string() }}) as promotion_id,
    registered.project_id,
    promotions.model_name,
    cast(promotions.model_version as {{ dbt.type_string() }}) as model_version,
    promotions.alias,
    promotions.previous_model_version,
    promotions.observed_at as promoted_at,
    runs.git_commit as sha
from promotions
left join versions
    on versions.model_name = promotions.model_name
    and versions.model_version = promotions.model_version
left join runs
    on runs.run_id = versions.run_id
left join registered
    on registered.model_name = promotions.model_name
