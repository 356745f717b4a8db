with source as (
    select * from {{ optional_source('monitoring', 'cloudwatch_alarm_events') }}
)

select
    event_id,
    alarm_name,
    alarm_arn,
    upper(state_value) as state_value,
    {{ to_utc('state_at') }} as state_at,
    upper(previous_state_value) as previous_state_value,
    reason,
    description,
    {{ to_utc('event_time') }} as event_time,
    account_id,
    region
from source
