with source as (
    select * from {{ optional_source('kubeflow', 'pipelines') }}
)

select
    pipeline_id,
    display_name as pipeline_name,
    description,
    namespace,
    {{ to_utc('created_at') }} as created_at
from source
