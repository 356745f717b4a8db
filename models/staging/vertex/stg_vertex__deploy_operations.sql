with source as (
    select * from {{ optional_source('vertex', 'deploy_operations') }}
)

select
    operation_name,
    endpoint_id,
    endpoint,
    coalesce(done, false) as is_done,
    cast(error_code as integer) as error_code,
    error_message,
    {{ to_utc('created_at') }} as created_at,
    {{ to_utc('updated_at') }} as updated_at,
    deployed_model_id,
    model_resource,
    model_name,
    model_version
from source
