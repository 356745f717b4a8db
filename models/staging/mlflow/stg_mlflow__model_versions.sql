with source as (
    select * from {{ optional_source('mlflow', 'model_versions') }}
),

renamed as (
    select
        name as model_name,
        cast(version as integer) as model_version,
        name || ':' || cast(version as {{ dbt.type_string() }}) as model_version_key,
        {{ to_utc('creation_time') }} as created_at,
        {{ to_utc('last_updated_time') }} as last_updated_at,
        current_stage,
        upper(status) as version_status,
        nullif(run_id, '') as run_id,
        source as artifact_source
    from source
)

select * from renamed
