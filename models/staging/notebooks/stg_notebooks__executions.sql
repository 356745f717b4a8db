with source as (
    select * from {{ optional_source('notebooks', 'notebook_executions') }}
),

renamed as (
    select
        repo || ':' || path || '@' || execution_id as notebook_execution_key,
        repo || ':' || path as notebook_key,
        repo as notebook_repo,
        path as notebook_path,
        execution_id,
        method as detection_method,
        {{ to_utc('started_at') }} as started_at,
        {{ to_utc('ended_at') }} as ended_at,
        nullif(trim(git_commit), '') as source_commit,
        cast(cells_executed as integer) as cells_executed,
        author_id
    from source
)

select * from renamed
