-- One row per (deployment, change): a commit that the deployment brought to production for the
-- first time, with its lead time for changes (deployed_at - change_started_at, in hours).
-- Changes of a project's initial deployment carry the whole history of the project: they are
-- flagged (lead_time_status 'initial_deployment') and left out of lead time. A negative lead
-- time (a commit dated after its deployment: clock skew, rewritten dates) is flagged
-- ('negative_lead_time') and left out too.
select
    change_id,
    deployment_id,
    project_id,
    git_repo,
    sha,
    mainline_sha,
    author_id,
    authored_at,
    committed_at,
    pull_request_id,
    is_pr_merge_commit,
    change_started_at,
    deployed_at,
    lead_time_hours,
    is_initial_deployment,
    lead_time_status,
    is_counted_in_lead_time
from {{ ref('int_deployment_changes_attributed') }}
