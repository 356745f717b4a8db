with source as (
    select * from {{ optional_source('notion', 'pages') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as notion_page_id,
        cast(database_id as {{ dbt.type_string() }}) as notion_database_id,
        -- the id without dashes, lower case: Notion shows ids with and without dashes
        replace(lower(cast(database_id as {{ dbt.type_string() }})), '-', '') as notion_database_key,
        title,
        {{ to_utc('created_time') }} as created_at,
        {{ to_utc('last_edited_time') }} as last_edited_at,
        created_by_id,
        last_edited_by_id,
        coalesce(archived, false) as is_archived
    from source
)

select * from renamed
