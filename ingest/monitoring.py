"""dlt source for monitoring alerts: Grafana alert webhook payloads and CloudWatch alarm
state-change events from a drop folder -> ``raw_monitoring.grafana_alerts`` and
``raw_monitoring.cloudwatch_alarm_events``.

Why a folder: both systems *push* (Grafana's webhook contact point, an EventBridge rule with an
API destination or a bucket target); nothing can be listed afterwards. So the payloads land in
a folder, either written by ``python -m ingest.receiver`` (one JSON line per POST) or exported
by hand, and this reader recognises each payload by its shape:

* Grafana (unified alerting) and Prometheus Alertmanager webhook bodies: ``{"receiver",
  "status", "alerts": [{"status", "labels", "annotations", "startsAt", "endsAt",
  "fingerprint", ...}], ...}``. One row per (fingerprint, startsAt, status): repeated
  notifications of the same firing alert are one row.
* EventBridge ``CloudWatch Alarm State Change`` events: one row per event (its ``id``).

What counts as an incident, and when it was resolved, is dbt's (int_incidents_unioned).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt

from ingest.columns import table_columns as cols
from ingest.json_drops import Row, iter_documents, json_text, parse_time, redact_emails, stable_key, text_or_none
from ingest.pseudonymise import resolve_salt

log = logging.getLogger(__name__)

DATASET = "raw_monitoring"

GRAFANA_ALERT_COLUMNS = cols(
    [("alert_id", "text"), ("fingerprint", "text"), ("status", "text"), ("alert_name", "text"),
     ("starts_at", "timestamp"), ("ends_at", "timestamp"), ("labels", "text"), ("label_pairs", "text"),
     ("summary", "text"), ("description", "text"), ("generator_url", "text"), ("receiver", "text"),
     ("group_key", "text"), ("org_id", "text")],
    ["alert_id"],
)
CLOUDWATCH_EVENT_COLUMNS = cols(
    [("event_id", "text"), ("alarm_name", "text"), ("alarm_arn", "text"), ("state_value", "text"),
     ("state_at", "timestamp"), ("previous_state_value", "text"), ("reason", "text"), ("description", "text"),
     ("event_time", "timestamp"), ("account_id", "text"), ("region", "text")],
    ["event_id"],
)


def is_grafana_payload(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("alerts"), list) and "status" in doc


def is_cloudwatch_alarm_event(doc: Any) -> bool:
    return (isinstance(doc, dict) and doc.get("detail-type") == "CloudWatch Alarm State Change"
            and isinstance(doc.get("detail"), dict))


def label_pairs(labels: dict[str, Any]) -> str:
    """Labels as newline-separated ``name=value`` lines between newlines (``\\nteam=risk\\n``),
    so that one label is found with a plain substring test whatever characters values hold."""
    lines = [f"{name}={'' if value is None else value}" for name, value in sorted(labels.items())]
    return "\n" + "\n".join(lines) + "\n"


def parse_grafana_payload(payload: dict[str, Any], salt: str | None = None) -> list[Row]:
    """A Grafana / Alertmanager webhook body -> one row per alert it carries."""
    rows = []
    for alert in payload.get("alerts") or []:
        if not isinstance(alert, dict):
            continue
        labels = {str(k): text_or_none(v) for k, v in (alert.get("labels") or {}).items()}
        annotations = alert.get("annotations") or {}
        status = alert.get("status") or payload.get("status")
        starts_at = parse_time(alert.get("startsAt"))
        fingerprint = alert.get("fingerprint") or stable_key(*sorted(labels.items()))
        rows.append({
            "alert_id": stable_key("grafana", fingerprint, starts_at.isoformat() if starts_at else None, status),
            "fingerprint": fingerprint,
            "status": status,
            "alert_name": redact_emails(labels.get("alertname"), salt),
            "starts_at": starts_at,
            "ends_at": parse_time(alert.get("endsAt")),
            "labels": json_text(labels, salt),
            "label_pairs": redact_emails(label_pairs(labels), salt),
            "summary": redact_emails(text_or_none(annotations.get("summary")), salt),
            "description": redact_emails(text_or_none(annotations.get("description")), salt),
            "generator_url": alert.get("generatorURL"),
            "receiver": payload.get("receiver"),
            "group_key": payload.get("groupKey"),
            "org_id": text_or_none(payload.get("orgId")),
        })
    return rows


def parse_cloudwatch_alarm_event(event: dict[str, Any], salt: str | None = None) -> Row:
    """An EventBridge ``CloudWatch Alarm State Change`` event -> a row (state and previous
    state with their own timestamps, which are the moments of the transition)."""
    detail = event.get("detail") or {}
    state = detail.get("state") or {}
    previous = detail.get("previousState") or {}
    configuration = detail.get("configuration") or {}
    return {
        "event_id": event["id"],
        "alarm_name": detail.get("alarmName"),
        "alarm_arn": next(iter(event.get("resources") or []), None),
        "state_value": state.get("value"),
        "state_at": parse_time(state.get("timestamp")) or parse_time(event.get("time")),
        "previous_state_value": previous.get("value"),
        "reason": redact_emails(state.get("reason"), salt),
        "description": redact_emails(configuration.get("description"), salt),
        "event_time": parse_time(event.get("time")),
        "account_id": event.get("account"),
        "region": event.get("region"),
    }


@dlt.source(name="monitoring", max_table_nesting=0)
def monitoring_source(folder: str | Path) -> Any:
    """``raw_monitoring`` from a folder of webhook payloads / events (``.json`` or ``.jsonl``)."""
    root = Path(folder)
    salt = resolve_salt()

    @dlt.resource(name="grafana_alerts", primary_key="alert_id", write_disposition="merge",
                  columns=GRAFANA_ALERT_COLUMNS)
    def grafana_alerts() -> Iterator[list[Row]]:
        rows: dict[str, Row] = {}
        for _, _, doc in iter_documents(root):
            if is_grafana_payload(doc):
                for row in parse_grafana_payload(doc, salt):
                    rows.setdefault(row["alert_id"], row)
        log.info("monitoring: %d Grafana alert states from %s", len(rows), root)
        yield [rows[k] for k in sorted(rows)]

    @dlt.resource(name="cloudwatch_alarm_events", primary_key="event_id", write_disposition="merge",
                  columns=CLOUDWATCH_EVENT_COLUMNS)
    def cloudwatch_alarm_events() -> Iterator[list[Row]]:
        rows: dict[str, Row] = {}
        for _, _, doc in iter_documents(root):
            if is_cloudwatch_alarm_event(doc):
                row = parse_cloudwatch_alarm_event(doc, salt)
                rows[row["event_id"]] = row
        log.info("monitoring: %d CloudWatch alarm events from %s", len(rows), root)
        yield [rows[k] for k in sorted(rows)]

    return grafana_alerts, cloudwatch_alarm_events
