with source as (
    select * from {{ optional_source('kubeflow', 'runs') }}
),

pipelines as (
    select * from {{ ref('stg_kubeflow__pipelines') }}
),

renamed as (
    select
        source.run_id,
        source.display_name as run_name,
        source.experiment_id,
        source.pipeline_id,
        source.pipeline_version_id,
        -- a run of an uploaded pipeline names it by id; one submitted from the SDK carries its spec
        coalesce(pipelines.pipeline_name, source.pipeline_spec_name) as pipeline_name,
        source.pipeline_spec_name,
        source.recurring_run_id,
        source.storage_state,
        source.state as source_state,
        case upper(source.state)
            when 'PENDING' then 'queued'
            when 'RUNNING' then 'running'
            when 'CANCELING' then 'running'
            when 'SUCCEEDED' then 'succeeded'
            when 'FAILED' then 'failed'
            when 'CANCELED' then 'cancelled'
            else 'other'
        end as run_state,
        {{ to_utc('source.created_at') }} as created_at,
        {{ to_utc('coalesce(source.started_at, source.created_at)') }} as started_at,
        {{ to_utc('source.finished_at') }} as ended_at,
        source.error_message,
        source.parameters,
        lower(source.git_commit) as git_commit,
        source.model_name,
        source.model_version
    from source
    left join pipelines
        on pipelines.pipeline_id = source.pipeline_id
)

select * from renamed
