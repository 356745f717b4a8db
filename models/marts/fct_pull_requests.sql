-- One row per merged pull request of a catalogued project, with its lead-time breakdown in
-- hours: coding (first commit -> opened), pickup (opened -> first review by someone other than
-- the author), review (first review -> merged), deploy (merged -> first production deployment
-- that shipped one of its changes). A part whose end is missing is null, never zero.
with pull_requests as (
    select * from {{ ref('int_pull_requests_summarised') }}
    where is_merged and project_id is not null
),

changes as (
    select * from {{ ref('fct_changes') }}
),

first_deployments as (
    select
        pull_request_id,
        min(deployed_at) as first_deployed_at,
        min(deployment_id) as first_deployment_id,
        max(case when is_initial_deployment then 1 else 0 end) = 1 as is_in_initial_deployment
    from changes
    where pull_request_id is not null
    group by pull_request_id
)

select
    pull_requests.pull_request_id,
    pull_requests.project_id,
    pull_requests.github_repo,
    pull_requests.pull_request_number,
    pull_requests.author_id,
    pull_requests.is_hotfix_labelled,
    pull_requests.n_commits,
    pull_requests.first_commit_at,
    pull_requests.opened_at,
    pull_requests.first_review_at,
    pull_requests.merged_at,
    first_deployments.first_deployed_at,
    first_deployments.first_deployment_id,
    coalesce(first_deployments.is_in_initial_deployment, false) as is_in_initial_deployment,
    {{ hours_between('pull_requests.first_commit_at', 'pull_requests.opened_at') }} as coding_hours,
    {{ hours_between('pull_requests.opened_at', 'pull_requests.first_review_at') }} as pickup_hours,
    {{ hours_between('pull_requests.first_review_at', 'pull_requests.merged_at') }} as review_hours,
    {{ hours_between('pull_requests.merged_at', 'first_deployments.first_deployed_at') }} as deploy_hours
from pull_requests
left join first_deployments
    on first_deployments.pull_request_id = pull_requests.pull_request_id
