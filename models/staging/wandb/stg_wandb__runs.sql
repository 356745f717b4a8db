with source as (
    select * from {{ optional_source('wandb', 'runs') }}
),

renamed as (
    select
        coalesce(entity || '/', '') || project || '/' || run_id as wandb_run_path,
        coalesce(entity || '/', '') || project as project_path,
        entity,
        project,
        run_id,
        run_name,
        upper(state) as run_status,
        {{ to_utc('started_at') }} as started_at,
        {{ to_utc('ended_at') }} as ended_at,
        runtime_seconds,
        nullif(trim(git_commit), '') as git_commit,
        git_remote,
        program,
        user_id,
        source_format
    from source
)

select * from renamed
