-- One row per successful production rollout record from any source, before de-duplication.
-- source_precedence orders the sources when one rollout is seen twice: a CI/CD record with
-- its exact time (1) beats an alias move seen at snapshot time (2).
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
        2 as source_precedence
    from {{ ref('int_alias_promotions_derived') }}
)

select * from github
union all
select * from alias_promotions
