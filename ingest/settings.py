"""Live-mode settings: which sources are configured, where they are, and their credentials.

Everything comes from dlt's configuration providers, so one place serves the command line,
cron and an orchestrator alike: ``.dlt/config.toml`` (committed: URLs, paths, caps),
``.dlt/secrets.toml`` (git-ignored: tokens) and environment variables named after the section
and key (``SOURCES__GITHUB__TOKEN``, ``SOURCES__JIRA__BASE_URL`` ...), which win over both.
Secrets are read here and handed to the HTTP clients only: never logged, never stored (dlt
keeps no source arguments in its state).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt

from ingest.http import RateLimitPolicy, SourceConfigError

log = logging.getLogger(__name__)

DEFAULT_GITHUB_URL = "https://api.github.com"


def _get(key: str, secret: bool = False) -> Any:
    accessor = dlt.secrets if secret else dlt.config
    try:
        value = accessor.get(key)
    except Exception:  # noqa: BLE001 - an unreadable provider is "not set"
        value = None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):  # an environment variable holding a TOML/JSON list
            import json

            return [str(v) for v in json.loads(text)]
        return [part.strip() for part in text.split(",") if part.strip()]
    return [str(v) for v in value]


def _as_mapping(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        import json

        value = json.loads(value)
    if not isinstance(value, Mapping):
        raise SourceConfigError(f"expected a table of name = value, got {type(value).__name__}")
    return {str(k): str(v) for k, v in value.items()}


def _as_bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def rate_limit_policy(section: str) -> RateLimitPolicy:
    """``[sources.<section>] rate_limit_max_wait_seconds``, ``rate_limit_max_retries``,
    ``rate_limit_secondary_wait_seconds`` over the defaults."""
    defaults = RateLimitPolicy()
    wait = _get(f"sources.{section}.rate_limit_max_wait_seconds")
    retries = _get(f"sources.{section}.rate_limit_max_retries")
    secondary = _get(f"sources.{section}.rate_limit_secondary_wait_seconds")
    return RateLimitPolicy(
        max_wait_seconds=float(wait) if wait is not None else defaults.max_wait_seconds,
        max_retries=int(retries) if retries is not None else defaults.max_retries,
        secondary_wait_seconds=float(secondary) if secondary is not None else defaults.secondary_wait_seconds,
    )


@dataclass
class LiveSettings:
    """What ``python -m ingest.run`` (live mode) loads; read by :func:`read_settings`."""

    git_repos: dict[str, str] = field(default_factory=dict)  # name -> path of a local clone
    git_root: str | None = None  # folder holding clones named as the catalog's git_repo keys
    git_default_branches: dict[str, str] = field(default_factory=dict)
    git_fetch: bool = False
    github_base_url: str = DEFAULT_GITHUB_URL
    github_token: str | None = field(default=None, repr=False)
    github_rate_limit: RateLimitPolicy = field(default_factory=RateLimitPolicy)
    jira_base_url: str | None = None
    jira_email: str | None = field(default=None, repr=False)
    jira_api_token: str | None = field(default=None, repr=False)
    jira_rate_limit: RateLimitPolicy = field(default_factory=RateLimitPolicy)
    jira_time_zone: str | None = None  # the API user's, from /rest/api/3/myself (JQL dates are read in it)
    mlflow_tracking_uri: str | None = None
    mlflow_token: str | None = field(default=None, repr=False)
    mlflow_username: str | None = field(default=None, repr=False)
    mlflow_password: str | None = field(default=None, repr=False)
    mlflow_rate_limit: RateLimitPolicy = field(default_factory=RateLimitPolicy)
    files_deployments: list[str] = field(default_factory=list)
    files_incidents: list[str] = field(default_factory=list)
    files_on_bad_rows: str = "quarantine"
    # issue-6 sources: trackers (catalog keys + token), experiment files, pipelines, drops
    asana_base_url: str | None = None  # None: the module's default (app.asana.com)
    asana_token: str | None = field(default=None, repr=False)
    notion_base_url: str | None = None  # None: the module's default (api.notion.com)
    notion_token: str | None = field(default=None, repr=False)
    basecamp_base_url: str | None = None  # https://3.basecampapi.com/<account id>
    basecamp_token: str | None = field(default=None, repr=False)
    basecamp_user_agent: str | None = None
    notebooks_repos: dict[str, str] = field(default_factory=dict)  # name -> clone path
    notebooks_burst_gap_minutes: float | None = None
    tensorboard_logdirs: dict[str, str] = field(default_factory=dict)  # name -> log directory
    wandb_run_dirs: dict[str, str] = field(default_factory=dict)  # entity/project -> wandb dir
    wandb_export_files: list[str] = field(default_factory=list)
    airflow_base_url: str | None = None
    airflow_username: str | None = field(default=None, repr=False)
    airflow_password: str | None = field(default=None, repr=False)
    airflow_token: str | None = field(default=None, repr=False)
    kubeflow_base_url: str | None = None
    kubeflow_token: str | None = field(default=None, repr=False)
    kubeflow_namespace: str | None = None
    drops_dir: str | None = None  # folder with sagemaker/, vertex/, databricks/, monitoring/

    def git_paths(self, catalog_repos: list[str]) -> dict[str, str]:
        """name -> path: ``repos`` as configured, plus each catalog repository found under
        ``root`` (``root/<name>``, or ``root/<name>.git`` for a bare clone)."""
        paths = dict(self.git_repos)
        if self.git_root:
            root = Path(os.path.expanduser(self.git_root))
            for name in catalog_repos:
                if name in paths:
                    continue
                for candidate in (root / name, root / f"{name}.git"):
                    if candidate.exists():
                        paths[name] = str(candidate)
                        break
                else:
                    log.warning("git: %s (in the catalog) not found under %s", name, root)
        return {name: os.path.expanduser(path) for name, path in sorted(paths.items())}

    def configured(self, catalog: Any) -> dict[str, str | None]:
        """source -> None when it can be loaded, else why not (for ``--only`` and the log)."""
        why: dict[str, str | None] = {}
        why["git"] = None if (self.git_repos or self.git_root) else \
            "no clones configured ([sources.git] repos = {name = \"/path/to/clone\"}, or root = \"/path\")"
        if not catalog.github_repos:
            why["github"] = "no github_repo in the catalog (project_mappings.csv)"
        elif not self.github_token:
            why["github"] = "no [sources.github] token (.dlt/secrets.toml or SOURCES__GITHUB__TOKEN)"
        else:
            why["github"] = None
        if not self.jira_base_url:
            why["jira"] = "no [sources.jira] base_url"
        elif not catalog.jira_projects:
            why["jira"] = "no jira_project (or jira_kickoff_key) in the catalog"
        elif not (self.jira_email and self.jira_api_token):
            why["jira"] = "no [sources.jira] email and api_token (.dlt/secrets.toml or SOURCES__JIRA__EMAIL, " \
                          "SOURCES__JIRA__API_TOKEN)"
        else:
            why["jira"] = None
        why["mlflow"] = None if self.mlflow_tracking_uri else "no [sources.mlflow] tracking_uri"
        why["files"] = None if (self.files_deployments or self.files_incidents) else \
            "no [sources.files] deployments or incidents paths"
        self._configure_extra(catalog, why)
        return why

    def _configure_extra(self, catalog: Any, why: dict[str, str | None]) -> None:
        """The issue-6 sources: asana, notion, basecamp, notebooks, tensorboard, wandb,
        airflow, kubeflow, drops."""
        for name, keys, kind, token, extra in (
            ("asana", "asana_projects", "asana_project", self.asana_token, None),
            ("notion", "notion_databases", "notion_database", self.notion_token, None),
            ("basecamp", "basecamp_projects", "basecamp_project", self.basecamp_token,
             None if self.basecamp_base_url else "no [sources.basecamp] base_url "
                                                 "(https://3.basecampapi.com/<account id>)"),
        ):
            if extra:
                why[name] = extra
            elif not token:
                why[name] = (f"no [sources.{name}] token (.dlt/secrets.toml or "
                             f"SOURCES__{name.upper()}__TOKEN)")
            elif not getattr(catalog, keys, None):
                why[name] = f"no {kind} in the catalog (project_mappings.csv)"
            else:
                why[name] = None
        why["notebooks"] = None if self.notebooks_repos else \
            "no [sources.notebooks] repos = {name = \"/path/to/clone\"}"
        why["tensorboard"] = None if self.tensorboard_logdirs else \
            "no [sources.tensorboard] logdirs = {name = \"/path/to/logdir\"}"
        why["wandb"] = None if (self.wandb_run_dirs or self.wandb_export_files) else \
            "no [sources.wandb] run_dirs = {\"entity/project\" = \"/path/to/wandb\"} or export_files"
        if not self.airflow_base_url:
            why["airflow"] = "no [sources.airflow] base_url"
        elif not getattr(catalog, "airflow_dags", None):
            why["airflow"] = "no airflow_dag in the catalog (project_mappings.csv)"
        else:
            why["airflow"] = None
        why["kubeflow"] = None if self.kubeflow_base_url else "no [sources.kubeflow] base_url"
        why["drops"] = None if self.drops_dir else \
            "no [sources.drops] dir (a folder with sagemaker/, vertex/, databricks/, monitoring/)"


def read_settings() -> LiveSettings:
    """The live settings from dlt's providers (environment, .dlt/secrets.toml, .dlt/config.toml)."""
    try:
        git_repos = _as_mapping(_get("sources.git.repos"))
        default_branches = _as_mapping(_get("sources.git.default_branches"))
    except (SourceConfigError, ValueError) as exc:
        raise SourceConfigError(f"git: [sources.git] repos / default_branches: {exc}") from exc
    extra: dict[str, Any] = {}
    for name, key in (("notebooks", "repos"), ("tensorboard", "logdirs"), ("wandb", "run_dirs")):
        try:
            extra[name] = _as_mapping(_get(f"sources.{name}.{key}"))
        except (SourceConfigError, ValueError) as exc:
            raise SourceConfigError(f"{name}: [sources.{name}] {key}: {exc}") from exc
    gap = _get("sources.notebooks.burst_gap_minutes")
    mlflow_uri = _get("sources.mlflow.tracking_uri") or os.environ.get("MLFLOW_TRACKING_URI")
    return LiveSettings(
        git_repos=git_repos,
        git_root=_get("sources.git.root"),
        git_default_branches=default_branches,
        git_fetch=_as_bool(_get("sources.git.fetch")),
        github_base_url=_get("sources.github.base_url") or DEFAULT_GITHUB_URL,
        github_token=_get("sources.github.token", secret=True),
        github_rate_limit=rate_limit_policy("github"),
        jira_base_url=_get("sources.jira.base_url"),
        jira_email=_get("sources.jira.email", secret=True) or _get("sources.jira.email"),
        jira_api_token=_get("sources.jira.api_token", secret=True),
        jira_rate_limit=rate_limit_policy("jira"),
        mlflow_tracking_uri=mlflow_uri,
        mlflow_token=_get("sources.mlflow.token", secret=True),
        mlflow_username=_get("sources.mlflow.username", secret=True) or _get("sources.mlflow.username"),
        mlflow_password=_get("sources.mlflow.password", secret=True),
        mlflow_rate_limit=rate_limit_policy("mlflow"),
        files_deployments=_as_list(_get("sources.files.deployments")),
        files_incidents=_as_list(_get("sources.files.incidents")),
        files_on_bad_rows=str(_get("sources.files.on_bad_rows") or "quarantine"),
        asana_base_url=_get("sources.asana.base_url"),
        asana_token=_get("sources.asana.token", secret=True),
        notion_base_url=_get("sources.notion.base_url"),
        notion_token=_get("sources.notion.token", secret=True),
        basecamp_base_url=_get("sources.basecamp.base_url"),
        basecamp_token=_get("sources.basecamp.token", secret=True),
        basecamp_user_agent=_get("sources.basecamp.user_agent", secret=True) or _get("sources.basecamp.user_agent"),
        notebooks_repos=extra["notebooks"],
        notebooks_burst_gap_minutes=float(gap) if gap is not None else None,
        tensorboard_logdirs=extra["tensorboard"],
        wandb_run_dirs=extra["wandb"],
        wandb_export_files=_as_list(_get("sources.wandb.export_files")),
        airflow_base_url=_get("sources.airflow.base_url"),
        airflow_username=_get("sources.airflow.username", secret=True) or _get("sources.airflow.username"),
        airflow_password=_get("sources.airflow.password", secret=True),
        airflow_token=_get("sources.airflow.token", secret=True),
        kubeflow_base_url=_get("sources.kubeflow.base_url"),
        kubeflow_token=_get("sources.kubeflow.token", secret=True),
        kubeflow_namespace=_get("sources.kubeflow.namespace"),
        drops_dir=_get("sources.drops.dir"),
    )
