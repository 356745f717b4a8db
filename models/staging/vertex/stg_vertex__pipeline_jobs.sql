with source as (
    select * from {{ optional_source('vertex', 'pipeline_jobs') }}
)

select
    name as pipeline_job_name,
    job_id,
    display_name,
    coalesce(pipeline_name, display_name) as pipeline_name,
    state as source_state,
    case state
        when 'PIPELINE_STATE_QUEUED' then 'queued'
        when 'PIPELINE_STATE_PENDING' then 'queued'
        when 'PIPELINE_STATE_RUNNING' then 'running'
        when 'PIPELINE_STATE_CANCELLING' then 'running'
        when 'PIPELINE_STATE_SUCCEEDED' then 'succeeded'
        when 'PIPELINE_STATE_FAILED' then 'failed'
        when 'PIPELINE_STATE_CANCELLED' then 'cancelled'
        else 'other'
    end as run_state,
    {{ to_utc('created_at') }} as created_at,
    {{ to_utc('started_at') }} as started_at,
    {{ to_utc('ended_at') }} as ended_at,
    error_message,
    labels,
    parameters,
    template_uri,
    lower(git_commit) as git_commit,
    model_name,
    model_version
from source
