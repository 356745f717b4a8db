with source as (
    select * from {{ optional_source('asana', 'stories') }}
),

renamed as (
    select
        cast(gid as {{ dbt.type_string() }}) as asana_story_id,
        cast(task_gid as {{ dbt.type_string() }}) as asana_task_id,
        resource_subtype as story_type,
        {{ to_utc('created_at') }} as created_at,
        created_by_id,
        old_section,
        new_section,
        cast(custom_field_gid as {{ dbt.type_string() }}) as custom_field_id,
        custom_field_name,
        old_value,
        new_value
    from source
)

select * from renamed
