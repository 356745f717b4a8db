with source as (
    select * from {{ optional_source('basecamp', 'recordings') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as basecamp_recording_id,
        cast(bucket_id as {{ dbt.type_string() }}) as basecamp_project_id,
        recording_type,
        title,
        status,
        coalesce(completed, false) as is_completed,
        cast(parent_id as {{ dbt.type_string() }}) as parent_id,
        parent_title,
        parent_type,
        cast(container_id as {{ dbt.type_string() }}) as container_id,
        container_title,
        creator_id,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at
    from source
)

select * from renamed
