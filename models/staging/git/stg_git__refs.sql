with source as (
    select * from {{ optional_source('git', 'refs') }}
),

renamed as (
    select
        repo as git_repo,
        ref_name,
        sha,
        coalesce(is_default_branch, false) as is_default_branch,
        case
            when ref_name like 'refs/heads/%' then 'branch'
            when ref_name like 'refs/tags/%' then 'tag'
            else 'other'
        end as ref_type
    from source
)

select * from renamed
