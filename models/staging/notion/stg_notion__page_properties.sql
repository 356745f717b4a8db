with source as (
    select * from {{ optional_source('notion', 'page_properties') }}
),

renamed as (
    select
        cast(page_id as {{ dbt.type_string() }}) || '-' || cast(property_id as {{ dbt.type_string() }}) as page_property_id,
        cast(page_id as {{ dbt.type_string() }}) as notion_page_id,
        cast(property_id as {{ dbt.type_string() }}) as property_id,
        property_name,
        property_type,
        value_text,
        {{ to_utc('value_start') }} as value_start,
        {{ to_utc('value_end') }} as value_end
    from source
)

select * from renamed
