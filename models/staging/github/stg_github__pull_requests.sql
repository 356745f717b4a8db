with source as (
    select * from {{ optional_source('github', 'pull_requests') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as pull_request_id,
        repo as github_repo,
        cast(number as integer) as pull_request_number,
        title,
        state,
        coalesce(draft, false) as is_draft,
        author_id,
        {{ to_utc('created_at') }} as opened_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('closed_at') }} as closed_at,
        {{ to_utc('merged_at') }} as merged_at,
        merged_at is not null as is_merged,
        merge_commit_sha,
        head_ref,
        head_sha,
        base_ref,
        replace(coalesce(labels, ''), ', ', ',') as labels
    from source
)

select * from renamed
