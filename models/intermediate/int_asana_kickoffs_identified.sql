-- One row per Asana task that is a kickoff record (T1) of a catalogued project, with its
-- baseline approval (T3) when it reached one.
-- Project: the catalog's asana_project mapping of the project the task was loaded from.
-- Kickoff: a tag in var kickoff_labels; or it sits, or once sat, in a section of var
-- asana_kickoff_sections (now, or as the old/new section of a section move); or its custom
-- field var asana_kickoff_field holds a kickoff_labels value.
-- Approval: the first story that moved it into a section of var approval_statuses, or set its
-- custom field var asana_approval_field to one of them. Names compare ignoring case.
with tasks as (
    select * from {{ ref('stg_asana__tasks') }}
),

fields as (
    select * from {{ ref('stg_asana__task_custom_fields') }}
),

stories as (
    select * from {{ ref('stg_asana__stories') }}
),

projects as (
    {{ catalog_objects('asana_project') }}
),

sections_held as (
    select asana_task_id, section_name from tasks
    union
    select asana_task_id, old_section from stories where story_type = 'section_changed'
    union
    select asana_task_id, new_section from stories where story_type = 'section_changed'
),

kickoff_by_section as (
    select distinct asana_task_id
    from sections_held
    where {{ lower_in('section_name', var('asana_kickoff_sections', [])) }}
),

kickoff_by_field as (
    select distinct asana_task_id
    from fields
    where {{ name_is('custom_field_name', var('asana_kickoff_field', none)) }}
      and {{ label_in('coalesce(enum_value, display_value)', as_list(var('kickoff_labels'))) }}
),

kickoffs as (
    select
        tasks.*,
        projects.project_id
    from tasks
    inner join projects
        on projects.object_key = tasks.asana_project_id
    where {{ label_in('tasks.tags', as_list(var('kickoff_labels'))) }}
       or tasks.asana_task_id in (select asana_task_id from kickoff_by_section)
       or tasks.asana_task_id in (select asana_task_id from kickoff_by_field)
),

approvals as (
    select
        asana_task_id,
        min(created_at) as approved_at
    from stories
    where (story_type = 'section_changed' and {{ lower_in('new_section', var('approval_statuses')) }})
       or (
            story_type in ('enum_custom_field_changed', 'multi_enum_custom_field_changed', 'text_custom_field_changed')
            and {{ name_is('custom_field_name', var('asana_approval_field', none)) }}
            and {{ label_in('new_value', as_list(var('approval_statuses'))) }}
       )
    group by asana_task_id
)

select
    'asana:' || kickoffs.asana_task_id as kickoff_id,
    'asana' as source_system,
    kickoffs.asana_task_id as source_record_id,
    kickoffs.project_id,
    kickoffs.asana_project_id,
    kickoffs.task_name as title,
    kickoffs.created_at,
    approvals.approved_at
from kickoffs
left join approvals
    on approvals.asana_task_id = kickoffs.asana_task_id
