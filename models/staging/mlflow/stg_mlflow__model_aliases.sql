with source as (
    select * from {{ optional_source('mlflow', 'model_aliases') }}
),

renamed as (
    select
        name || ':' || alias as model_alias_key,
        name as model_name,
        alias,
        cast(version as integer) as model_version,
        {{ to_utc('observed_at') }} as observed_at
    from source
)

select * from renamed
