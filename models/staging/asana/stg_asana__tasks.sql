with source as (
    select * from {{ optional_source('asana', 'tasks') }}
),

renamed as (
    select
        cast(gid as {{ dbt.type_string() }}) as asana_task_id,
        cast(project_gid as {{ dbt.type_string() }}) as asana_project_id,
        name as task_name,
        section_name,
        replace(coalesce(tags, ''), ', ', ',') as tags,
        coalesce(completed, false) as is_completed,
        assignee_id,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('modified_at') }} as modified_at,
        {{ to_utc('completed_at') }} as completed_at
    from source
)

select * from renamed
