with source as (
    select * from {{ optional_source('mlflow', 'experiments') }}
),

renamed as (
    select
        cast(experiment_id as {{ dbt.type_string() }}) as experiment_id,
        name as experiment_name,
        lifecycle_stage,
        artifact_location,
        {{ to_utc('creation_time') }} as created_at,
        {{ to_utc('last_update_time') }} as last_updated_at
    from source
)

select * from renamed
