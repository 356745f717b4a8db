with source as (
    select * from {{ optional_source('jira', 'issue_changelogs') }}
),

renamed as (
    select
        cast(history_id as {{ dbt.type_string() }}) || '-' || cast(item_index as {{ dbt.type_string() }}) as changelog_item_id,
        cast(issue_id as {{ dbt.type_string() }}) as jira_issue_id,
        issue_key,
        cast(history_id as {{ dbt.type_string() }}) as history_id,
        cast(item_index as integer) as item_index,
        lower(field) as field,
        field_type,
        from_value,
        from_string,
        to_value,
        to_string,
        author_id,
        {{ to_utc('created_at') }} as changed_at
    from source
)

select * from renamed
