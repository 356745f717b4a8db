-- One row per Basecamp card or to-do that is a kickoff record (T1) of a catalogued project, with
-- its baseline approval (T3) when it reached one.
-- Project: the catalog's basecamp_project mapping of its project (bucket id). Kickoff: a card of
-- a card table, or a to-do of a to-do list, whose title is in var basecamp_kickoff_lists.
-- Approval, the earliest of: its first `completed` event (when var
-- basecamp_completion_is_approval: a to-do ticked, a card moved into a Done column); and, for a
-- card now in a column named in approval_statuses, its move into that column: Basecamp records
-- each column move as an `adopted` event without naming the column, so that is its latest
-- `adopted` event. A card that passed through an approval column and moved on to another
-- column than Done shows no approval; one created in an approval column never moved into it
-- (no approval event, as a Jira issue created in an approval status has no changelog move).
with recordings as (
    select * from {{ ref('stg_basecamp__recordings') }}
),

events as (
    select * from {{ ref('stg_basecamp__events') }}
),

projects as (
    {{ catalog_objects('basecamp_project') }}
),

kickoffs as (
    select
        recordings.*,
        projects.project_id
    from recordings
    inner join projects
        on projects.object_key = recordings.basecamp_project_id
    where {{ lower_in('recordings.container_title', var('basecamp_kickoff_lists', [])) }}
),

completions as (
    select basecamp_recording_id, min(created_at) as completed_at
    from events
    where action = 'completed'
    group by basecamp_recording_id
),

last_moves as (
    select basecamp_recording_id, max(created_at) as moved_at
    from events
    where action = 'adopted'
    group by basecamp_recording_id
),

approvals as (
    select
        kickoffs.basecamp_recording_id,
        {%- if var('basecamp_completion_is_approval', true) %}
        completions.completed_at,
        {%- else %}
        cast(null as {{ dbt.type_timestamp() }}) as completed_at,
        {%- endif %}
        case
            when kickoffs.recording_type = 'Kanban::Card' and {{ lower_in('kickoffs.parent_title', var('approval_statuses')) }}
                then last_moves.moved_at
        end as moved_to_approval_at
    from kickoffs
    left join completions
        on completions.basecamp_recording_id = kickoffs.basecamp_recording_id
    left join last_moves
        on last_moves.basecamp_recording_id = kickoffs.basecamp_recording_id
)

select
    'basecamp:' || kickoffs.basecamp_recording_id as kickoff_id,
    'basecamp' as source_system,
    kickoffs.basecamp_recording_id as source_record_id,
    kickoffs.project_id,
    kickoffs.basecamp_project_id,
    kickoffs.recording_type,
    kickoffs.title,
    kickoffs.created_at,
    least(approvals.completed_at, approvals.moved_to_approval_at) as approved_at,
    case
        when approvals.completed_at is null and approvals.moved_to_approval_at is null then null
        when approvals.moved_to_approval_at is null or approvals.completed_at < approvals.moved_to_approval_at
            then 'completed'
        else 'moved_to_approval_column'
    end as approval_method
from kickoffs
inner join approvals
    on approvals.basecamp_recording_id = kickoffs.basecamp_recording_id
