-- One row per production deployment of a project, ordered within the project, with its kind:
--   initial   the project's first production deployment;
--   rollback  it returns to a model version, or a sha, deployed earlier and older than the one
--             it replaces (lower version number; sha lower on the first-parent line);
--   code      the deployed sha differs from the previous deployment's;
--   retrain   same sha, another model version (a model change without a code change);
--   redeploy  same sha and same model version again (nothing new; kept, never a change).
-- Also: where the sha sits on its repository's first-parent line, and the highest position
-- deployed before (the high-water mark that bounds the commits it brings for the first time).
with deployments as (
    select * from {{ ref('int_deployments_deduplicated') }}
    where project_id is not null
),

project_git_repos as (
    select repo as git_repo, project_id
    from {{ ref('int_repositories_mapped') }}
    where repo_type = 'git_repo'
),

mainline as (
    select * from {{ ref('stg_git__mainline_commits') }}
),

candidates as (
    select
        deployments.*,
        mainline.git_repo,
        mainline.mainline_position,
        mainline.is_on_mainline,
        -- a sha found in none of the project's repositories keeps one row with no position
        row_number() over (
            partition by deployments.deployment_id
            order by case when mainline.sha is null then 1 else 0 end, mainline.git_repo
        ) as candidate_rank
    from deployments
    left join project_git_repos
        on project_git_repos.project_id = deployments.project_id
    left join mainline
        on mainline.git_repo = project_git_repos.git_repo
        and mainline.sha = deployments.sha
),

positioned as (
    select * from candidates where candidate_rank = 1
),

ordered as (
    select
        *,
        row_number() over (partition by project_id order by deployed_at, deployment_id) as deployment_seq,
        lag(deployment_id) over (partition by project_id order by deployed_at, deployment_id) as previous_deployment_id,
        lag(sha) over (partition by project_id order by deployed_at, deployment_id) as previous_sha,
        lag(model_name) over (partition by project_id order by deployed_at, deployment_id) as previous_model_name,
        lag(model_version) over (partition by project_id order by deployed_at, deployment_id) as previous_model_version,
        lag(mainline_position) over (partition by project_id order by deployed_at, deployment_id) as previous_mainline_position,
        max(mainline_position) over (
            partition by project_id, git_repo order by deployed_at, deployment_id
            rows between unbounded preceding and 1 preceding
        ) as prior_max_mainline_position,
        count(*) over (
            partition by project_id, sha order by deployed_at, deployment_id
            rows between unbounded preceding and 1 preceding
        ) as n_earlier_with_sha,
        count(model_version) over (
            partition by project_id, model_name, model_version order by deployed_at, deployment_id
            rows between unbounded preceding and 1 preceding
        ) as n_earlier_with_version
    from positioned
),

classified as (
    select
        *,
        case
            when deployment_seq = 1 then 'initial'
            when model_version is not null
                and previous_model_version is not null
                and model_name = previous_model_name
                and n_earlier_with_version > 0
                and {{ dbt.safe_cast('model_version', 'integer') }} < {{ dbt.safe_cast('previous_model_version', 'integer') }}
                then 'rollback'
            when sha <> previous_sha
                and n_earlier_with_sha > 0
                and mainline_position < previous_mainline_position
                then 'rollback'
            when sha <> previous_sha then 'code'
            when coalesce(model_version, '') <> coalesce(previous_model_version, '') then 'retrain'
            else 'redeploy'
        end as deployment_kind
    from ordered
)

select * from classified
