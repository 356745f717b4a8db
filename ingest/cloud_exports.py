"""dlt sources for cloud ML platform exports dropped as JSON files: SageMaker (pipeline
executions, endpoint state-change events, CloudTrail endpoint calls, endpoint configs), Vertex
AI (pipeline jobs, DeployModel operations) and Databricks Model Serving (endpoint snapshots)
-> ``raw_sagemaker``, ``raw_vertex``, ``raw_databricks``.

Why file drops: these platforms sit behind cloud credentials and SDKs this project does not
ship; their CLIs (or a rule delivering events to a bucket) already print the records as JSON.
So a drop folder per platform holds the documents *exactly as the CLI / API prints them*, and
each reader recognises a document by its shape, not by its file name (docs/sources.md gives the
commands). One exception: ``aws sagemaker list-pipeline-parameters-for-execution`` prints no
execution ARN, so its file must carry the execution id in its name (D71).

Rows are keyed by the systems' own ids and loaded with ``merge``, so dropping the same export
twice, or overlapping exports, adds nothing. Parsing is pure (``parse_*``), people are never
stored (emails in free text are replaced by person ids) and times are tz-aware UTC.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt

from ingest.columns import table_columns as cols
from ingest.json_drops import (
    Row,
    iter_documents,
    json_text,
    lineage,
    parse_time,
    redact_emails,
    text_or_none,
)
from ingest.pseudonymise import resolve_salt

log = logging.getLogger(__name__)

DATASETS = {"sagemaker": "raw_sagemaker", "vertex": "raw_vertex", "databricks": "raw_databricks"}

# ---------------------------------------------------------------------------------------------
# Columns

SAGEMAKER_EXECUTION_COLUMNS = cols(
    [("pipeline_execution_arn", "text"), ("pipeline_name", "text"), ("execution_id", "text"),
     ("display_name", "text"), ("description", "text"), ("status", "text"), ("started_at", "timestamp"),
     ("last_modified_at", "timestamp"), ("failure_reason", "text"), ("parameters", "text"),
     ("git_commit", "text"), ("model_name", "text"), ("model_version", "text")],
    ["pipeline_execution_arn"],
)
SAGEMAKER_ENDPOINT_EVENT_COLUMNS = cols(
    [("event_id", "text"), ("record_source", "text"), ("event_name", "text"), ("occurred_at", "timestamp"),
     ("endpoint_name", "text"), ("endpoint_arn", "text"), ("endpoint_config_name", "text"),
     ("endpoint_status", "text"), ("error_code", "text"), ("failure_reason", "text"), ("tags", "text"),
     ("git_commit", "text"), ("model_name", "text"), ("model_version", "text"), ("account_id", "text"),
     ("region", "text")],
    ["event_id"],
)
SAGEMAKER_ENDPOINT_CONFIG_COLUMNS = cols(
    [("endpoint_config_name", "text"), ("variant_name", "text"), ("sagemaker_model_name", "text"),
     ("model_name", "text"), ("model_version", "text"), ("n_variants", "bigint"), ("created_at", "timestamp")],
    ["endpoint_config_name"],
)
VERTEX_PIPELINE_JOB_COLUMNS = cols(
    [("name", "text"), ("job_id", "text"), ("display_name", "text"), ("pipeline_name", "text"),
     ("state", "text"), ("created_at", "timestamp"), ("started_at", "timestamp"), ("ended_at", "timestamp"),
     ("updated_at", "timestamp"), ("error_message", "text"), ("labels", "text"), ("parameters", "text"),
     ("template_uri", "text"), ("git_commit", "text"), ("model_name", "text"), ("model_version", "text")],
    ["name"],
)
VERTEX_DEPLOY_OPERATION_COLUMNS = cols(
    [("operation_name", "text"), ("endpoint_id", "text"), ("endpoint", "text"), ("done", "bool"),
     ("error_code", "bigint"), ("error_message", "text"), ("created_at", "timestamp"), ("updated_at", "timestamp"),
     ("deployed_model_id", "text"), ("model_resource", "text"), ("model_name", "text"),
     ("model_version", "text")],
    ["operation_name"],
)
DATABRICKS_ENDPOINT_CONFIG_COLUMNS = cols(
    [("endpoint_name", "text"), ("config_version", "bigint"), ("config_role", "text"), ("endpoint_id", "text"),
     ("config_update_state", "text"), ("ready_state", "text"), ("config_started_at", "timestamp"),
     ("served_entity_name", "text"), ("entity_name", "text"), ("entity_version", "text"),
     ("entity_created_at", "timestamp"), ("served_entities", "text"), ("endpoint_created_at", "timestamp"),
     ("endpoint_last_updated_at", "timestamp"), ("git_commit", "text")],
    ["endpoint_name", "config_version", "config_role"],
)

# ---------------------------------------------------------------------------------------------
# SageMaker

_SAGEMAKER_EXECUTION_ARN = re.compile(r":pipeline/(?P<pipeline>[^/]+)/execution/(?P<execution>[^/]+)$")
#: a SageMaker Model named "<registered model>-v<version>" (the model-name convention, D72)
_MODEL_VERSION_SUFFIX = re.compile(r"^(?P<name>.+?)-v(?P<version>\d+)$", re.IGNORECASE)
#: a model package ARN ".../model-package/<group>/<version>"
_MODEL_PACKAGE_ARN = re.compile(r":model-package/(?P<name>[^/]+)/(?P<version>\d+)$")
ENDPOINT_CALLS = frozenset({"CreateEndpoint", "UpdateEndpoint"})
_TERMINAL_STATUS = {"InService": "IN_SERVICE", "OutOfService": "OUT_OF_SERVICE", "SystemUpdating": "SYSTEM_UPDATING",
                    "RollingBack": "ROLLING_BACK", "UpdateRollbackFailed": "UPDATE_ROLLBACK_FAILED"}


def split_execution_arn(arn: str) -> tuple[str | None, str | None]:
    """``arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>`` -> (name, id)."""
    match = _SAGEMAKER_EXECUTION_ARN.search(arn or "")
    return (match.group("pipeline"), match.group("execution")) if match else (None, None)


def split_model_name(name: str | None) -> tuple[str | None, str | None]:
    """A SageMaker Model (or model package ARN) -> (registered model name, version)."""
    if not name:
        return None, None
    for pattern in (_MODEL_PACKAGE_ARN, _MODEL_VERSION_SUFFIX):
        match = pattern.search(name)
        if match:
            return match.group("name"), match.group("version")
    return name, None


def endpoint_status(value: Any) -> str | None:
    """EventBridge's ``IN_SERVICE`` and DescribeEndpoint's ``InService`` -> ``IN_SERVICE``."""
    text = text_or_none(value)
    if text is None:
        return None
    if text in _TERMINAL_STATUS:
        return _TERMINAL_STATUS[text]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text).upper()


def tags_dict(tags: Any) -> dict[str, Any]:
    """Tags as printed by AWS (a dict, or a list of ``{"Key"|"key": ..., "Value"|"value": ...}``)."""
    if isinstance(tags, dict):
        return dict(tags)
    out: dict[str, Any] = {}
    for item in tags or []:
        if isinstance(item, dict):
            key = item.get("Key", item.get("key"))
            if key is not None:
                out[str(key)] = item.get("Value", item.get("value"))
    return out


def parse_pipeline_execution_summary(obj: dict[str, Any], salt: str | None = None) -> Row:
    """An item of ``aws sagemaker list-pipeline-executions`` -> a partial execution row."""
    arn = obj["PipelineExecutionArn"]
    pipeline, execution = split_execution_arn(arn)
    return {
        "pipeline_execution_arn": arn,
        "pipeline_name": pipeline,
        "execution_id": execution,
        "display_name": redact_emails(obj.get("PipelineExecutionDisplayName"), salt),
        "description": redact_emails(obj.get("PipelineExecutionDescription"), salt),
        "status": obj.get("PipelineExecutionStatus"),
        "started_at": parse_time(obj.get("StartTime")),
        "failure_reason": redact_emails(obj.get("PipelineExecutionFailureReason"), salt),
    }


def parse_pipeline_execution_description(obj: dict[str, Any], salt: str | None = None) -> Row:
    """``aws sagemaker describe-pipeline-execution`` -> a partial execution row."""
    arn = obj["PipelineExecutionArn"]
    pipeline, execution = split_execution_arn(arn)
    return {
        "pipeline_execution_arn": arn,
        "pipeline_name": pipeline,
        "execution_id": execution,
        "display_name": redact_emails(obj.get("PipelineExecutionDisplayName"), salt),
        "description": redact_emails(obj.get("PipelineExecutionDescription"), salt),
        "status": obj.get("PipelineExecutionStatus"),
        "started_at": parse_time(obj.get("CreationTime")),
        "last_modified_at": parse_time(obj.get("LastModifiedTime")),
        "failure_reason": redact_emails(obj.get("FailureReason"), salt),
    }


def parse_pipeline_parameters(obj: dict[str, Any], salt: str | None = None) -> Row:
    """``aws sagemaker list-pipeline-parameters-for-execution`` -> parameters and lineage."""
    parameters = {str(p.get("Name")): p.get("Value") for p in obj.get("PipelineParameters") or []
                  if isinstance(p, dict) and p.get("Name") is not None}
    git_commit, model_name, model_version = lineage(parameters)
    return {"parameters": json_text(parameters, salt), "git_commit": git_commit, "model_name": model_name,
            "model_version": model_version}


def parse_endpoint_state_change(event: dict[str, Any], salt: str | None = None) -> Row:
    """An EventBridge ``SageMaker Endpoint State Change`` event -> an ``endpoint_events`` row."""
    detail = event.get("detail") or {}
    tags = tags_dict(detail.get("Tags"))
    git_commit, model_name, model_version = lineage(tags)
    return {
        "event_id": event["id"],
        "record_source": "eventbridge",
        "event_name": event.get("detail-type"),
        "occurred_at": parse_time(event.get("time")) or parse_time(detail.get("LastModifiedTime")),
        "endpoint_name": detail.get("EndpointName"),
        "endpoint_arn": detail.get("EndpointArn") or next(iter(event.get("resources") or []), None),
        "endpoint_config_name": detail.get("EndpointConfigName"),
        "endpoint_status": endpoint_status(detail.get("EndpointStatus")),
        "error_code": None,
        "failure_reason": redact_emails(detail.get("FailureReason"), salt),
        "tags": json_text(tags or None, salt),
        "git_commit": git_commit,
        "model_name": model_name,
        "model_version": model_version,
        "account_id": event.get("account"),
        "region": event.get("region"),
    }


def parse_cloudtrail_endpoint_call(record: dict[str, Any], salt: str | None = None) -> Row:
    """A CloudTrail record of ``CreateEndpoint`` / ``UpdateEndpoint`` -> an ``endpoint_events``
    row: the call, not its outcome (an ``errorCode`` means the call itself was refused)."""
    request = record.get("requestParameters") or {}
    response = record.get("responseElements") or {}
    tags = tags_dict(request.get("tags") or request.get("Tags"))
    git_commit, model_name, model_version = lineage(tags)
    return {
        "event_id": record["eventID"],
        "record_source": "cloudtrail",
        "event_name": record.get("eventName"),
        "occurred_at": parse_time(record.get("eventTime")),
        "endpoint_name": request.get("endpointName") or request.get("EndpointName"),
        "endpoint_arn": (response or {}).get("endpointArn") if isinstance(response, dict) else None,
        "endpoint_config_name": request.get("endpointConfigName") or request.get("EndpointConfigName"),
        "endpoint_status": None,
        "error_code": record.get("errorCode"),
        "failure_reason": redact_emails(record.get("errorMessage"), salt),
        "tags": json_text(tags or None, salt),
        "git_commit": git_commit,
        "model_name": model_name,
        "model_version": model_version,
        "account_id": record.get("recipientAccountId"),
        "region": record.get("awsRegion"),
    }


def parse_endpoint_config(obj: dict[str, Any]) -> Row:
    """``aws sagemaker describe-endpoint-config`` -> an ``endpoint_configs`` row: the model of
    the variant with the largest initial weight (the one taking the traffic)."""
    variants = [v for v in obj.get("ProductionVariants") or [] if isinstance(v, dict)]
    main = max(variants, key=lambda v: float(v.get("InitialVariantWeight") or 0.0), default={}) if variants else {}
    sagemaker_model = main.get("ModelName")
    model_name, model_version = split_model_name(sagemaker_model)
    return {
        "endpoint_config_name": obj["EndpointConfigName"],
        "variant_name": main.get("VariantName"),
        "sagemaker_model_name": sagemaker_model,
        "model_name": model_name,
        "model_version": model_version,
        "n_variants": len(variants),
        "created_at": parse_time(obj.get("CreationTime")),
    }


def _cloudtrail_records(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """CloudTrail records from a log file (``Records``), ``aws cloudtrail lookup-events``
    (``Events[].CloudTrailEvent``, a JSON string) or an EventBridge "AWS API Call via
    CloudTrail" event (``detail``)."""
    import json

    if isinstance(document.get("Records"), list):
        yield from (r for r in document["Records"] if isinstance(r, dict))
    elif isinstance(document.get("Events"), list):
        for item in document["Events"]:
            raw = item.get("CloudTrailEvent") if isinstance(item, dict) else None
            if isinstance(raw, str):
                yield json.loads(raw)
            elif isinstance(raw, dict):
                yield raw
    elif document.get("detail-type") == "AWS API Call via CloudTrail" and isinstance(document.get("detail"), dict):
        yield document["detail"]


@dlt.source(name="sagemaker", max_table_nesting=0)
def sagemaker_exports_source(folder: str | Path) -> Any:
    """``raw_sagemaker`` from a drop folder of AWS CLI outputs and events (docs/sources.md)."""
    root = Path(folder)
    salt = resolve_salt()

    @dlt.resource(name="pipeline_executions", primary_key="pipeline_execution_arn", write_disposition="merge",
                  columns=SAGEMAKER_EXECUTION_COLUMNS)
    def pipeline_executions() -> Iterator[list[Row]]:
        merged: dict[str, Row] = {}
        parameter_files: list[tuple[Path, Row]] = []
        for path, _, doc in iter_documents(root):
            if not isinstance(doc, dict):
                continue
            if isinstance(doc.get("PipelineExecutionSummaries"), list):
                parsed = [parse_pipeline_execution_summary(s, salt) for s in doc["PipelineExecutionSummaries"]]
            elif doc.get("PipelineExecutionArn") and ("PipelineArn" in doc or "CreationTime" in doc):
                parsed = [parse_pipeline_execution_description(doc, salt)]
            elif isinstance(doc.get("PipelineParameters"), list):
                parameter_files.append((path, parse_pipeline_parameters(doc, salt)))
                continue
            else:
                continue
            for row in parsed:
                current = merged.setdefault(row["pipeline_execution_arn"], {})
                # describe output is the fuller record: its values win over the list summary's
                is_description = "last_modified_at" in row
                for key, value in row.items():
                    if value is not None and (current.get(key) is None or is_description):
                        current[key] = value
        for path, parameters in parameter_files:
            owners = [arn for arn, row in merged.items() if row.get("execution_id") and row["execution_id"] in path.name]
            if len(owners) != 1:
                log.warning("%s: parameters file names %s executions of this drop; skipped (put the execution id "
                            "in the file name)", path, len(owners) or "no")
                continue
            merged[owners[0]].update(parameters)
        rows = []
        for arn in sorted(merged):
            row = {name: None for name in SAGEMAKER_EXECUTION_COLUMNS}
            row.update(merged[arn])
            rows.append(row)
        log.info("sagemaker: %d pipeline executions from %s", len(rows), root)
        yield rows

    @dlt.resource(name="endpoint_events", primary_key="event_id", write_disposition="merge",
                  columns=SAGEMAKER_ENDPOINT_EVENT_COLUMNS)
    def endpoint_events() -> Iterator[list[Row]]:
        rows: dict[str, Row] = {}
        for _, _, doc in iter_documents(root):
            if not isinstance(doc, dict):
                continue
            if doc.get("detail-type") == "SageMaker Endpoint State Change" and isinstance(doc.get("detail"), dict):
                row = parse_endpoint_state_change(doc, salt)
                rows[row["event_id"]] = row
                continue
            for record in _cloudtrail_records(doc):
                if record.get("eventSource") == "sagemaker.amazonaws.com" and record.get("eventName") in ENDPOINT_CALLS:
                    row = parse_cloudtrail_endpoint_call(record, salt)
                    rows[row["event_id"]] = row
        log.info("sagemaker: %d endpoint events from %s", len(rows), root)
        yield [rows[k] for k in sorted(rows)]

    @dlt.resource(name="endpoint_configs", primary_key="endpoint_config_name", write_disposition="merge",
                  columns=SAGEMAKER_ENDPOINT_CONFIG_COLUMNS)
    def endpoint_configs() -> Iterator[list[Row]]:
        rows: dict[str, Row] = {}
        for _, _, doc in iter_documents(root):
            if (isinstance(doc, dict) and doc.get("EndpointConfigName") and isinstance(doc.get("ProductionVariants"), list)
                    and "EndpointStatus" not in doc and "detail" not in doc):
                row = parse_endpoint_config(doc)
                rows[row["endpoint_config_name"]] = row
        yield [rows[k] for k in sorted(rows)]

    return pipeline_executions, endpoint_events, endpoint_configs


# ---------------------------------------------------------------------------------------------
# Vertex AI

_VERTEX_ENDPOINT = re.compile(r"^(?P<endpoint>projects/[^/]+/locations/[^/]+/endpoints/(?P<id>[^/]+))/operations/")
_VERTEX_VALUE_KEYS = ("stringValue", "intValue", "doubleValue", "boolValue")


def _legacy_parameter(value: Any) -> Any:
    """A v1 ``runtimeConfig.parameters`` value ({"stringValue": "x"} ...) -> the plain value."""
    if isinstance(value, dict):
        for key in _VERTEX_VALUE_KEYS:
            if key in value:
                return value[key]
    return value


def parse_vertex_pipeline_job(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A Vertex AI ``PipelineJob`` (REST ``pipelineJobs.get`` / ``.list`` item) -> a row.

    The pipeline's name is ``pipelineSpec.pipelineInfo.name`` (the KFP pipeline name), else the
    job's display name. Parameters (``runtimeConfig.parameterValues``, or the older
    ``runtimeConfig.parameters``) and then labels tie the job to a commit and a model.
    """
    runtime = obj.get("runtimeConfig") or {}
    parameters = runtime.get("parameterValues")
    if not isinstance(parameters, dict):
        legacy = runtime.get("parameters")
        parameters = {k: _legacy_parameter(v) for k, v in legacy.items()} if isinstance(legacy, dict) else None
    labels = obj.get("labels") if isinstance(obj.get("labels"), dict) else None
    from_parameters = lineage(parameters)
    from_labels = lineage(labels)
    git_commit, model_name, model_version = (p or l for p, l in zip(from_parameters, from_labels))
    spec = obj.get("pipelineSpec") or {}
    name = obj["name"]
    error = obj.get("error") or {}
    return {
        "name": name,
        "job_id": name.rsplit("/", 1)[-1],
        "display_name": redact_emails(obj.get("displayName"), salt),
        "pipeline_name": (spec.get("pipelineInfo") or {}).get("name") if isinstance(spec, dict) else None,
        "state": obj.get("state"),
        "created_at": parse_time(obj.get("createTime")),
        "started_at": parse_time(obj.get("startTime")),
        "ended_at": parse_time(obj.get("endTime")),
        "updated_at": parse_time(obj.get("updateTime")),
        "error_message": redact_emails(error.get("message"), salt) if isinstance(error, dict) else None,
        "labels": json_text(labels, salt),
        "parameters": json_text(parameters, salt),
        "template_uri": obj.get("templateUri"),
        "git_commit": git_commit,
        "model_name": model_name,
        "model_version": model_version,
    }


def is_deploy_model_operation(obj: dict[str, Any]) -> bool:
    """A long-running operation of ``EndpointService.DeployModel`` (v1 or v1beta1)."""
    kind = str((obj.get("metadata") or {}).get("@type") or "")
    return kind.endswith(".DeployModelOperationMetadata") and "/operations/" in str(obj.get("name") or "")


def parse_vertex_deploy_operation(obj: dict[str, Any], salt: str | None = None) -> Row:
    """A DeployModel operation (``projects/.../endpoints/{id}/operations/{op}``) -> a row: done
    without ``error`` is a model deployed at ``genericMetadata.updateTime``; with one, a
    failed rollout."""
    name = obj["name"]
    match = _VERTEX_ENDPOINT.match(name)
    generic = (obj.get("metadata") or {}).get("genericMetadata") or {}
    error = obj.get("error") if isinstance(obj.get("error"), dict) else None
    deployed = ((obj.get("response") or {}).get("deployedModel") or {}) if not error else {}
    return {
        "operation_name": name,
        "endpoint_id": match.group("id") if match else None,
        "endpoint": match.group("endpoint") if match else None,
        "done": bool(obj.get("done")),
        "error_code": error.get("code") if error else None,
        "error_message": redact_emails(error.get("message"), salt) if error else None,
        "created_at": parse_time(generic.get("createTime")),
        "updated_at": parse_time(generic.get("updateTime")),
        "deployed_model_id": text_or_none(deployed.get("id")),
        "model_resource": deployed.get("model"),
        "model_name": deployed.get("displayName"),
        "model_version": text_or_none(deployed.get("modelVersionId")),
    }


@dlt.source(name="vertex", max_table_nesting=0)
def vertex_exports_source(folder: str | Path) -> Any:
    """``raw_vertex`` from a drop folder of Vertex AI REST answers (docs/sources.md)."""
    root = Path(folder)
    salt = resolve_salt()

    def documents() -> Iterator[dict[str, Any]]:
        for _, _, doc in iter_documents(root):
            if not isinstance(doc, dict):
                continue
            if isinstance(doc.get("pipelineJobs"), list):
                yield from (d for d in doc["pipelineJobs"] if isinstance(d, dict))
            elif isinstance(doc.get("operations"), list):
                yield from (d for d in doc["operations"] if isinstance(d, dict))
            else:
                yield doc

    @dlt.resource(name="pipeline_jobs", primary_key="name", write_disposition="merge",
                  columns=VERTEX_PIPELINE_JOB_COLUMNS)
    def pipeline_jobs() -> Iterator[list[Row]]:
        rows: dict[str, Row] = {}
        for doc in documents():
            if "/pipelineJobs/" in str(doc.get("name") or ""):
                row = parse_vertex_pipeline_job(doc, salt)
                previous = rows.get(row["name"])
                # the same job exported twice: keep the later view of it
                if previous is None or (row["updated_at"] or row["created_at"]) >= (previous["updated_at"] or previous["created_at"]):
                    rows[row["name"]] = row
        log.info("vertex: %d pipeline jobs from %s", len(rows), root)
        yield [rows[k] for k in sorted(rows)]

    @dlt.resource(name="deploy_operations", primary_key="operation_name", write_disposition="merge",
                  columns=VERTEX_DEPLOY_OPERATION_COLUMNS)
    def deploy_operations() -> Iterator[list[Row]]:
        rows: dict[str, Row] = {}
        for doc in documents():
            if is_deploy_model_operation(doc):
                row = parse_vertex_deploy_operation(doc, salt)
                if row["operation_name"] not in rows or row["done"]:
                    rows[row["operation_name"]] = row
        log.info("vertex: %d DeployModel operations from %s", len(rows), root)
        yield [rows[k] for k in sorted(rows)]

    return pipeline_jobs, deploy_operations


# ---------------------------------------------------------------------------------------------
# Databricks Model Serving


def _served(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Served entities of a config (``served_entities``, or the older ``served_models``)."""
    entities = config.get("served_entities")
    if not isinstance(entities, list) or not entities:
        entities = config.get("served_models")
    return [e for e in entities or [] if isinstance(e, dict)]


def _created_epoch(entity: dict[str, Any]) -> float:
    created = parse_time(entity.get("creation_timestamp"))
    return created.timestamp() if created else 0.0


def _main_entity(config: dict[str, Any]) -> dict[str, Any]:
    """The served entity taking the most traffic (routes of ``traffic_config``), else the newest."""
    entities = _served(config)
    if not entities:
        return {}
    shares: dict[str, float] = {}
    for route in (config.get("traffic_config") or {}).get("routes") or []:
        if isinstance(route, dict):
            target = route.get("served_entity_name") or route.get("served_model_name")
            shares[str(target)] = float(route.get("traffic_percentage") or 0)
    return max(entities, key=lambda e: (shares.get(str(e.get("name")), -1.0), _created_epoch(e), str(e.get("name"))))


def parse_serving_endpoint(obj: dict[str, Any], salt: str | None = None) -> list[Row]:
    """A Databricks serving endpoint (``GET /api/2.0/serving-endpoints/{name}``, as
    ``databricks serving-endpoints get NAME -o json`` prints it) -> one row for its active
    ``config`` and one for its ``pending_config``, each with its config version, update state
    and main served entity (name and version of the model it serves)."""
    state = obj.get("state") or {}
    tags = tags_dict(obj.get("tags"))
    git_commit = lineage(tags)[0]
    rows: list[Row] = []
    for role, key in (("active", "config"), ("pending", "pending_config")):
        config = obj.get(key)
        if not isinstance(config, dict) or config.get("config_version") is None:
            continue
        main = _main_entity(config)
        created = [t for t in (parse_time(e.get("creation_timestamp")) for e in _served(config)) if t is not None]
        rows.append({
            "endpoint_name": obj["name"],
            "config_version": int(config["config_version"]),
            "config_role": role,
            "endpoint_id": obj.get("id"),
            "config_update_state": state.get("config_update"),
            "ready_state": state.get("ready"),
            "config_started_at": parse_time(config.get("start_time")),
            "served_entity_name": main.get("name"),
            "entity_name": main.get("entity_name") or main.get("model_name"),
            "entity_version": text_or_none(main.get("entity_version") or main.get("model_version")),
            "entity_created_at": max(created) if created else None,
            "served_entities": json_text(
                [{k: e.get(k) for k in ("name", "entity_name", "entity_version", "model_name", "model_version",
                                        "creation_timestamp", "state") if k in e} for e in _served(config)], salt),
            "endpoint_created_at": parse_time(obj.get("creation_timestamp")),
            "endpoint_last_updated_at": parse_time(obj.get("last_updated_timestamp")),
            "git_commit": git_commit,
        })
    return rows


def _is_serving_endpoint(doc: dict[str, Any]) -> bool:
    return bool(doc.get("name")) and isinstance(doc.get("state"), dict) and (
        isinstance(doc.get("config"), dict) or isinstance(doc.get("pending_config"), dict))


@dlt.source(name="databricks", max_table_nesting=0)
def databricks_exports_source(folder: str | Path) -> Any:
    """``raw_databricks.endpoint_configs`` from a drop folder of serving endpoint snapshots
    (``databricks serving-endpoints get NAME -o json``, or the ``list`` output)."""
    root = Path(folder)
    salt = resolve_salt()

    @dlt.resource(name="endpoint_configs", primary_key=("endpoint_name", "config_version", "config_role"),
                  write_disposition="merge", columns=DATABRICKS_ENDPOINT_CONFIG_COLUMNS)
    def endpoint_configs() -> Iterator[list[Row]]:
        rows: dict[tuple[str, int, str], Row] = {}
        for _, _, doc in iter_documents(root):
            if not isinstance(doc, dict):
                continue
            endpoints = doc["endpoints"] if isinstance(doc.get("endpoints"), list) else [doc]
            for endpoint in endpoints:
                if isinstance(endpoint, dict) and _is_serving_endpoint(endpoint):
                    for row in parse_serving_endpoint(endpoint, salt):
                        key = (row["endpoint_name"], row["config_version"], row["config_role"])
                        previous = rows.get(key)
                        # files are read in name order: a snapshot file named by time wins when later,
                        # but a failed update is never overwritten by an older in-progress view
                        if previous is None or previous.get("config_update_state") == "IN_PROGRESS":
                            rows[key] = row
        log.info("databricks: %d endpoint configs from %s", len(rows), root)
        yield [rows[k] for k in sorted(rows)]

    return endpoint_configs


# ---------------------------------------------------------------------------------------------
# A drop folder with one subfolder per platform

#: subfolder of a drop folder -> (dataset, source factory name); ``monitoring`` is read by
#: ``ingest.monitoring.monitoring_source``
DROP_SUBFOLDERS = {
    "sagemaker": "raw_sagemaker",
    "vertex": "raw_vertex",
    "databricks": "raw_databricks",
    "monitoring": "raw_monitoring",
}


def drop_folder_sources(drop_dir: str | Path) -> dict[str, Any]:
    """``dataset -> dlt source`` for each platform subfolder present in ``drop_dir``
    (``sagemaker/``, ``vertex/``, ``databricks/``, ``monitoring/``); absent ones are skipped."""
    from ingest.monitoring import monitoring_source

    factories = {"sagemaker": sagemaker_exports_source, "vertex": vertex_exports_source,
                 "databricks": databricks_exports_source, "monitoring": monitoring_source}
    root = Path(drop_dir)
    return {DROP_SUBFOLDERS[name]: factory(root / name)
            for name, factory in factories.items() if (root / name).is_dir()}
