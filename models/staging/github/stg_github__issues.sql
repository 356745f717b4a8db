with source as (
    select * from {{ optional_source('github', 'issues') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as github_issue_id,
        repo as github_repo,
        cast(number as integer) as issue_number,
        title,
        coalesce(body, '') as body,
        state,
        state_reason,
        replace(coalesce(labels, ''), ', ', ',') as labels,
        author_id,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('closed_at') }} as closed_at,
        coalesce(is_pull_request, false) as is_pull_request
    from source
)

select * from renamed
