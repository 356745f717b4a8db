-- Where the lead time goes: median coding, pickup, review and deploy hours of each project's
-- merged pull requests (those shipped by the project's initial deployment left out, as in lead
-- time). The HTML report (make report) draws the same numbers.
select
    project_id,
    count(*) as pull_requests,
    percentile_cont(0.5) within group (order by coding_hours) as coding_median_hours,
    percentile_cont(0.5) within group (order by pickup_hours) as pickup_median_hours,
    percentile_cont(0.5) within group (order by review_hours) as review_median_hours,
    percentile_cont(0.5) within group (order by deploy_hours) as deploy_median_hours
from {{ ref('fct_pull_requests') }}
where not is_in_initial_deployment
group by project_id
order by project_id
