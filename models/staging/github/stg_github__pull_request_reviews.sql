with source as (
    select * from {{ optional_source('github', 'pull_request_reviews') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as review_id,
        repo as github_repo,
        cast(pr_number as integer) as pull_request_number,
        reviewer_id,
        upper(state) as review_state,
        {{ to_utc('submitted_at') }} as submitted_at,
        commit_id as reviewed_sha
    from source
    -- a pending review has not been submitted yet: it is not a review anyone has seen
    where upper(state) <> 'PENDING'
)

select * from renamed
