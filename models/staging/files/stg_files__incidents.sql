with source as (
    select * from {{ optional_source('files', 'incidents') }}
),

renamed as (
    select
        source_system || ':' || incident_id as file_incident_id,
        source_system,
        incident_id as source_record_id,
        nullif(trim(project_id), '') as project_id,
        nullif(trim(service), '') as service,
        coalesce(title, '') as title,
        coalesce(description, '') as description,
        severity,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('resolved_at') }} as resolved_at,
        source_file,
        source_line
    from source
)

select * from renamed
