with source as (
    select * from {{ optional_source('sagemaker', 'endpoint_configs') }}
)

select
    endpoint_config_name,
    variant_name,
    sagemaker_model_name,
    model_name,
    model_version,
    cast(n_variants as integer) as n_variants,
    {{ to_utc('created_at') }} as created_at
from source
