"""Pseudonymous person ids shared by every loader.

Why: the metrics need to tell people apart (a review by someone other than the author, the
number of contributors) but never who they are. Every loader maps an identity (git email,
GitHub login, Jira accountId, MLflow user) through ``person_id`` before anything is stored, so
no email, name or login reaches the warehouse. The salt keeps the ids from being reversed by
hashing a list of known emails; the same salt across loaders keeps one person's ids equal
where the identity strings are equal.
"""

from __future__ import annotations

import hashlib
import logging
import os

log = logging.getLogger(__name__)

SALT_ENV_VAR = "MLOPS_KPIS_PSEUDONYM_SALT"
SALT_CONFIG_KEY = "pseudonymise.salt"
DEFAULT_SALT = "mlops-kpis"


def resolve_salt() -> str:
    """The salt: env ``MLOPS_KPIS_PSEUDONYM_SALT``, else dlt config ``[pseudonymise] salt``.

    Falls back to a fixed default so that tests and the demo are deterministic; production
    deployments should set their own salt.
    """
    from_env = os.environ.get(SALT_ENV_VAR)
    if from_env:
        return from_env
    try:
        import dlt

        from_config = dlt.config.get(SALT_CONFIG_KEY)
    except Exception:  # noqa: BLE001 - no dlt config context (e.g. plain scripts): use default
        log.debug("dlt config not readable for %s; using the default salt", SALT_CONFIG_KEY)
        from_config = None
    if from_config:
        return str(from_config)
    return DEFAULT_SALT


def person_id(value: str | None, salt: str | None = None) -> str | None:
    """``p_`` + 12 hex of sha256(salt + ":" + lower(trimmed value)); None for a missing value.

    Pass ``salt`` (from ``resolve_salt()``) when hashing many values: resolving it reads the
    dlt config providers each time.
    """
    if value is None:
        return None
    normalised = value.strip().lower()
    if not normalised:
        return None
    used_salt = resolve_salt() if salt is None else salt
    digest = hashlib.sha256(f"{used_salt}:{normalised}".encode("utf-8")).hexdigest()
    return "p_" + digest[:12]
