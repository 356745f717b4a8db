with source as (
    select * from {{ optional_source('sagemaker', 'pipeline_executions') }}
)

select
    pipeline_execution_arn,
    pipeline_name,
    execution_id,
    display_name,
    description,
    status as source_state,
    case status
        when 'Executing' then 'running'
        when 'Stopping' then 'running'
        when 'Succeeded' then 'succeeded'
        when 'Failed' then 'failed'
        when 'Stopped' then 'cancelled'
        else 'other'
    end as run_state,
    {{ to_utc('started_at') }} as started_at,
    -- SageMaker prints no end time: a finished execution last changed when it ended
    case when status in ('Succeeded', 'Failed', 'Stopped')
        then {{ to_utc('last_modified_at') }}
    end as ended_at,
    failure_reason,
    parameters,
    lower(git_commit) as git_commit,
    model_name,
    model_version
from source
