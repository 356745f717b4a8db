with source as (
    select * from {{ optional_source('mlflow', 'registered_models') }}
),

renamed as (
    select
        name as model_name,
        description,
        {{ to_utc('creation_time') }} as created_at,
        {{ to_utc('last_updated_time') }} as last_updated_at
    from source
)

select * from renamed
