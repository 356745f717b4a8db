with source as (
    select * from {{ optional_source('databricks', 'endpoint_configs') }}
)

select
    endpoint_name || ':' || cast(config_version as {{ dbt.type_string() }}) || ':' || config_role as endpoint_config_key,
    endpoint_name,
    cast(config_version as integer) as config_version,
    config_role,
    endpoint_id,
    config_update_state,
    ready_state,
    {{ to_utc('config_started_at') }} as config_started_at,
    served_entity_name,
    entity_name as model_name,
    entity_version as model_version,
    {{ to_utc('entity_created_at') }} as entity_created_at,
    served_entities,
    {{ to_utc('endpoint_created_at') }} as endpoint_created_at,
    {{ to_utc('endpoint_last_updated_at') }} as endpoint_last_updated_at,
    lower(git_commit) as git_commit
from source
