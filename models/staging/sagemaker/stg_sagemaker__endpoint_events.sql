with source as (
    select * from {{ optional_source('sagemaker', 'endpoint_events') }}
)

select
    event_id,
    record_source,
    event_name,
    {{ to_utc('occurred_at') }} as occurred_at,
    endpoint_name,
    endpoint_arn,
    endpoint_config_name,
    endpoint_status,
    error_code,
    failure_reason,
    lower(git_commit) as git_commit,
    model_name,
    model_version,
    account_id,
    region
from source
