-- One row per (deployment, change): the commits a deployment brings to production for the
-- first time. A commit is brought by deployment D when the first-parent commit that brought it
-- into the default branch lies above the highest position any earlier deployment of the
-- project reached and at or below D's position. For deployments from the default branch this
-- is exactly "reachable from D and from no earlier deployment" (ancestry), so multi-commit
-- deployments, merge commits of long branches and re-deploys after a rollback are right.
-- Merge commits are plumbing, not changes: the commits they bring are the changes.
-- Each change is tied to the pull request that brought it: the pull request whose merge (or
-- squash/rebase) commit it is, else one that lists it among its commits; for a squash or
-- rebase merge the change starts at the pull request's first commit.
with deployments as (
    select * from {{ ref('int_deployments_classified') }}
    where mainline_position is not null
),

mainline as (
    select * from {{ ref('stg_git__mainline_commits') }}
),

commits as (
    select * from {{ ref('stg_git__commits') }}
),

pull_requests as (
    select * from {{ ref('int_pull_requests_summarised') }}
    where is_merged
),

pr_commits as (
    select * from {{ ref('stg_github__pull_request_commits') }}
),

brought as (
    select
        deployments.deployment_id,
        deployments.project_id,
        deployments.deployed_at,
        deployments.deployment_kind,
        mainline.git_repo,
        mainline.sha,
        mainline.mainline_sha,
        mainline.mainline_position,
        commits.authored_at,
        commits.committed_at,
        commits.author_id
    from deployments
    inner join mainline
        on mainline.git_repo = deployments.git_repo
        and mainline.mainline_position > coalesce(deployments.prior_max_mainline_position, 0)
        and mainline.mainline_position <= deployments.mainline_position
    inner join commits
        on commits.git_repo = mainline.git_repo
        and commits.sha = mainline.sha
    where not commits.is_merge_commit
),

pr_links as (
    select
        pull_requests.project_id,
        pull_requests.merge_commit_sha as sha,
        pull_requests.pull_request_id,
        pull_requests.first_commit_at,
        pull_requests.merged_at,
        true as is_pr_merge_commit
    from pull_requests
    where pull_requests.merge_commit_sha is not null
    union all
    select
        pull_requests.project_id,
        pr_commits.sha,
        pull_requests.pull_request_id,
        pull_requests.first_commit_at,
        pull_requests.merged_at,
        false as is_pr_merge_commit
    from pull_requests
    inner join pr_commits
        on pr_commits.github_repo = pull_requests.github_repo
        and pr_commits.pull_request_number = pull_requests.pull_request_number
),

pr_candidates as (
    select
        brought.deployment_id,
        brought.sha,
        pr_links.pull_request_id,
        pr_links.first_commit_at,
        pr_links.is_pr_merge_commit,
        row_number() over (
            partition by brought.deployment_id, brought.sha
            order by
                case when pr_links.is_pr_merge_commit then 0 else 1 end,
                pr_links.merged_at,
                pr_links.pull_request_id
        ) as candidate_rank
    from brought
    inner join pr_links
        on pr_links.project_id = brought.project_id
        and pr_links.sha = brought.sha
),

attributed as (
    select
        brought.deployment_id || ':' || brought.sha as change_id,
        brought.*,
        pr_candidates.pull_request_id,
        coalesce(pr_candidates.is_pr_merge_commit, false) as is_pr_merge_commit,
        case
            when pr_candidates.is_pr_merge_commit and pr_candidates.first_commit_at < brought.authored_at
                then pr_candidates.first_commit_at
            else brought.authored_at
        end as change_started_at,
        brought.deployment_kind = 'initial' as is_initial_deployment
    from brought
    left join pr_candidates
        on pr_candidates.deployment_id = brought.deployment_id
        and pr_candidates.sha = brought.sha
        and pr_candidates.candidate_rank = 1
),

timed as (
    select
        *,
        {{ hours_between('change_started_at', 'deployed_at') }} as lead_time_hours
    from attributed
)

select
    *,
    case
        when is_initial_deployment then 'initial_deployment'
        when lead_time_hours < 0 then 'negative_lead_time'
        else 'counted'
    end as lead_time_status,
    not is_initial_deployment and lead_time_hours >= 0 as is_counted_in_lead_time
from timed
