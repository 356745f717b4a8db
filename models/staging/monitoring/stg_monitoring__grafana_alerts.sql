with source as (
    select * from {{ optional_source('monitoring', 'grafana_alerts') }}
)

select
    alert_id,
    fingerprint,
    lower(status) as status,
    alert_name,
    {{ to_utc('starts_at') }} as starts_at,
    {{ to_utc('ends_at') }} as ends_at,
    labels,
    label_pairs,
    summary,
    description,
    generator_url,
    receiver,
    group_key,
    org_id
from source
