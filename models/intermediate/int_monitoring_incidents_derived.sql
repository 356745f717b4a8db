-- One row per incident raised by monitoring: a firing episode of a Grafana (or Alertmanager)
-- alert, or an ALARM episode of a CloudWatch alarm, with its project, created and resolved.
--   grafana     one alert instance (fingerprint) firing from startsAt: created at startsAt,
--               resolved at the endsAt of its 'resolved' notification (null while firing).
--               Repeated notifications of one episode are one incident. Project: the catalog's
--               grafana_label ("name=value", e.g. project=fraud-detection) that the alert's
--               labels carry, when exactly one project's labels match (else unassigned).
--   cloudwatch  an alarm's transition into ALARM (from OK, INSUFFICIENT_DATA or first seen):
--               created at that state change, resolved at the first transition to OK after
--               it (before the next ALARM). Project: the longest cloudwatch_alarm_prefix that
--               starts the alarm name.
with grafana_alerts as (
    select * from {{ ref('stg_monitoring__grafana_alerts') }}
),

grafana_episodes as (
    select
        fingerprint,
        starts_at,
        max(alert_name) as alert_name,
        max(summary) as summary,
        max(description) as description,
        max(label_pairs) as label_pairs,
        max(case when status = 'resolved' then ends_at end) as resolved_at
    from grafana_alerts
    where starts_at is not null
    group by fingerprint, starts_at
),

grafana_labels as (
    select lower(object_key) as object_key, project_id
    from {{ ref('project_mappings') }}
    where object_type = 'grafana_label'
),

grafana_matches as (
    select
        episodes.fingerprint,
        episodes.starts_at,
        min(grafana_labels.project_id) as project_id,
        count(distinct grafana_labels.project_id) as n_projects
    from grafana_episodes as episodes
    inner join grafana_labels
        on {{ dbt.position("chr(10) || grafana_labels.object_key || chr(10)", 'lower(episodes.label_pairs)') }} > 0
    group by episodes.fingerprint, episodes.starts_at
),

grafana as (
    select
        'grafana' as source_system,
        episodes.fingerprint || '@' || cast(episodes.starts_at as {{ dbt.type_string() }}) as source_record_id,
        coalesce(episodes.alert_name, episodes.fingerprint) as incident_key,
        case when grafana_matches.n_projects = 1 then grafana_matches.project_id end as project_id,
        coalesce(episodes.alert_name, 'alert') || coalesce(': ' || episodes.summary, '') as title,
        coalesce(episodes.alert_name, '') || ' ' || coalesce(episodes.summary, '') || ' '
            || coalesce(episodes.description, '') as search_text,
        episodes.starts_at as created_at,
        episodes.resolved_at
    from grafana_episodes as episodes
    left join grafana_matches
        on grafana_matches.fingerprint = episodes.fingerprint
        and grafana_matches.starts_at = episodes.starts_at
),

alarm_events as (
    select
        *,
        lag(state_value) over (partition by alarm_name order by state_at, event_id) as prior_value
    from {{ ref('stg_monitoring__cloudwatch_alarm_events') }}
    where state_at is not null
),

alarm_starts as (
    select
        *,
        lead(state_at) over (partition by alarm_name order by state_at, event_id) as next_alarm_at
    from alarm_events
    where state_value = 'ALARM'
      and (prior_value is null or prior_value <> 'ALARM')
),

alarm_resolutions as (
    select
        starts.event_id,
        min(oks.state_at) as resolved_at
    from alarm_starts as starts
    inner join alarm_events as oks
        on oks.alarm_name = starts.alarm_name
        and oks.state_value = 'OK'
        and oks.state_at > starts.state_at
        and (starts.next_alarm_at is null or oks.state_at < starts.next_alarm_at)
    group by starts.event_id
),

alarm_prefixes as (
    select
        starts.event_id,
        mappings.project_id,
        row_number() over (
            partition by starts.event_id
            order by length(mappings.object_key) desc, mappings.project_id
        ) as prefix_rank
    from alarm_starts as starts
    inner join {{ ref('project_mappings') }} as mappings
        on mappings.object_type = 'cloudwatch_alarm_prefix'
        and {{ dbt.position('lower(mappings.object_key)', 'lower(starts.alarm_name)') }} = 1
),

cloudwatch as (
    select
        'cloudwatch' as source_system,
        starts.alarm_name || '@' || cast(starts.state_at as {{ dbt.type_string() }}) as source_record_id,
        starts.alarm_name as incident_key,
        alarm_prefixes.project_id,
        starts.alarm_name || coalesce(': ' || starts.description, '') as title,
        starts.alarm_name || ' ' || coalesce(starts.description, '') as search_text,
        starts.state_at as created_at,
        alarm_resolutions.resolved_at
    from alarm_starts as starts
    left join alarm_resolutions
        on alarm_resolutions.event_id = starts.event_id
    left join alarm_prefixes
        on alarm_prefixes.event_id = starts.event_id
        and alarm_prefixes.prefix_rank = 1
),

incidents as (
    select * from grafana
    union all
    select * from cloudwatch
)

select
    source_system || ':' || source_record_id as incident_id,
    *
from incidents
