with source as (
    select * from {{ optional_source('mlflow', 'runs') }}
),

renamed as (
    select
        run_id,
        cast(experiment_id as {{ dbt.type_string() }}) as experiment_id,
        run_name,
        user_id,
        upper(status) as run_status,
        lifecycle_stage,
        {{ to_utc('start_time') }} as started_at,
        {{ to_utc('end_time') }} as ended_at,
        nullif(trim(git_commit), '') as git_commit,
        source_name,
        source_type,
        tags,
        metrics
    from source
)

select * from renamed
