-- One row per pull request of a catalogued GitHub repository, with the times of its
-- breakdown: first commit (coding starts), opened, first review by someone other than the
-- author (pickup ends), merged.
with pull_requests as (
    select * from {{ ref('stg_github__pull_requests') }}
),

pr_commits as (
    select * from {{ ref('stg_github__pull_request_commits') }}
),

reviews as (
    select * from {{ ref('stg_github__pull_request_reviews') }}
),

repos as (
    select * from {{ ref('int_repositories_mapped') }}
    where repo_type = 'github_repo'
),

first_commits as (
    select
        github_repo,
        pull_request_number,
        min(authored_at) as first_commit_at,
        count(*) as n_commits
    from pr_commits
    group by github_repo, pull_request_number
),

first_reviews as (
    select
        reviews.github_repo,
        reviews.pull_request_number,
        min(reviews.submitted_at) as first_review_at
    from reviews
    inner join pull_requests
        on pull_requests.github_repo = reviews.github_repo
        and pull_requests.pull_request_number = reviews.pull_request_number
    where reviews.reviewer_id is distinct from pull_requests.author_id
    group by reviews.github_repo, reviews.pull_request_number
)

select
    pull_requests.pull_request_id,
    repos.project_id,
    pull_requests.github_repo,
    pull_requests.pull_request_number,
    pull_requests.title,
    pull_requests.author_id,
    pull_requests.labels,
    {{ label_in('pull_requests.labels', var('hotfix_labels')) }} as is_hotfix_labelled,
    pull_requests.is_merged,
    pull_requests.merge_commit_sha,
    first_commits.n_commits,
    first_commits.first_commit_at,
    pull_requests.opened_at,
    first_reviews.first_review_at,
    pull_requests.merged_at
from pull_requests
left join first_commits
    on first_commits.github_repo = pull_requests.github_repo
    and first_commits.pull_request_number = pull_requests.pull_request_number
left join first_reviews
    on first_reviews.github_repo = pull_requests.github_repo
    and first_reviews.pull_request_number = pull_requests.pull_request_number
left join repos
    on repos.repo = pull_requests.github_repo
