"""Superset configuration for the mlops-kpis dashboards (local use, 127.0.0.1 only).

Superset reads this file through SUPERSET_CONFIG_PATH (bi/superset/superset.sh sets it). State
lives in MLOPS_KPIS_SUPERSET_HOME (default build/superset/): the SQLite metadata database, the
secret key (generated once by superset.sh) and the logs. The warehouse is not configured here:
it is a database record imported from bi/superset/bundle/ (see import_bundle.py).
"""

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
_HOME = Path(os.environ.get("MLOPS_KPIS_SUPERSET_HOME", _REPO / "build" / "superset")).resolve()
_KEY_FILE = _HOME / "secret_key"

if not _KEY_FILE.exists():
    raise RuntimeError(f"{_KEY_FILE} is missing: run `make superset` (bi/superset/superset.sh setup) first")

SECRET_KEY = _KEY_FILE.read_text().strip()
DATA_DIR = str(_HOME / "data")
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME / 'superset.db'}"
FILENAME = str(_HOME / "logs" / "superset.log")

# The warehouse is a local DuckDB file (duckdb-engine). Superset refuses file-backed engines
# unless this is off; the database record opens the file read-only (engine_params.connect_args).
PREVENT_UNSAFE_DB_CONNECTIONS = False

FEATURE_FLAGS = {
    # render every chart of a dashboard at once: screenshots and the browser test see them all
    "DASHBOARD_VIRTUALIZATION": False,
    "THUMBNAILS": False,
    "ALERT_REPORTS": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
}

# No external calls. The browser may only load from this server: the content security policy
# below drops the CDN, map-tile, font and telemetry-pixel origins of Superset's default.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
MAPBOX_API_KEY = ""

# Metric marts are small: no cache, no async queries, generous row limit.
ROW_LIMIT = 50000
SUPERSET_WEBSERVER_TIMEOUT = 120
