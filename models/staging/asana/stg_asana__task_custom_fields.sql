with source as (
    select * from {{ optional_source('asana', 'task_custom_fields') }}
),

renamed as (
    select
        cast(task_gid as {{ dbt.type_string() }}) || '-' || cast(custom_field_gid as {{ dbt.type_string() }}) as task_custom_field_id,
        cast(task_gid as {{ dbt.type_string() }}) as asana_task_id,
        cast(custom_field_gid as {{ dbt.type_string() }}) as custom_field_id,
        custom_field_name,
        field_type,
        display_value,
        enum_value
    from source
)

select * from renamed
