with source as (
    select * from {{ optional_source('basecamp', 'events') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as basecamp_event_id,
        cast(recording_id as {{ dbt.type_string() }}) as basecamp_recording_id,
        cast(bucket_id as {{ dbt.type_string() }}) as basecamp_project_id,
        action,
        creator_id,
        {{ to_utc('created_at') }} as created_at
    from source
)

select * from renamed
