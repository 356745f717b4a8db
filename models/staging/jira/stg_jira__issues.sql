with source as (
    select * from {{ optional_source('jira', 'issues') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as jira_issue_id,
        key as issue_key,
        project_key,
        issue_type,
        summary,
        coalesce(description_text, '') as description_text,
        status,
        status_category,
        replace(coalesce(labels, ''), ', ', ',') as labels,
        priority,
        reporter_id,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('resolved_at') }} as resolved_at
    from source
)

select * from renamed
