with source as (
    select * from {{ optional_source('files', 'deployments') }}
),

renamed as (
    select
        source_system || ':' || deployment_id as file_deployment_id,
        source_system,
        deployment_id as source_record_id,
        project_id,
        {{ to_utc('deployed_at') }} as deployed_at,
        environment,
        environment is null
            or {{ regex_matches('environment', "'" ~ var('production_environment_regex') ~ "'") }} as is_production,
        coalesce(status, 'success') = 'success' as is_success,
        nullif(trim(sha), '') as sha,
        ref,
        nullif(trim(model_name), '') as model_name,
        nullif(trim(model_version), '') as model_version,
        description,
        coalesce(timestamp_precision, 'exact') as timestamp_precision,
        source_file,
        source_line
    from source
)

select * from renamed
