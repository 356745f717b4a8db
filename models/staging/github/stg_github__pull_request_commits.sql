with source as (
    select * from {{ optional_source('github', 'pull_request_commits') }}
),

renamed as (
    select
        repo as github_repo,
        cast(pr_number as integer) as pull_request_number,
        sha,
        cast(position as integer) as commit_position,
        author_id,
        {{ to_utc('author_date') }} as authored_at,
        {{ to_utc('committer_date') }} as committed_at,
        subject
    from source
)

select * from renamed
