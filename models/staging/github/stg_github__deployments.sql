with source as (
    select * from {{ optional_source('github', 'deployments') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as github_deployment_id,
        repo as github_repo,
        sha,
        ref,
        task,
        environment,
        {{ regex_matches('environment', "'" ~ var('production_environment_regex') ~ "'") }}
            or coalesce(production_environment, false) as is_production,
        description,
        creator_id,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        payload,
        nullif(trim(model_name), '') as model_name,
        nullif(trim(cast(model_version as {{ dbt.type_string() }})), '') as model_version
    from source
)

select * from renamed
