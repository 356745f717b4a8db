with source as (
    select * from {{ optional_source('github', 'deployment_statuses') }}
),

renamed as (
    select
        cast(id as {{ dbt.type_string() }}) as deployment_status_id,
        repo as github_repo,
        cast(deployment_id as {{ dbt.type_string() }}) as github_deployment_id,
        lower(state) as status_state,
        environment,
        description,
        {{ to_utc('created_at') }} as created_at
    from source
)

select * from renamed
