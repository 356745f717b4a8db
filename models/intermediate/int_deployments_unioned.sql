-- One row per successful production rollout record from any source, before de-duplication.
-- source_precedence orders the sources when one rollout is seen twice: a CI/CD record with
-- its exact time (1) beats a cloud serving record with its exact time (2), which beats a cloud
-- record dated when the rollout was requested (3), which beats an alias move seen at snapshot
-- time (4, always last). A deployment exported to a file (stg_files__deployments) ranks with
-- the cloud records: 2 with an exact time, 4 when its file says timestamp_precision snapshot.
with github as (
    select
        attempt_id as deployment_id,
        source_system,
        source_record_id,
        project_id,
        github_repo,
        sha,
        ref,
        description,
        model_name,
        model_version,
        first_success_at as deployed_at,
        'exact' as timestamp_precision,
        1 as source_precedence
    from {{ ref('int_deployment_attempts_summarised') }}
    where outcome = 'success'
),

alias_promotions as (
    select
        promotion_id as deployment_id,
        'mlflow_alias' as source_system,
        promotion_id as source_record_id,
        project_id,
        cast(null as {{ dbt.type_string() }}) as github_repo,
        sha,
        cast(null as {{ dbt.type_string() }}) as ref,
        'alias ' || alias || ' moved from version ' || cast(previous_model_version as {{ dbt.type_string() }}) as description,
        model_name,
        model_version,
        promoted_at as deployed_at,
        'snapshot' as timestamp_precision,
        4 as source_precedence
    from {{ ref('int_alias_promotions_derived') }}
),

-- cloud serving endpoints (SageMaker, Vertex AI, Databricks): successful rollout attempts
cloud as (
    select
        attempt_id as deployment_id,
        source_system,
        source_record_id,
        project_id,
        cast(null as {{ dbt.type_string() }}) as github_repo,
        sha,
        cast(null as {{ dbt.type_string() }}) as ref,
        description,
        model_name,
        model_version,
        first_success_at as deployed_at,
        timestamp_precision,
        source_precedence
    from {{ ref('int_cloud_deployment_attempts_summarised') }}
    where outcome = 'success'
),

-- deployments exported to files by any CI/CD system or registry (ingest/files.py); a project
-- the catalog does not know is left null (unassigned_records), never invented
files as (
    select
        file_deployments.file_deployment_id as deployment_id,
        file_deployments.source_system,
        file_deployments.source_record_id,
        projects.project_id,
        cast(null as {{ dbt.type_string() }}) as github_repo,
        file_deployments.sha,
        file_deployments.ref,
        file_deployments.description,
        file_deployments.model_name,
        file_deployments.model_version,
        file_deployments.deployed_at,
        file_deployments.timestamp_precision,
        case when file_deployments.timestamp_precision = 'exact' then 2 else 4 end as source_precedence
    from {{ ref('stg_files__deployments') }} as file_deployments
    left join {{ ref('projects') }} as projects
        on projects.project_id = file_deployments.project_id
    where file_deployments.is_production
      and file_deployments.is_success
)

select * from github
union all
select * from alias_promotions
union all
select * from cloud
union all
select * from files
