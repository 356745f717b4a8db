"""Pipelines (T6), cloud deployments (T7) and monitoring incidents, end to end.

Three projects, each on other tools than the GitHub / MLflow scenarios:

* ``fraud`` (team risk): an Airflow DAG ``fraud_training`` (REST API, 101 runs: two pages of
  ``limit=100``), a SageMaker endpoint ``fraud-endpoint`` (EventBridge state changes, CloudTrail
  calls, endpoint configs), CloudWatch alarms ``fraud-endpoint-*`` and Grafana alerts labelled
  ``project=fraud``;
* ``churn`` (team growth): a Kubeflow pipeline ``churn-training`` (REST API v2beta1, 101 runs:
  two pages by ``page_token``), a Vertex AI pipeline ``churn-pipeline`` and endpoint
  ``4455667788`` (DeployModel operations), Grafana alerts labelled ``service=churn-api``;
* ``recs`` (team growth): a SageMaker pipeline ``recs-train`` (CLI list / describe / parameters
  outputs) and a Databricks serving endpoint ``recs-serving`` (endpoint snapshots).

Every record is shaped as the system prints it. The REST sources are loaded by the production
dlt sources over real HTTP from ``ingest.replay.serve_cassette`` on 127.0.0.1 (with a 429 first);
Grafana payloads and one EventBridge event are POSTed to ``python -m ingest.receiver`` running as
a subprocess on 127.0.0.1, whose JSONL output is the monitoring drop folder. Then ``dbt build``
on a fresh DuckDB and the marts are checked against values worked out by hand below.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

import harness
from ingest.airflow import airflow_source, airflow_source_from_catalog, parse_dag_run
from ingest.cloud_exports import (
    drop_folder_sources,
    parse_endpoint_config,
    parse_vertex_deploy_operation,
    split_model_name,
)
from ingest.json_drops import parse_time
from ingest.kubeflow import kubeflow_source, parse_run
from ingest.monitoring import parse_grafana_payload
from ingest.replay import InjectedFailure, serve_cassette
from mlops_kpis.dbt_runner import run_dbt

UTC = timezone.utc
AS_OF = "2026-04-30 00:00:00"
DBT_VARS = {"as_of": AS_OF, "incident_attribution_window_hours": 168, "deployment_dedup_window_hours": 24,
            "summary_window_days": 90, "min_sample_size": 5}
NAME = "pipelines_cloud_monitoring"

AIRFLOW_BASE = "https://airflow.acme-ml.example"
KUBEFLOW_BASE = "https://kubeflow.acme-ml.example/pipeline"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
GCP_PROJECT = "123456789012"
GCP_LOCATION = "europe-west4"
VERTEX_ENDPOINT = "4455667788"

SHA_FRAUD = "9f2c4e1a7b3d5f60718293a4b5c6d7e8f9012345"
SHA_CHURN_KFP = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678"
SHA_CHURN_VERTEX = "abcdef0123456789abcdef0123456789abcdef01"
SHA_RECS = "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def iso_z(moment: datetime, micros: bool = True) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micros else "%Y-%m-%dT%H:%M:%SZ")


def airflow_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()  # "2026-01-01T02:00:03.123456+00:00", as Airflow prints


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def uid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


# ---------------------------------------------------------------------------------------------
# Catalog


def write_catalog(catalog_dir: Path) -> None:
    catalog_dir.mkdir(parents=True, exist_ok=True)
    (catalog_dir / "projects.csv").write_text(
        "project_id,project_name,team\nchurn,Churn,growth\nfraud,Fraud detection,risk\nrecs,Recommendations,growth\n",
        encoding="utf-8")
    mappings = [
        ("churn", "grafana_label", "service=churn-api"),
        ("churn", "kubeflow_pipeline", "churn-training"),
        ("churn", "vertex_endpoint", VERTEX_ENDPOINT),
        ("churn", "vertex_pipeline", "churn-pipeline"),
        ("fraud", "airflow_dag", "fraud_training"),
        ("fraud", "cloudwatch_alarm_prefix", "fraud-endpoint"),
        ("fraud", "grafana_label", "project=fraud"),
        ("fraud", "registered_model", "fraud-model"),
        ("fraud", "sagemaker_endpoint", "fraud-endpoint"),
        ("recs", "databricks_endpoint", "recs-serving"),
        ("recs", "sagemaker_pipeline", "recs-train"),
    ]
    (catalog_dir / "project_mappings.csv").write_text(
        "project_id,object_type,object_key\n" + "".join(f"{p},{t},{k}\n" for p, t, k in mappings), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Airflow: GET /api/v1/dags/fraud_training/dagRuns?limit=100&offset=N

AIRFLOW_RUNS = 101  # one more than a page
AIRFLOW_QUEUED = 100  # the last run is queued: no start, no T6 event
AIRFLOW_FAILED = 50
AIRFLOW_MANUAL = 99  # triggered with a conf naming commit and model


def airflow_dag_run(i: int) -> dict[str, Any]:
    logical = at("2026-01-01T02:00:00+00:00") + timedelta(days=i)
    manual = i == AIRFLOW_MANUAL
    started = logical + timedelta(seconds=3, microseconds=123456)
    queued = i == AIRFLOW_QUEUED
    return {
        "conf": {"git_commit": SHA_FRAUD, "model_name": "fraud-model", "model_version": "3",
                 "requested_by": "alice@acme-ml.example"} if manual else {},
        "dag_id": "fraud_training",
        "dag_run_id": f"{'manual' if manual else 'scheduled'}__{airflow_time(logical)}",
        "data_interval_end": airflow_time(logical),
        "data_interval_start": airflow_time(logical - timedelta(days=1)),
        "end_date": None if queued else airflow_time(started + timedelta(minutes=42)),
        "execution_date": airflow_time(logical),
        "external_trigger": manual,
        "last_scheduling_decision": None if queued else airflow_time(started + timedelta(minutes=42)),
        "logical_date": airflow_time(logical),
        "note": None,
        "run_type": "manual" if manual else "scheduled",
        "start_date": None if queued else airflow_time(started),
        "state": "queued" if queued else ("failed" if i == AIRFLOW_FAILED else "success"),
    }


def airflow_cassette() -> list[dict[str, Any]]:
    runs = [airflow_dag_run(i) for i in range(AIRFLOW_RUNS)]
    entries = []
    for offset in (0, 100):
        entries.append({
            "request": {"method": "GET",
                        "url": f"{AIRFLOW_BASE}/api/v1/dags/fraud_training/dagRuns?limit=100&offset={offset}",
                        "json": None},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                         "body": {"dag_runs": runs[offset:offset + 100], "total_entries": AIRFLOW_RUNS}},
        })
    return entries


# ---------------------------------------------------------------------------------------------
# Kubeflow Pipelines v2beta1: GET /pipeline/apis/v2beta1/{pipelines,runs}?page_size=100[&page_token=T]

KFP_RUNS = 101
KFP_OTHER = 99  # a run of a pipeline no project maps
KFP_INLINE = 100  # submitted from the SDK: pipeline named in its spec, parameters name commit and model
KFP_RUNNING = 98
PIPELINE_CHURN = uid("kfp", "pipeline", "churn")
PIPELINE_OTHER = uid("kfp", "pipeline", "other")
KFP_NEXT_TOKEN = "eyJTb3J0QnlGaWVsZE5hbWUiOiJDcmVhdGVkQXRJblNlYyIsIlNvcnRCeUZpZWxkVmFsdWUiOjE3Nzc1OTM2MDB9"


def kfp_pipelines() -> list[dict[str, Any]]:
    return [
        {"pipeline_id": PIPELINE_CHURN, "display_name": "churn-training", "description": "Weekly churn model",
         "created_at": "2025-12-20T10:00:00Z", "namespace": "growth"},
        {"pipeline_id": PIPELINE_OTHER, "display_name": "other-pipeline", "created_at": "2025-12-21T10:00:00Z",
         "namespace": "growth"},
    ]


def kfp_run(i: int) -> dict[str, Any]:
    created = at("2026-01-01T06:00:00+00:00") + timedelta(days=i)
    running = created + timedelta(minutes=1)
    finished = created + timedelta(minutes=55)
    state = "RUNNING" if i == KFP_RUNNING else "SUCCEEDED"
    history = [{"update_time": iso_z(created, micros=False), "state": "PENDING"},
               {"update_time": iso_z(running, micros=False), "state": "RUNNING"}]
    if state == "SUCCEEDED":
        history.append({"update_time": iso_z(finished, micros=False), "state": "SUCCEEDED"})
    run: dict[str, Any] = {
        "experiment_id": uid("kfp", "experiment", "churn"),
        "run_id": uid("kfp", "run", i),
        "display_name": f"churn-training {created:%Y-%m-%d}",
        "storage_state": "AVAILABLE",
        "runtime_config": {"parameters": {"learning_rate": 0.05, "n_estimators": 400},
                           "pipeline_root": "minio://mlpipeline/v2/artifacts"},
        "service_account": "pipeline-runner",
        "created_at": iso_z(created, micros=False),
        "scheduled_at": iso_z(created, micros=False),
        "finished_at": "1970-01-01T00:00:00Z" if state == "RUNNING" else iso_z(finished, micros=False),
        "state": state,
        "run_details": {"pipeline_context_id": str(1000 + 2 * i), "pipeline_run_context_id": str(1001 + 2 * i)},
        "recurring_run_id": uid("kfp", "recurring", "churn"),
        "state_history": history,
    }
    if i == KFP_INLINE:
        run.pop("recurring_run_id")
        run["pipeline_spec"] = {"pipelineInfo": {"name": "churn-training"}, "schemaVersion": "2.1.0",
                                "sdkVersion": "kfp-2.7.0", "root": {"dag": {"tasks": {}}}}
        run["runtime_config"]["parameters"] = {"git_commit": SHA_CHURN_KFP, "model_name": "churn-model",
                                               "model_version": 5, "learning_rate": 0.05}
    else:
        pipeline = PIPELINE_OTHER if i == KFP_OTHER else PIPELINE_CHURN
        run["pipeline_version_reference"] = {"pipeline_id": pipeline,
                                             "pipeline_version_id": uid("kfp", "version", pipeline)}
    return run


def kubeflow_cassette() -> list[dict[str, Any]]:
    runs = [kfp_run(i) for i in range(KFP_RUNS)]
    headers = {"Content-Type": "application/json"}
    return [
        {"request": {"method": "GET", "url": f"{KUBEFLOW_BASE}/apis/v2beta1/pipelines?page_size=100", "json": None},
         "response": {"status": 200, "headers": headers, "body": {"pipelines": kfp_pipelines(), "total_size": 2}}},
        {"request": {"method": "GET", "url": f"{KUBEFLOW_BASE}/apis/v2beta1/runs?page_size=100", "json": None},
         "response": {"status": 200, "headers": headers,
                      "body": {"runs": runs[:100], "total_size": KFP_RUNS, "next_page_token": KFP_NEXT_TOKEN}}},
        {"request": {"method": "GET",
                     "url": f"{KUBEFLOW_BASE}/apis/v2beta1/runs?page_size=100&page_token={KFP_NEXT_TOKEN}",
                     "json": None},
         "response": {"status": 200, "headers": headers, "body": {"runs": runs[100:], "total_size": KFP_RUNS}}},
    ]


# ---------------------------------------------------------------------------------------------
# SageMaker drop: AWS CLI v2 outputs, EventBridge events, CloudTrail records

SM_EXECUTIONS = {  # execution id -> (start, status, last modified)
    "lyey4sl4i2nq": ("2026-04-04T06:00:01.234000+00:00", "Succeeded", "2026-04-04T07:10:00.000000+00:00"),
    "q8wz2m0x5k1r": ("2026-04-11T06:00:00.500000+00:00", "Failed", "2026-04-11T06:20:00.000000+00:00"),
    "c3v9n7b1h4j6": ("2026-04-18T06:00:02.000000+00:00", "Succeeded", "2026-04-18T07:05:00.000000+00:00"),
}


def sm_arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


def endpoint_event(event_time: str, status: str, config: str, failure: str | None = None,
                   tags: dict[str, str] | None = None) -> dict[str, Any]:
    moment = at(event_time)
    detail: dict[str, Any] = {
        "EndpointName": "fraud-endpoint",
        "EndpointArn": sm_arn("endpoint", "fraud-endpoint"),
        "EndpointConfigName": config,
        "ProductionVariants": [{"VariantName": "AllTraffic", "DesiredWeight": 1.0, "DesiredInstanceCount": 1.0,
                                "CurrentWeight": 1.0, "CurrentInstanceCount": 1.0}],
        "EndpointStatus": status,
        "CreationTime": epoch_ms(at("2026-04-01T10:00:00+00:00")),
        "LastModifiedTime": epoch_ms(moment),
        "Tags": tags or {},
    }
    if failure:
        detail["FailureReason"] = failure
    return {"version": "0", "id": uid("eventbridge", event_time, status), "detail-type": "SageMaker Endpoint State Change",
            "source": "aws.sagemaker", "account": ACCOUNT, "time": iso_z(moment, micros=False), "region": REGION,
            "resources": [sm_arn("endpoint", "fraud-endpoint")], "detail": detail}


def cloudtrail_record(event_time: str, name: str, config: str, error: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLEID:deploy-bot",
                         "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/ml-deploy/deploy-bot", "accountId": ACCOUNT},
        "eventTime": event_time,
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 command/sagemaker.update-endpoint",
        "requestParameters": {"endpointName": "fraud-endpoint", "endpointConfigName": config},
        "responseElements": None if error else {"endpointArn": sm_arn("endpoint", "fraud-endpoint")},
        "requestID": uid("request", event_time),
        "eventID": uid("cloudtrail", event_time, name),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if error:
        record["errorCode"] = error
        record["errorMessage"] = f"Could not find endpoint configuration \"{sm_arn('endpoint-config', config)}\"."
    return record


def endpoint_config(name: str, model: str, created: str) -> dict[str, Any]:
    return {"EndpointConfigName": name, "EndpointConfigArn": sm_arn("endpoint-config", name),
            "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": 1,
                                    "InstanceType": "ml.m5.large", "InitialVariantWeight": 1.0}],
            "CreationTime": created, "EnableNetworkIsolation": False}


def write_sagemaker_drop(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)

    def dump(name: str, doc: Any) -> None:
        (folder / name).write_text(json.dumps(doc, indent=4) + "\n", encoding="utf-8")

    dump("list-pipeline-executions-recs-train.json", {"PipelineExecutionSummaries": [
        {"PipelineExecutionArn": sm_arn("pipeline", f"recs-train/execution/{eid}"), "StartTime": start,
         "PipelineExecutionStatus": status, "PipelineExecutionDisplayName": f"execution-{epoch_ms(at(start))}"}
        | ({"PipelineExecutionFailureReason": "Step Train failed: AlgorithmError"} if status == "Failed" else {})
        for eid, (start, status, _) in SM_EXECUTIONS.items()]})
    for eid, (start, status, modified) in list(SM_EXECUTIONS.items())[:2]:
        dump(f"describe-pipeline-execution-{eid}.json", {
            "PipelineArn": sm_arn("pipeline", "recs-train"),
            "PipelineExecutionArn": sm_arn("pipeline", f"recs-train/execution/{eid}"),
            "PipelineExecutionDisplayName": f"execution-{epoch_ms(at(start))}",
            "PipelineExecutionStatus": status,
            "PipelineExperimentConfig": {"ExperimentName": "recs-train", "TrialName": eid},
            "CreationTime": start, "LastModifiedTime": modified,
            "CreatedBy": {"UserProfileArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-abc/carol",
                          "UserProfileName": "carol", "DomainId": "d-abc"},
            "LastModifiedBy": {}})
    dump("list-pipeline-parameters-for-execution-lyey4sl4i2nq.json", {"PipelineParameters": [
        {"Name": "GitCommit", "Value": SHA_RECS}, {"Name": "ModelName", "Value": "recs-model"},
        {"Name": "ModelVersion", "Value": "7"}, {"Name": "TrainingInstanceType", "Value": "ml.m5.xlarge"}]})
    # EventBridge events as an EventBridge archive / S3 target writes them: one per line
    events = [
        endpoint_event("2026-04-01T10:00:00+00:00", "CREATING", "fraud-config-v1", tags={"team": "risk"}),
        endpoint_event("2026-04-01T10:06:00+00:00", "IN_SERVICE", "fraud-config-v1", tags={"team": "risk"}),
        endpoint_event("2026-04-01T10:06:02+00:00", "IN_SERVICE", "fraud-config-v1", tags={"team": "risk"}),
        endpoint_event("2026-04-08T09:00:00+00:00", "UPDATING", "fraud-config-v1"),
        endpoint_event("2026-04-08T09:12:00+00:00", "IN_SERVICE", "fraud-config-v2"),
        endpoint_event("2026-04-15T14:00:00+00:00", "UPDATING", "fraud-config-v2"),
        endpoint_event("2026-04-15T14:20:00+00:00", "FAILED", "fraud-config-v3",
                       failure="The primary container for production variant AllTraffic did not pass the ping health check."),
        endpoint_event("2026-04-15T14:25:00+00:00", "IN_SERVICE", "fraud-config-v2"),
    ]
    (folder / "eventbridge-sagemaker-endpoints.jsonl").write_text(
        "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events), encoding="utf-8")
    # a CloudTrail log file: the 04-20 update seen by no state-change event, a refused call, noise
    dump("cloudtrail-111122223333-eu-west-1-20260420.json", {"Records": [
        cloudtrail_record("2026-04-20T08:00:00Z", "UpdateEndpoint", "fraud-config-v3b"),
        cloudtrail_record("2026-04-22T16:00:00Z", "UpdateEndpoint", "fraud-config-v4", error="ValidationException"),
        cloudtrail_record("2026-04-20T08:05:00Z", "DescribeEndpoint", "fraud-config-v3b"),
    ]})
    # aws cloudtrail lookup-events: the 04-08 update, also seen by its state changes (dropped)
    call = cloudtrail_record("2026-04-08T08:59:00Z", "UpdateEndpoint", "fraud-config-v2")
    dump("lookup-events-update-endpoint.json", {"Events": [{
        "EventId": call["eventID"], "EventName": "UpdateEndpoint", "ReadOnly": "false",
        "EventTime": "2026-04-08T08:59:00+00:00", "EventSource": "sagemaker.amazonaws.com", "Username": "deploy-bot",
        "Resources": [{"ResourceType": "AWS::SageMaker::Endpoint", "ResourceName": "fraud-endpoint"}],
        "CloudTrailEvent": json.dumps(call)}]})
    for name, model, created in (("fraud-config-v1", "fraud-model-v1", "2026-04-01T09:55:00.000000+00:00"),
                                 ("fraud-config-v2", "fraud-model-v2", "2026-04-08T08:55:00.000000+00:00"),
                                 ("fraud-config-v3", "fraud-model-v3", "2026-04-15T13:55:00.000000+00:00"),
                                 ("fraud-config-v3b", "fraud-model-v3", "2026-04-20T07:55:00.000000+00:00")):
        dump(f"describe-endpoint-config-{name}.json", endpoint_config(name, model, created))


# ---------------------------------------------------------------------------------------------
# Vertex AI drop: REST list answers (pipelineJobs.list, endpoints.operations.list)


def vertex_job(job_id: str, created: str, started: str, ended: str, runtime: dict[str, Any],
               labels: dict[str, str]) -> dict[str, Any]:
    return {
        "name": f"projects/{GCP_PROJECT}/locations/{GCP_LOCATION}/pipelineJobs/{job_id}",
        "displayName": job_id,
        "createTime": created, "startTime": started, "endTime": ended, "updateTime": ended,
        "pipelineSpec": {"pipelineInfo": {"name": "churn-pipeline"}, "schemaVersion": "2.1.0",
                         "sdkVersion": "kfp-2.7.0", "root": {"dag": {"tasks": {}}}},
        "state": "PIPELINE_STATE_SUCCEEDED",
        "labels": {"vertex-ai-pipelines-run-billing-id": "1234567890123456789", **labels},
        "runtimeConfig": {"gcsOutputDirectory": "gs://acme-ml-pipelines/churn", **runtime},
        "serviceAccount": f"pipelines@acme-ml.iam.gserviceaccount.com",
        "templateUri": "https://europe-west4-kfp.pkg.dev/acme-ml/pipelines/churn-pipeline/sha256:5e1f",
        "templateMetadata": {"version": "sha256:5e1f"},
    }


def vertex_operation(op_id: str, created: str, updated: str, *, kind: str = "DeployModel",
                     version: str | None = None, error: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "name": f"projects/{GCP_PROJECT}/locations/{GCP_LOCATION}/endpoints/{VERTEX_ENDPOINT}/operations/{op_id}",
        "metadata": {"@type": f"type.googleapis.com/google.cloud.aiplatform.v1.{kind}OperationMetadata",
                     "genericMetadata": {"createTime": created, "updateTime": updated}},
        "done": True,
    }
    if error:
        op["error"] = error
    elif kind == "DeployModel":
        op["response"] = {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.DeployModelResponse",
                          "deployedModel": {"id": f"98765432109876{version}", "displayName": "churn-model",
                                            "model": f"projects/{GCP_PROJECT}/locations/{GCP_LOCATION}/models/555000111",
                                            "modelVersionId": version, "createTime": created,
                                            "dedicatedResources": {"machineSpec": {"machineType": "n1-standard-4"},
                                                                   "minReplicaCount": 1, "maxReplicaCount": 2}}}
    else:
        op["response"] = {"@type": f"type.googleapis.com/google.cloud.aiplatform.v1.{kind}Response"}
    return op


def write_vertex_drop(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = {"pipelineJobs": [
        vertex_job("churn-pipeline-20260402080000", "2026-04-02T08:00:00.123456Z", "2026-04-02T08:00:30.654321Z",
                   "2026-04-02T09:10:00.000000001Z",
                   {"parameterValues": {"git_commit": SHA_CHURN_VERTEX, "model_name": "churn-model", "model_version": 4}},
                   {}),
        vertex_job("churn-pipeline-20260416080000", "2026-04-16T08:00:00Z", "2026-04-16T08:01:00Z",
                   "2026-04-16T09:20:00Z", {"parameterValues": {"epochs": 20}},
                   {"git_commit": SHA_CHURN_VERTEX, "model_name": "churn-model", "model_version": "5"}),
    ]}
    (folder / "pipelineJobs.json").write_text(json.dumps(jobs, indent=2), encoding="utf-8")
    operations = {"operations": [
        vertex_operation("1111111111111111111", "2026-04-03T12:00:00.000000Z", "2026-04-03T12:14:30.500000Z", version="4"),
        vertex_operation("2222222222222222222", "2026-04-10T09:00:00Z", "2026-04-10T09:25:00Z",
                         error={"code": 13, "message": "Model server never became ready. Please validate that your "
                                                       "model file or container configuration are valid."}),
        vertex_operation("3333333333333333333", "2026-04-12T10:00:00Z", "2026-04-12T10:02:00Z", kind="UndeployModel"),
        vertex_operation("4444444444444444444", "2026-04-17T14:40:00Z", "2026-04-17T15:00:00Z", version="5"),
    ]}
    (folder / "endpoint-4455667788-operations.json").write_text(json.dumps(operations, indent=2), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Databricks drop: `databricks serving-endpoints get recs-serving -o json`, taken over time


def served_entity(version: int, created: str) -> dict[str, Any]:
    return {"name": f"recs_model-{version}", "entity_name": "main.recs.recs_model", "entity_version": str(version),
            "workload_size": "Small", "workload_type": "CPU", "scale_to_zero_enabled": True,
            "state": {"deployment": "DEPLOYMENT_READY", "deployment_state_message": ""},
            "creator": "carol@acme-ml.example", "creation_timestamp": epoch_ms(at(created))}


def serving_config(version: int, created: str, **extra: Any) -> dict[str, Any]:
    return {"served_entities": [served_entity(version, created)],
            "traffic_config": {"routes": [{"served_model_name": f"recs_model-{version}", "traffic_percentage": 100}]},
            "config_version": version, **extra}


def serving_endpoint(config: dict[str, Any], update: str, pending: dict[str, Any] | None = None) -> dict[str, Any]:
    endpoint: dict[str, Any] = {
        "name": "recs-serving", "id": "0123456789abcdef0123456789abcdef", "creator": "carol@acme-ml.example",
        "creation_timestamp": epoch_ms(at("2026-04-05T07:59:00+00:00")),
        "last_updated_timestamp": epoch_ms(at("2026-04-05T07:59:00+00:00")),
        "state": {"ready": "READY", "config_update": update}, "config": config,
        "permission_level": "CAN_MANAGE", "route_optimized": False, "tags": [{"key": "team", "value": "growth"}],
    }
    if pending:
        endpoint["pending_config"] = pending
    return endpoint


def write_databricks_drop(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    v1 = serving_config(1, "2026-04-05T08:00:00+00:00")
    v2 = serving_config(2, "2026-04-12T07:30:00+00:00")
    v3 = serving_config(3, "2026-04-26T10:00:30+00:00", start_time=epoch_ms(at("2026-04-26T10:00:00+00:00")))
    snapshots = {
        "recs-serving-20260405T1200Z.json": serving_endpoint(v1, "NOT_UPDATING"),
        "recs-serving-20260412T0735Z.json": serving_endpoint(
            v1, "IN_PROGRESS", pending=serving_config(2, "2026-04-12T07:30:00+00:00",
                                                      start_time=epoch_ms(at("2026-04-12T07:29:00+00:00")))),
        "recs-serving-20260412T0800Z.json": serving_endpoint(v2, "NOT_UPDATING"),
        "recs-serving-20260426T1100Z.json": serving_endpoint(v2, "UPDATE_FAILED", pending=v3),
    }
    for name, doc in snapshots.items():
        (folder / name).write_text(json.dumps(doc, indent=2), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Monitoring: Grafana webhook bodies and CloudWatch EventBridge events


def grafana_alert(status: str, labels: dict[str, str], summary: str, starts: str, ends: str,
                  fingerprint: str) -> dict[str, Any]:
    return {"status": status, "labels": {"grafana_folder": "ML", **labels},
            "annotations": {"summary": summary, "runbook_url": "https://runbooks.acme-ml.example/ml"},
            "startsAt": starts, "endsAt": ends,
            "generatorURL": "https://grafana.acme-ml.example/alerting/grafana/abc123/view",
            "fingerprint": fingerprint,
            "silenceURL": "https://grafana.acme-ml.example/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "", "panelURL": "", "values": {"B": 0.27, "C": 1},
            "valueString": "[ var='B' labels={} value=0.27 ]"}


def grafana_payload(status: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    name = alerts[0]["labels"]["alertname"]
    return {"receiver": "mlops-kpis", "status": status, "orgId": 1, "alerts": alerts,
            "groupLabels": {"alertname": name}, "commonLabels": alerts[0]["labels"],
            "commonAnnotations": {}, "externalURL": "https://grafana.acme-ml.example/", "version": "1",
            "groupKey": f"{{}}/{{}}:{{alertname=\"{name}\"}}", "truncatedAlerts": 0,
            "title": f"[{status.upper()}:{len(alerts)}] {name}", "state": "alerting" if status == "firing" else "ok",
            "message": "see alerts"}


GO_ZERO = "0001-01-01T00:00:00Z"
FRAUD_DRIFT = {"alertname": "FraudScoreDrift", "project": "fraud", "severity": "critical"}
CHURN_LATENCY = {"alertname": "ChurnApiLatencyHigh", "service": "churn-api", "severity": "warning"}


def grafana_payloads() -> list[dict[str, Any]]:
    drift_firing = grafana_alert("firing", FRAUD_DRIFT, "Fraud score distribution drifted (PSI 0.27)",
                                 "2026-04-02T11:00:00+02:00", GO_ZERO, "3c6f1e9a2b7d4c10")
    return [
        grafana_payload("firing", [drift_firing]),
        grafana_payload("firing", [drift_firing]),  # the repeat notification of the same episode
        grafana_payload("resolved", [grafana_alert("resolved", FRAUD_DRIFT, "Fraud score distribution drifted (PSI 0.27)",
                                                   "2026-04-02T11:00:00+02:00", "2026-04-02T10:30:00Z",
                                                   "3c6f1e9a2b7d4c10")]),
        grafana_payload("firing", [grafana_alert("firing", CHURN_LATENCY, "p99 latency above 800ms",
                                                 "2026-04-18T06:00:00Z", GO_ZERO, "77aa1b2c3d4e5f60")]),
        grafana_payload("resolved", [grafana_alert("resolved", CHURN_LATENCY, "p99 latency above 800ms",
                                                   "2026-04-18T06:00:00Z", "2026-04-18T09:00:00Z",
                                                   "77aa1b2c3d4e5f60")]),
        # two alerts no single project owns: one of the platform team, one labelled for both
        grafana_payload("firing", [
            grafana_alert("firing", {"alertname": "NodeDiskFull", "team": "platform"}, "disk above 90%",
                          "2026-04-25T00:00:00Z", GO_ZERO, "0d15cf0011223344"),
            grafana_alert("firing", {"alertname": "SharedFeatureStoreDown", "project": "fraud", "service": "churn-api"},
                          "feature store unreachable", "2026-04-25T00:00:00Z", GO_ZERO, "fea70e5500112233"),
        ]),
    ]


def alarm_event(name: str, state: str, previous: str, at_text: str, description: str) -> dict[str, Any]:
    moment = at(at_text)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return {"version": "0", "id": uid("cloudwatch", name, at_text), "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch", "account": ACCOUNT, "time": iso_z(moment + timedelta(seconds=5), micros=False),
            "region": REGION, "resources": [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"],
            "detail": {"alarmName": name,
                       "configuration": {"description": description, "metrics": [{
                           "id": "m1", "metricStat": {"metric": {"namespace": "AWS/SageMaker", "name": "Invocation5XXErrors",
                                                                 "dimensions": {"EndpointName": "fraud-endpoint",
                                                                                "VariantName": "AllTraffic"}},
                                                      "period": 300, "stat": "Sum"}, "returnData": True}]},
                       "previousState": {"reason": "Threshold Crossed", "timestamp": stamp, "value": previous},
                       "state": {"reason": "Threshold Crossed: 1 out of the last 1 datapoints [12.0] was greater than "
                                           "the threshold (5.0).", "reasonData": "{}", "timestamp": stamp, "value": state}}}


def cloudwatch_export() -> list[dict[str, Any]]:
    return [
        alarm_event("fraud-endpoint-5xx-errors", "ALARM", "OK", "2026-04-09T03:00:00+00:00", "5xx errors of the fraud endpoint"),
        alarm_event("fraud-endpoint-5xx-errors", "OK", "ALARM", "2026-04-09T05:30:00+00:00", "5xx errors of the fraud endpoint"),
        alarm_event("billing-api-errors", "ALARM", "OK", "2026-04-10T00:00:00+00:00", "not an ML endpoint"),
    ]


LATENCY_ALARM = alarm_event("fraud-endpoint-latency-p99", "ALARM", "INSUFFICIENT_DATA", "2026-04-28T12:00:00+00:00",
                            "p99 model latency")


# ---------------------------------------------------------------------------------------------
# The receiver, as a process


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``python -m ingest.receiver`` on 127.0.0.1 (a free port); yields (url, out folder)."""
    out = harness.SCRATCH / NAME / "drop" / "monitoring"
    if out.exists():
        shutil.rmtree(out)
    proc = subprocess.Popen([sys.executable, "-m", "ingest.receiver", "--port", "0", "--out", str(out),
                             "--token", "s3cret"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=harness.PROJECT_DIR)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("listening on http://127.0.0.1:"), line + (proc.stderr.read() if proc.stderr else "")
        url = line.split()[2]
        yield url, out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def post(url: str, body: bytes, token: str | None = "s3cret") -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ---------------------------------------------------------------------------------------------
# The build


def run_pipeline(source: Any, dataset: str, db_path: Path, root: Path) -> None:
    pipeline = dlt.pipeline(pipeline_name=f"pcm_{dataset}", destination=dlt.destinations.duckdb(str(db_path)),
                            dataset_name=dataset, pipelines_dir=str(root / ".dlt_pipelines"))
    pipeline.run(source).raise_on_failed_jobs()


def counts(db_path: Path, tables: list[str]) -> dict[str, int]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}  # type: ignore[index]


RAW_TABLES = ["raw_airflow.dag_runs", "raw_kubeflow.pipelines", "raw_kubeflow.runs",
              "raw_sagemaker.pipeline_executions", "raw_sagemaker.endpoint_events", "raw_sagemaker.endpoint_configs",
              "raw_vertex.pipeline_jobs", "raw_vertex.deploy_operations", "raw_databricks.endpoint_configs",
              "raw_monitoring.grafana_alerts", "raw_monitoring.cloudwatch_alarm_events"]


@pytest.fixture(scope="module")
def built(receiver: tuple[str, Path], monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch_module.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    root = harness.SCRATCH / NAME
    for child in ("catalog", "warehouse.duckdb", "dbt_target", ".dlt_pipelines", "recorded"):
        path = root / child
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    drop = root / "drop"
    for name in ("sagemaker", "vertex", "databricks"):
        if (drop / name).exists():
            shutil.rmtree(drop / name)
    catalog = root / "catalog"
    write_catalog(catalog)
    write_sagemaker_drop(drop / "sagemaker")
    write_vertex_drop(drop / "vertex")
    write_databricks_drop(drop / "databricks")

    # monitoring: Grafana and one EventBridge API destination POST to the receiver; the rest exported
    url, monitoring_dir = receiver
    statuses = [post(url, json.dumps(p).encode("utf-8"))[0] for p in grafana_payloads()]
    statuses.append(post(url, json.dumps(LATENCY_ALARM).encode("utf-8"))[0])
    assert statuses == [200] * 7
    (monitoring_dir / "cloudwatch-export.json").write_text(json.dumps(cloudwatch_export(), indent=2), encoding="utf-8")

    recorded = root / "recorded"
    recorded.mkdir(parents=True)
    for name, entries in (("airflow.jsonl", airflow_cassette()), ("kubeflow.jsonl", kubeflow_cassette())):
        (recorded / name).write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")

    db_path = root / "warehouse.duckdb"
    failures = {"/pipeline/apis/v2beta1/runs": [InjectedFailure.too_many_requests(retry_after_seconds=1)]}
    with serve_cassette([recorded], failures=failures) as server:
        airflow = airflow_source_from_catalog(catalog, server.url_for(AIRFLOW_BASE), username="kpis", password="x")
        run_pipeline(airflow, "raw_airflow", db_path, root)
        run_pipeline(kubeflow_source(server.url_for(KUBEFLOW_BASE)), "raw_kubeflow", db_path, root)
        requests_seen = list(server.requests_seen)
        unmatched = list(server.unmatched)
    for _ in range(2):  # the second load of the same drop must add nothing
        for dataset, source in drop_folder_sources(drop).items():
            run_pipeline(source, dataset, db_path, root)
    raw = counts(db_path, RAW_TABLES)
    run_dbt(["build"], db_path, catalog, root / "dbt_target", DBT_VARS)
    return {"db": db_path, "requests": requests_seen, "unmatched": unmatched, "raw": raw}


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def q(built: dict[str, Any], sql: str, params: list[Any] | None = None) -> list[tuple]:
    return harness.query(built["db"], sql, params)


def ts(text: str) -> datetime:
    """A UTC wall time as the marts hold it (timestamp without time zone)."""
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------------------------------------
# Pure parsing


def test_timestamps_in_every_printed_form() -> None:
    assert parse_time("2019-10-02T17:04:40.989+0000") == datetime(2019, 10, 2, 17, 4, 40, 989000, tzinfo=UTC)
    assert parse_time("2026-04-02T09:10:00.000000001Z") == datetime(2026, 4, 2, 9, 10, tzinfo=UTC)
    assert parse_time("2021-10-12T09:51:03.157076+02:00") == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert parse_time(1775376000000) == parse_time(1775376000) == datetime(2026, 4, 5, 8, 0, tzinfo=UTC)
    assert parse_time(GO_ZERO) is None and parse_time("1970-01-01T00:00:00Z") is None and parse_time(None) is None


def test_parsers_lift_lineage_and_never_keep_an_email() -> None:
    manual = parse_dag_run(airflow_dag_run(AIRFLOW_MANUAL), salt="s")
    assert (manual["git_commit"], manual["model_name"], manual["model_version"]) == (SHA_FRAUD, "fraud-model", "3")
    assert "@" not in manual["conf"] and "alice" not in manual["conf"]
    queued = parse_dag_run(airflow_dag_run(AIRFLOW_QUEUED), salt="s")
    assert queued["start_date"] is None and queued["state"] == "queued"
    inline = parse_run(kfp_run(KFP_INLINE), salt="s")
    assert (inline["pipeline_spec_name"], inline["git_commit"], inline["model_version"]) == (
        "churn-training", SHA_CHURN_KFP, "5")
    running = parse_run(kfp_run(KFP_RUNNING), salt="s")
    assert running["finished_at"] is None  # KFP's 1970 placeholder
    assert running["started_at"] == at("2026-01-01T06:00:00+00:00") + timedelta(days=KFP_RUNNING, minutes=1)
    assert split_model_name("fraud-model-v12") == ("fraud-model", "12")
    assert split_model_name(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/recs-model/7") == ("recs-model", "7")
    assert split_model_name("fraud-model-2026-04-01") == ("fraud-model-2026-04-01", None)
    config = parse_endpoint_config(endpoint_config("c", "fraud-model-v2", "2026-04-08T08:55:00+00:00"))
    assert (config["model_name"], config["model_version"]) == ("fraud-model", "2")
    failed = parse_vertex_deploy_operation(vertex_operation("9", "2026-04-10T09:00:00Z", "2026-04-10T09:25:00Z",
                                                            error={"code": 13, "message": "x"}))
    assert failed["error_code"] == 13 and failed["model_name"] is None
    rows = parse_grafana_payload(grafana_payloads()[0], salt="s")
    assert [(r["status"], r["alert_name"], r["starts_at"]) for r in rows] == [
        ("firing", "FraudScoreDrift", datetime(2026, 4, 2, 9, 0, tzinfo=UTC))]
    assert rows[0]["ends_at"] is None  # Go's zero time while firing


# ---------------------------------------------------------------------------------------------
# The receiver


def test_receiver_stores_each_post_as_a_line_and_refuses_bad_requests(receiver: tuple[str, Path]) -> None:
    url, out = receiver
    assert post(url, b"{not json")[0] == 400
    assert post(url, b"{}", token=None)[0] == 401
    assert post(url, b"{}", token="wrong")[0] == 401
    with urllib.request.urlopen(url + "healthz", timeout=5) as response:
        assert response.status == 200


def test_receiver_output_is_the_posted_payloads(built: dict[str, Any], receiver: tuple[str, Path]) -> None:
    _, out = receiver
    lines = [json.loads(line) for f in sorted(out.glob("received-*.jsonl")) for line in f.read_text().splitlines()]
    assert lines == grafana_payloads() + [LATENCY_ALARM]


# ---------------------------------------------------------------------------------------------
# Loading


def test_rest_sources_paginate_over_loopback(built: dict[str, Any]) -> None:
    seen = [(path, status) for _, path, status in built["requests"]]
    assert seen == [
        ("/api/v1/dags/fraud_training/dagRuns?offset=0&limit=100", 200),
        ("/api/v1/dags/fraud_training/dagRuns?offset=100&limit=100", 200),
        ("/pipeline/apis/v2beta1/pipelines?page_size=100", 200),
        ("/pipeline/apis/v2beta1/runs?page_size=100", 429),  # injected; dlt's client retries after Retry-After
        ("/pipeline/apis/v2beta1/runs?page_size=100", 200),
        (f"/pipeline/apis/v2beta1/runs?page_size=100&page_token={KFP_NEXT_TOKEN}", 200),
    ]
    assert built["unmatched"] == []


def test_raw_tables_hold_every_record_once(built: dict[str, Any]) -> None:
    # loaded twice from the same drop: merge keys make the second load add nothing
    assert built["raw"] == {
        "raw_airflow.dag_runs": 101,
        "raw_kubeflow.pipelines": 2,
        "raw_kubeflow.runs": 101,
        "raw_sagemaker.pipeline_executions": 3,
        # 8 state changes + 2 CloudTrail log records of UpdateEndpoint (DescribeEndpoint ignored) + 1 lookup-events
        "raw_sagemaker.endpoint_events": 11,
        "raw_sagemaker.endpoint_configs": 4,
        "raw_vertex.pipeline_jobs": 2,
        "raw_vertex.deploy_operations": 3,  # UndeployModel is not a deployment
        # (1 active), (1 active, 2 pending), (2 active), (2 active, 3 pending): 4 distinct keys
        "raw_databricks.endpoint_configs": 4,
        # drift firing (twice: one row) + resolved, latency firing + resolved, 2 unowned firing
        "raw_monitoring.grafana_alerts": 6,
        "raw_monitoring.cloudwatch_alarm_events": 4,
    }
    with duckdb.connect(str(built["db"]), read_only=True) as con:
        everything = " ".join(str(v) for t in RAW_TABLES for row in con.execute(f"select * from {t}").fetchall()
                              for v in row)
    assert "@acme-ml.example" not in everything and "carol" not in everything


def test_sagemaker_execution_merges_list_describe_and_parameters(built: dict[str, Any]) -> None:
    rows = q(built, "select execution_id, run_state, started_at, ended_at, git_commit, model_name, model_version "
                    "from staging.stg_sagemaker__pipeline_executions order by started_at")
    assert rows == [
        ("lyey4sl4i2nq", "succeeded", ts("2026-04-04 06:00:01.234"), ts("2026-04-04 07:10:00"), SHA_RECS, "recs-model", "7"),
        ("q8wz2m0x5k1r", "failed", ts("2026-04-11 06:00:00.5"), ts("2026-04-11 06:20:00"), None, None, None),
        # listed only: no describe output, so no end time
        ("c3v9n7b1h4j6", "succeeded", ts("2026-04-18 06:00:02"), None, None, None, None),
    ]


# ---------------------------------------------------------------------------------------------
# Journey events


def test_pipeline_runs_are_t6_events(built: dict[str, Any]) -> None:
    rows = q(built, "select project_id, source_system, count(*) from marts.fct_journey_events "
                    "where record_type = 'pipeline_run' group by 1, 2 order by 1, 2")
    assert rows == [
        # KFP: 101 runs - 1 of "other-pipeline" (no project) = 100; Vertex: 2 jobs
        ("churn", "kubeflow", 100), ("churn", "vertex", 2),
        # Airflow: 101 runs - 1 queued (never started) = 100
        ("fraud", "airflow", 100),
        ("recs", "sagemaker", 3),
    ]
    assert q(built, "select distinct t_code from marts.fct_journey_events where record_type = 'pipeline_run'") == [("T6",)]
    lineage = q(built, "select source_system, git_commit, model_name, model_version "
                       "from intermediate.int_pipeline_runs_unioned where git_commit is not null order by 1, 2")
    assert lineage == [("airflow", SHA_FRAUD, "fraud-model", "3"), ("kubeflow", SHA_CHURN_KFP, "churn-model", "5"),
                       ("sagemaker", SHA_RECS, "recs-model", "7"), ("vertex", SHA_CHURN_VERTEX, "churn-model", "4"),
                       ("vertex", SHA_CHURN_VERTEX, "churn-model", "5")]
    assert q(built, "select count(*) from intermediate.int_pipeline_runs_unioned where project_id is null") == [(1,)]
    # the manual Airflow run started at logical + 3.123456 s (2026-01-01 02:00 + 99 days = 2026-04-10 02:00)
    assert q(built, "select occurred_at from marts.fct_journey_events where source_record_id = ?",
             [f"fraud_training/manual__{airflow_time(at('2026-04-10T02:00:00+00:00'))}"]) == [
        (ts("2026-04-10 02:00:03.123456"),)]


def test_cloud_deployments_are_t7_events(built: dict[str, Any]) -> None:
    rows = q(built, "select project_id, source_system, occurred_at from marts.fct_journey_events "
                    "where t_code = 'T7' order by 1, 3")
    assert rows == [
        ("churn", "vertex", ts("2026-04-03 12:14:30.5")), ("churn", "vertex", ts("2026-04-17 15:00:00")),
        ("fraud", "sagemaker", ts("2026-04-01 10:06:00")), ("fraud", "sagemaker", ts("2026-04-08 09:12:00")),
        ("fraud", "sagemaker", ts("2026-04-20 08:00:00")),
        ("recs", "databricks", ts("2026-04-05 08:00:00")), ("recs", "databricks", ts("2026-04-12 07:29:00")),
    ]


# ---------------------------------------------------------------------------------------------
# Deployments and attempts


def test_fct_deployments_kinds_times_and_models(built: dict[str, Any]) -> None:
    rows = q(built, "select project_id, deployment_kind, deployed_at, model_name, model_version, timestamp_precision, "
                    "is_failed, recovery_hours from marts.fct_deployments order by project_id, deployed_at")
    assert rows == [
        # Vertex DeployModel operations: done at genericMetadata.updateTime
        ("churn", "initial", ts("2026-04-03 12:14:30.5"), "churn-model", "4", "exact", False, None),
        # same (no) sha, another model version: retrain. Failed by the Grafana latency alert
        # 2026-04-18 06:00 (15 h after, within 168 h); recovered when it resolved at 09:00:
        # 04-17 15:00 -> 04-18 09:00 = 18 h
        ("churn", "retrain", ts("2026-04-17 15:00:00"), "churn-model", "5", "exact", True, 18.0),
        # SageMaker: CREATING 10:00 -> IN_SERVICE 10:06 (the duplicate event at 10:06:02 ignored);
        # model from endpoint config fraud-config-v1's variant: fraud-model-v1 -> fraud-model v1.
        # Failed by the Grafana drift alert 04-02 09:00 UTC (11:00+02:00), resolved 10:30:
        # 04-01 10:06 -> 04-02 10:30 = 24 h 24 min = 24.4 h
        ("fraud", "initial", ts("2026-04-01 10:06:00"), "fraud-model", "1", "exact", True, 24.4),
        # UPDATING 09:00 -> IN_SERVICE 09:12; the CloudTrail call at 08:59 is the same rollout.
        # Failed by the 5xx alarm 04-09 03:00, OK at 05:30: 04-08 09:12 -> 04-09 05:30 = 20.3 h
        ("fraud", "retrain", ts("2026-04-08 09:12:00"), "fraud-model", "2", "exact", True, 20.3),
        # no state change seen: the CloudTrail UpdateEndpoint call, dated when requested
        ("fraud", "retrain", ts("2026-04-20 08:00:00"), "fraud-model", "3", "requested", False, None),
        # Databricks config 1: no start seen, its served entity was created 08:00
        ("recs", "initial", ts("2026-04-05 08:00:00"), "main.recs.recs_model", "1", "requested", False, None),
        # config 2: seen pending since start_time 07:29, then active
        ("recs", "retrain", ts("2026-04-12 07:29:00"), "main.recs.recs_model", "2", "requested", False, None),
    ]
    assert q(built, "select count(*) from marts.fct_deployments where source_system = 'sagemaker' "
                    "and description like '%config fraud-config-v2%'") == [(1,)]


def test_failed_rollouts_are_attempts_not_deployments(built: dict[str, Any]) -> None:
    rows = q(built, "select project_id, source_system, outcome, count(*), count(deployment_id) "
                    "from marts.fct_deployment_attempts where source_system <> 'github' group by 1, 2, 3 order by 1, 2, 3")
    assert rows == [
        ("churn", "vertex", "failed", 1, 0),  # DeployModel done with error 13
        ("churn", "vertex", "success", 2, 2),
        # UPDATING 04-15 14:00 -> FAILED 14:20 (the IN_SERVICE at 14:25 is the old config back),
        # and the CloudTrail UpdateEndpoint refused with ValidationException on 04-22
        ("fraud", "sagemaker", "failed", 2, 0),
        ("fraud", "sagemaker", "success", 3, 3),
        ("recs", "databricks", "failed", 1, 0),  # config 3 pending with UPDATE_FAILED
        ("recs", "databricks", "success", 2, 2),
    ]


# ---------------------------------------------------------------------------------------------
# Incidents


def test_monitoring_incidents_created_resolved_and_attributed(built: dict[str, Any]) -> None:
    rows = q(built, "select project_id, source_system, incident_key, created_at, resolved_at, duration_hours, "
                    "link_method, deployment_id is not null from marts.fct_incidents order by created_at")
    assert rows == [
        ("fraud", "grafana", "FraudScoreDrift", ts("2026-04-02 09:00:00"), ts("2026-04-02 10:30:00"), 1.5, "window", True),
        ("fraud", "cloudwatch", "fraud-endpoint-5xx-errors", ts("2026-04-09 03:00:00"), ts("2026-04-09 05:30:00"), 2.5,
         "window", True),
        ("churn", "grafana", "ChurnApiLatencyHigh", ts("2026-04-18 06:00:00"), ts("2026-04-18 09:00:00"), 3.0,
         "window", True),
        # 04-20 08:00 -> 04-28 12:00 = 196 h > 168 h: no deployment in the window; still open
        ("fraud", "cloudwatch", "fraud-endpoint-latency-p99", ts("2026-04-28 12:00:00"), None, None, None, False),
    ]
    links = q(built, "select incidents.incident_key, deployments.deployed_at from marts.fct_incidents as incidents "
                     "join marts.fct_deployments as deployments using (deployment_id) order by 2")
    assert links == [("FraudScoreDrift", ts("2026-04-01 10:06:00")),
                     ("fraud-endpoint-5xx-errors", ts("2026-04-08 09:12:00")),
                     ("ChurnApiLatencyHigh", ts("2026-04-17 15:00:00"))]
    # no project: the platform team's alert, the alert labelled for two projects, billing-api-errors
    unowned = q(built, "select source_system, incident_key from intermediate.int_incidents_unioned "
                       "where project_id is null order by 2")
    assert sorted(unowned) == [("cloudwatch", "billing-api-errors"), ("grafana", "NodeDiskFull"),
                               ("grafana", "SharedFeatureStoreDown")]
    listed = q(built, "select source_system, record_type, label from marts.unassigned_records "
                      "where source_system in ('airflow', 'kubeflow', 'grafana', 'cloudwatch') order by 1, 3")
    assert listed == [("cloudwatch", "incident", "billing-api-errors: not an ML endpoint"),
                      ("grafana", "incident", "NodeDiskFull: disk above 90%"),
                      ("grafana", "incident", "SharedFeatureStoreDown: feature store unreachable"),
                      ("kubeflow", "pipeline_run", "other-pipeline")]


# ---------------------------------------------------------------------------------------------
# DORA figures


def test_dora_monthly_figures(built: dict[str, Any]) -> None:
    rows = q(built, "select scope, scope_id, deployments, deployment_days, failed_deployments, change_failure_rate, "
                    "recovery_median_hours, recovery_n, rework_deployments from marts.dora_metrics_monthly "
                    "where period_start = date '2026-04-01' order by scope, scope_id")
    assert rows == [
        # 7 deployments on 7 distinct days; failed: fraud 04-01, fraud 04-08, churn 04-17 -> 3/7.
        # recovery: 18.0, 20.3, 24.4 -> median 20.3
        ("org", "org", 7, 7, 3, pytest.approx(3 / 7), pytest.approx(20.3), 3, 0),
        # churn: 2 deployments, 1 failed (18 h); fraud: 3, 2 failed (24.4, 20.3 -> median 22.35); recs: 2, none
        ("project", "churn", 2, 2, 1, pytest.approx(0.5), pytest.approx(18.0), 1, 0),
        ("project", "fraud", 3, 3, 2, pytest.approx(2 / 3), pytest.approx(22.35), 2, 0),
        ("project", "recs", 2, 2, 0, pytest.approx(0.0), None, 0, 0),
        # growth = churn + recs: 4 deployments, 1 failed
        ("team", "growth", 4, 4, 1, pytest.approx(0.25), pytest.approx(18.0), 1, 0),
        ("team", "risk", 3, 3, 2, pytest.approx(2 / 3), pytest.approx(22.35), 2, 0),
    ]
