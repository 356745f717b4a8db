-- One row per rollout attempt of a model to a cloud serving endpoint, with its outcome
-- (success: it is a deployment; failed: an attempt only; pending: not finished when exported).
--   sagemaker (EventBridge)  an endpoint CREATING/UPDATING state change opens an attempt; the
--       first IN_SERVICE or FAILED after it (before the next opening) ends it. IN_SERVICE is a
--       success unless it carries a FailureReason or the endpoint went through ROLLING_BACK /
--       UPDATE_ROLLBACK_FAILED on the way (the old config came back). deployed_at = the
--       IN_SERVICE event, timestamp_precision 'exact'. Repeated events of one state change
--       (SageMaker may send several) count once.
--   sagemaker (CloudTrail)   a CreateEndpoint / UpdateEndpoint call, used only when no
--       state-change event opened an attempt of that endpoint within
--       deployment_dedup_window_hours of it: refused (errorCode) is failed, else a success at
--       the call time, timestamp_precision 'requested' (the call says nothing of the outcome).
--   vertex                   a DeployModel operation: done without error is a success at its
--       last update (exact), done with an error failed, not done pending.
--   databricks               a serving endpoint config version: seen as the active config is a
--       success, seen only as a pending config whose update failed or was cancelled is failed.
--       The API keeps no completion time: deployed_at is when the update started (the pending
--       config's start_time, else the newest served entity's creation), precision 'requested'.
-- Project: the catalog's endpoint mapping (sagemaker_endpoint, vertex_endpoint = endpoint id,
-- databricks_endpoint), else the registered_model the deployed model names.
-- source_precedence (int_deployments_unioned): exact cloud records 2, 'requested' ones 3.
with registered_models as (
    select * from {{ catalog_keys('registered_model') }}
),

endpoint_mappings as (
    select 'sagemaker' as source_system, object_key, project_id from {{ catalog_keys('sagemaker_endpoint') }}
    union all
    select 'vertex', object_key, project_id from {{ catalog_keys('vertex_endpoint') }}
    union all
    select 'databricks', object_key, project_id from {{ catalog_keys('databricks_endpoint') }}
),

sm_events as (
    select * from {{ ref('stg_sagemaker__endpoint_events') }}
),

sm_configs as (
    select * from {{ ref('stg_sagemaker__endpoint_configs') }}
),

sm_ordered as (
    select
        *,
        lag(endpoint_status) over (partition by endpoint_name order by occurred_at, event_id) as previous_status
    from sm_events
    where record_source = 'eventbridge'
),

sm_transitions as (
    select * from sm_ordered
    where previous_status is null or previous_status <> endpoint_status
),

sm_starts as (
    select
        *,
        lead(occurred_at) over (partition by endpoint_name order by occurred_at, event_id) as next_start_at
    from sm_transitions
    where endpoint_status in ('CREATING', 'UPDATING')
),

sm_ends_ranked as (
    select
        starts.event_id as start_event_id,
        ends.event_id as end_event_id,
        ends.occurred_at as ended_at,
        ends.endpoint_status,
        ends.failure_reason,
        ends.endpoint_config_name,
        ends.git_commit,
        ends.model_name,
        ends.model_version,
        row_number() over (partition by starts.event_id order by ends.occurred_at, ends.event_id) as end_rank
    from sm_starts as starts
    inner join sm_transitions as ends
        on ends.endpoint_name = starts.endpoint_name
        and ends.endpoint_status in ('IN_SERVICE', 'FAILED')
        and ends.occurred_at >= starts.occurred_at
        and (starts.next_start_at is null or ends.occurred_at < starts.next_start_at)
),

sm_rollbacks as (
    select distinct starts.event_id as start_event_id
    from sm_starts as starts
    inner join sm_transitions as rollbacks
        on rollbacks.endpoint_name = starts.endpoint_name
        and rollbacks.endpoint_status in ('ROLLING_BACK', 'UPDATE_ROLLBACK_FAILED')
        and rollbacks.occurred_at >= starts.occurred_at
        and (starts.next_start_at is null or rollbacks.occurred_at < starts.next_start_at)
),

sm_state_attempts as (
    select
        starts.event_id as source_record_id,
        starts.endpoint_name as endpoint,
        coalesce(ends.endpoint_config_name, starts.endpoint_config_name) as endpoint_config_name,
        coalesce(ends.git_commit, starts.git_commit) as sha,
        coalesce(ends.model_name, starts.model_name) as tagged_model_name,
        coalesce(ends.model_version, starts.model_version) as tagged_model_version,
        starts.occurred_at as created_at,
        case
            when ends.end_event_id is null then 'pending'
            when ends.endpoint_status = 'IN_SERVICE' and ends.failure_reason is null
                and sm_rollbacks.start_event_id is null then 'success'
            else 'failed'
        end as outcome,
        ends.ended_at,
        'exact' as timestamp_precision
    from sm_starts as starts
    left join sm_ends_ranked as ends
        on ends.start_event_id = starts.event_id
        and ends.end_rank = 1
    left join sm_rollbacks
        on sm_rollbacks.start_event_id = starts.event_id
),

sm_calls as (
    select calls.*
    from sm_events as calls
    where calls.record_source = 'cloudtrail'
      and not exists (
          select 1
          from sm_starts as starts
          where starts.endpoint_name = calls.endpoint_name
            and abs({{ dbt.datediff('calls.occurred_at', 'starts.occurred_at', 'second') }})
                <= {{ var('deployment_dedup_window_hours') }} * 3600
      )
),

sm_call_attempts as (
    select
        event_id as source_record_id,
        endpoint_name as endpoint,
        endpoint_config_name,
        git_commit as sha,
        model_name as tagged_model_name,
        model_version as tagged_model_version,
        occurred_at as created_at,
        case when error_code is not null then 'failed' else 'success' end as outcome,
        occurred_at as ended_at,
        'requested' as timestamp_precision
    from sm_calls
),

sagemaker as (
    select
        'sagemaker' as source_system,
        attempts.source_record_id,
        attempts.endpoint,
        attempts.sha,
        'SageMaker endpoint ' || attempts.endpoint
            || coalesce(' config ' || attempts.endpoint_config_name, '') as description,
        -- tags on the endpoint name the model first, then the endpoint config's main variant
        coalesce(attempts.tagged_model_name, configs.model_name) as model_name,
        case when attempts.tagged_model_name is not null then attempts.tagged_model_version
            else configs.model_version end as model_version,
        attempts.created_at,
        attempts.outcome,
        attempts.ended_at,
        attempts.timestamp_precision
    from (
        select * from sm_state_attempts
        union all
        select * from sm_call_attempts
    ) as attempts
    left join sm_configs as configs
        on configs.endpoint_config_name = attempts.endpoint_config_name
),

vertex as (
    select
        'vertex' as source_system,
        operation_name as source_record_id,
        endpoint_id as endpoint,
        cast(null as {{ dbt.type_string() }}) as sha,
        'Vertex AI endpoint ' || coalesce(endpoint_id, '?') || ' DeployModel'
            || coalesce(' (error ' || cast(error_code as {{ dbt.type_string() }}) || ')', '') as description,
        model_name,
        model_version,
        created_at,
        case
            when not is_done then 'pending'
            when error_code is not null then 'failed'
            else 'success'
        end as outcome,
        updated_at as ended_at,
        'exact' as timestamp_precision
    from {{ ref('stg_vertex__deploy_operations') }}
),

db_configs as (
    select * from {{ ref('stg_databricks__endpoint_configs') }}
),

db_versions as (
    select
        endpoint_name,
        config_version,
        max(case when config_role = 'active' then 1 else 0 end) as was_active,
        max(case when config_role = 'pending' and config_update_state in ('UPDATE_FAILED', 'UPDATE_CANCELED')
            then 1 else 0 end) as has_failed,
        min(config_started_at) as config_started_at,
        max(entity_created_at) as entity_created_at,
        max(case when config_role = 'active' then model_name end) as active_model_name,
        max(case when config_role = 'active' then model_version end) as active_model_version,
        max(case when config_role = 'pending' then model_name end) as pending_model_name,
        max(case when config_role = 'pending' then model_version end) as pending_model_version,
        max(git_commit) as sha
    from db_configs
    group by endpoint_name, config_version
),

databricks as (
    select
        'databricks' as source_system,
        endpoint_name || ':' || cast(config_version as {{ dbt.type_string() }}) as source_record_id,
        endpoint_name as endpoint,
        sha,
        'Databricks serving endpoint ' || endpoint_name || ' config version '
            || cast(config_version as {{ dbt.type_string() }}) as description,
        coalesce(active_model_name, pending_model_name) as model_name,
        case when active_model_name is not null then active_model_version else pending_model_version end as model_version,
        coalesce(config_started_at, entity_created_at) as created_at,
        case
            when was_active = 1 then 'success'
            when has_failed = 1 then 'failed'
            else 'pending'
        end as outcome,
        coalesce(config_started_at, entity_created_at) as ended_at,
        'requested' as timestamp_precision
    from db_versions
),

attempts as (
    select * from sagemaker
    union all
    select * from vertex
    union all
    select * from databricks
)

select
    attempts.source_system || ':' || attempts.source_record_id as attempt_id,
    attempts.source_system,
    attempts.source_record_id,
    coalesce(endpoint_mappings.project_id, registered_models.project_id) as project_id,
    attempts.endpoint,
    attempts.sha,
    attempts.description,
    attempts.model_name,
    attempts.model_version,
    attempts.created_at,
    case when attempts.outcome = 'success' then attempts.ended_at end as first_success_at,
    case when attempts.outcome = 'failed' then attempts.ended_at end as first_failure_at,
    -- a success with no time at all (an export without any timestamp) cannot be dated: pending
    case when attempts.outcome = 'success' and attempts.ended_at is null then 'pending'
        else attempts.outcome end as outcome,
    attempts.timestamp_precision,
    case when attempts.timestamp_precision = 'exact' then 2 else 3 end as source_precedence
from attempts
left join endpoint_mappings
    on endpoint_mappings.source_system = attempts.source_system
    and endpoint_mappings.object_key = lower(attempts.endpoint)
left join registered_models
    on registered_models.object_key = lower(attempts.model_name)
