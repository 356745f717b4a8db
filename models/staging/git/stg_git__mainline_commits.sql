with source as (
    select * from {{ optional_source('git', 'mainline_commits') }}
),

renamed as (
    select
        repo as git_repo,
        sha,
        default_branch,
        mainline_sha,
        cast(mainline_position as integer) as mainline_position,
        sha = mainline_sha as is_on_mainline
    from source
)

select * from renamed
