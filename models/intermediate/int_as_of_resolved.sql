-- One row: the moment every metric is computed as of. The var as_of when set, else the latest
-- event in the data (journey events and incident updates): never the wall clock, so the same
-- data always gives the same marts.
with latest as (
    select max(occurred_at) as latest_at from {{ ref('int_journey_events_unioned') }}
    union all
    select max(created_at) from {{ ref('int_incidents_unioned') }}
    union all
    select max(resolved_at) from {{ ref('int_incidents_unioned') }}
)

select
    coalesce({{ as_of_literal() }}, max(latest_at)) as as_of,
    {{ as_of_literal() }} is not null as is_set_by_var
from latest
