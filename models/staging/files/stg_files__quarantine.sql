with source as (
    select * from {{ optional_source('files', 'quarantine') }}
),

renamed as (
    select
        source_file || ':' || cast(source_line as {{ dbt.type_string() }}) as quarantine_id,
        kind as file_kind,
        source_file,
        source_line,
        field,
        problem,
        record
    from source
)

select * from renamed
