with source as (
    select * from {{ optional_source('airflow', 'dag_runs') }}
),

renamed as (
    select
        dag_id || '/' || dag_run_id as dag_run_key,
        dag_id,
        dag_run_id,
        run_type,
        state as source_state,
        case lower(state)
            when 'queued' then 'queued'
            when 'running' then 'running'
            when 'success' then 'succeeded'
            when 'failed' then 'failed'
            else 'other'
        end as run_state,
        {{ to_utc('logical_date') }} as logical_at,
        {{ to_utc('start_date') }} as started_at,
        {{ to_utc('end_date') }} as ended_at,
        external_trigger,
        conf,
        lower(git_commit) as git_commit,
        model_name,
        model_version
    from source
)

select * from renamed
