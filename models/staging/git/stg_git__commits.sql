with source as (
    select * from {{ optional_source('git', 'commits') }}
),

renamed as (
    select
        repo as git_repo,
        sha,
        parent_shas,
        cast(parent_count as integer) as parent_count,
        cast(parent_count as integer) > 1 as is_merge_commit,
        author_id,
        {{ to_utc('author_time') }} as authored_at,
        cast(author_tz_offset_minutes as integer) as author_tz_offset_minutes,
        committer_id,
        {{ to_utc('committer_time') }} as committed_at,
        cast(committer_tz_offset_minutes as integer) as committer_tz_offset_minutes,
        subject,
        subject like 'Revert %' as is_revert
    from source
)

select * from renamed
