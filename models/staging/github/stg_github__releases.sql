with source as (
    select * from {{ optional_source('github', 'releases') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as release_id,
        repo as github_repo,
        tag_name,
        target_commitish,
        name as release_name,
        coalesce(draft, false) as is_draft,
        coalesce(prerelease, false) as is_prerelease,
        author_id,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('published_at') }} as published_at
    from source
)

select * from renamed
