"""A pure-Python reference of the deployment rules, written from the header comments of the
dbt models (int_deployments_classified, int_incidents_attributed, int_deployment_changes_attributed,
int_deployment_outcomes_derived), for one project whose repository has a linear first-parent line.

It is deliberately naive (lists and loops, no SQL), so that it can be compared with the
warehouse on the random scenario projects and checked for invariants with hypothesis.
Times are naive UTC datetimes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class RefDeployment:
    deployment_id: str
    deployed_at: datetime
    sha: str
    position: int | None  # position of sha on the first-parent line (1 = root), None if unknown
    description: str = ""
    ref: str = "main"
    model_name: str | None = None
    model_version: str | None = None


@dataclass(frozen=True)
class RefIncident:
    incident_id: str
    created_at: datetime
    resolved_at: datetime | None


@dataclass
class RefOutcome:
    deployment: RefDeployment
    kind: str
    is_hotfix: bool
    n_incidents: int = 0
    is_rolled_back: bool = False
    is_replaced_by_hotfix: bool = False
    is_failed: bool = False
    failure_reasons: str = ""
    recovered_at: datetime | None = None
    recovery_hours: float | None = None
    recovered_by: str | None = None
    is_fix_forward: bool = False
    is_rework: bool = False
    rework_reason: str | None = None
    changes: dict[int, tuple[float, str]] = field(default_factory=dict)  # position -> (hours, status)


@dataclass
class RefResult:
    outcomes: list[RefOutcome]  # in deployment order
    attribution: dict[str, str | None]  # incident id -> deployment id (window rule)

    @property
    def deployments(self) -> int:
        return len(self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.is_failed for o in self.outcomes)

    @property
    def change_failure_rate(self) -> float | None:
        return self.failed / self.deployments if self.outcomes else None

    @property
    def rework(self) -> int:
        return sum(o.is_rework for o in self.outcomes)

    @property
    def counted_lead_times(self) -> list[float]:
        return [h for o in self.outcomes for h, status in o.changes.values() if status == "counted"]


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _key(d: RefDeployment) -> tuple[datetime, str]:
    return (d.deployed_at, d.deployment_id)


def classify(deployments: list[RefDeployment]) -> list[str]:
    """Kinds, for deployments already in (deployed_at, deployment_id) order."""
    kinds: list[str] = []
    for i, d in enumerate(deployments):
        if i == 0:
            kinds.append("initial")
            continue
        prev = deployments[i - 1]
        earlier = deployments[:i]
        earlier_version = d.model_version is not None and any(
            e.model_name == d.model_name and e.model_version == d.model_version for e in earlier)
        if (d.model_version is not None and prev.model_version is not None and d.model_name == prev.model_name
                and earlier_version and int(d.model_version) < int(prev.model_version)):
            kinds.append("rollback")
        elif (d.sha != prev.sha and any(e.sha == d.sha for e in earlier)
              and d.position is not None and prev.position is not None and d.position < prev.position):
            kinds.append("rollback")
        elif d.sha != prev.sha:
            kinds.append("code")
        elif (d.model_version or "") != (prev.model_version or ""):
            kinds.append("retrain")
        else:
            kinds.append("redeploy")
    return kinds


def attribute(incidents: list[RefIncident], deployments: list[RefDeployment],
              window_hours: float = 168) -> dict[str, str | None]:
    """Window rule: the latest deployment at or before the incident, at most window_hours older."""
    result: dict[str, str | None] = {}
    for inc in incidents:
        candidates = [d for d in deployments
                      if d.deployed_at <= inc.created_at and hours(d.deployed_at, inc.created_at) <= window_hours]
        result[inc.incident_id] = max(candidates, key=_key).deployment_id if candidates else None
    return result


def evaluate(deployments: list[RefDeployment], incidents: list[RefIncident],
             authored_at: dict[int, datetime], window_hours: float = 168,
             hotfix_regex: str = "hotfix") -> RefResult:
    deps = sorted(deployments, key=_key)
    kinds = classify(deps)
    attribution = attribute(incidents, deps, window_hours)
    outcomes = [RefOutcome(d, k, bool(re.search(hotfix_regex, d.description or "", re.I)
                                      or re.search(hotfix_regex, d.ref or "", re.I)))
                for d, k in zip(deps, kinds)]

    # fix forwards: per incident, the first deployment after it opened while it was open
    fix_forwards: set[str] = set()
    for inc in incidents:
        after = [d for d in deps if d.deployed_at > inc.created_at
                 and (inc.resolved_at is None or d.deployed_at <= inc.resolved_at)]
        if after:
            fix_forwards.add(min(after, key=_key).deployment_id)

    highest = 0
    for i, o in enumerate(outcomes):
        d = o.deployment
        nxt = outcomes[i + 1] if i + 1 < len(outcomes) else None
        linked = [inc for inc in incidents if attribution[inc.incident_id] == d.deployment_id]
        o.n_incidents = len(linked)
        resolved_all = (max(inc.resolved_at for inc in linked)  # type: ignore[type-var]
                        if linked and all(inc.resolved_at for inc in linked) else None)
        o.is_rolled_back = nxt is not None and nxt.kind == "rollback"
        o.is_replaced_by_hotfix = nxt is not None and nxt.is_hotfix and nxt.kind != "rollback"
        o.is_failed = o.n_incidents > 0 or o.is_rolled_back or o.is_replaced_by_hotfix
        replaced_at = nxt.deployment.deployed_at if (o.is_rolled_back or o.is_replaced_by_hotfix) and nxt else None
        if o.is_failed:
            if replaced_at is not None and (resolved_all is None or replaced_at <= resolved_all):
                o.recovered_at = replaced_at
                o.recovered_by = "rollback" if o.is_rolled_back else "hotfix"
            else:
                o.recovered_at = resolved_all
                o.recovered_by = "incidents_resolved" if resolved_all is not None else None
            if o.recovered_at is not None:
                o.recovery_hours = hours(d.deployed_at, o.recovered_at)
        o.failure_reasons = ",".join(
            r for r, on in (("incident", o.n_incidents > 0), ("rolled_back", o.is_rolled_back),
                            ("hotfixed", o.is_replaced_by_hotfix)) if on)
        o.is_fix_forward = d.deployment_id in fix_forwards
        o.is_rework = o.kind == "rollback" or o.is_hotfix or o.is_fix_forward
        o.rework_reason = ("rollback" if o.kind == "rollback" else "hotfix" if o.is_hotfix
                           else "fix_forward" if o.is_fix_forward else None)
        # changes: the first-parent positions above everything deployed before, up to this one
        if d.position is not None:
            for position in range(highest + 1, d.position + 1):
                lead = hours(authored_at[position], d.deployed_at)
                status = ("initial_deployment" if o.kind == "initial"
                          else "negative_lead_time" if lead < 0 else "counted")
                o.changes[position] = (lead, status)
            highest = max(highest, d.position)
    return RefResult(outcomes, attribution)


def percentile_cont(values: list[float], p: float) -> float | None:
    """SQL's percentile_cont: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])
