-- One row per Notion page that is a kickoff record (T1) of a catalogued project, with its
-- baseline approval (T3) when it has one.
-- Project: the catalog's notion_database mapping of the page's database (ids compared without
-- dashes). Kickoff: every page of the database, or, when var notion_kickoff_property is set, the
-- pages whose property of that name holds a kickoff_labels value (or is a ticked checkbox).
-- Approval: the date in the property var notion_approval_date_property when the page has one;
-- else, while the status property (var notion_status_property) holds one of approval_statuses,
-- the page's last_edited_time. Notion keeps no property history, so that second time is an
-- upper bound: any later edit of the page moves it (approval_method says which was used).
with pages as (
    select * from {{ ref('stg_notion__pages') }}
    where not is_archived
),

properties as (
    select * from {{ ref('stg_notion__page_properties') }}
),

databases as (
    {{ catalog_objects('notion_database', "replace(lower(cast(object_key as " ~ dbt.type_string() ~ ")), '-', '')") }}
),

statuses as (
    select notion_page_id, min(value_text) as status
    from properties
    where {{ name_is('property_name', var('notion_status_property', none)) }}
    group by notion_page_id
),

approval_dates as (
    select notion_page_id, min(value_start) as approved_on
    from properties
    where {{ name_is('property_name', var('notion_approval_date_property', none)) }}
      and value_start is not null
    group by notion_page_id
),

kickoffs as (
    select
        pages.*,
        databases.project_id
    from pages
    inner join databases
        on databases.object_key = pages.notion_database_key
    {%- if var('notion_kickoff_property', none) %}
    where pages.notion_page_id in (
        select notion_page_id
        from properties
        where {{ name_is('property_name', var('notion_kickoff_property')) }}
          and ({{ label_in('value_text', as_list(var('kickoff_labels'))) }} or value_text = 'true')
    )
    {%- endif %}
)

select
    'notion:' || kickoffs.notion_page_id as kickoff_id,
    'notion' as source_system,
    kickoffs.notion_page_id as source_record_id,
    kickoffs.project_id,
    kickoffs.notion_database_id,
    kickoffs.title,
    kickoffs.created_at,
    statuses.status,
    coalesce(
        approval_dates.approved_on,
        case when {{ lower_in('statuses.status', var('approval_statuses')) }} then kickoffs.last_edited_at end
    ) as approved_at,
    case
        when approval_dates.approved_on is not null then 'approval_date_property'
        when {{ lower_in('statuses.status', var('approval_statuses')) }} then 'last_edited_time_upper_bound'
    end as approval_method
from kickoffs
left join statuses
    on statuses.notion_page_id = kickoffs.notion_page_id
left join approval_dates
    on approval_dates.notion_page_id = kickoffs.notion_page_id
