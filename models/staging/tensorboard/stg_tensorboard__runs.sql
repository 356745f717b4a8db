with source as (
    select * from {{ optional_source('tensorboard', 'runs') }}
),

renamed as (
    select
        logdir || ':' || run as tensorboard_run_key,
        logdir,
        run as run_name,
        {{ to_utc('started_at') }} as started_at,
        {{ to_utc('ended_at') }} as ended_at,
        cast(n_events as integer) as n_events,
        cast(n_event_files as integer) as n_event_files,
        coalesce(tags, '') as tags
    from source
)

select * from renamed
