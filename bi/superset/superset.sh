#!/usr/bin/env bash
# Superset for the mlops-kpis marts, on 127.0.0.1 only. Idempotent; every step can be re-run.
#
#   bi/superset/superset.sh up        install + setup + (re)start: what `make superset` runs
#   bi/superset/superset.sh install   Superset's own virtualenv (build/superset/venv)
#   bi/superset/superset.sh setup     secret key, metadata DB, admin/admin, roles, import bundle
#   bi/superset/superset.sh start     gunicorn on 127.0.0.1:$BI_PORT (pid: build/superset/superset.pid)
#   bi/superset/superset.sh stop      stop the server started by start
#   bi/superset/superset.sh status    is it running?
#   bi/superset/superset.sh export [--dashboard SLUG]
#                                     after editing dashboards in the UI: write them back into
#                                     bi/superset/bundle/ (review with git diff, then commit)
#
# Environment:
#   BI_WAREHOUSE   the DuckDB file the dashboards read, read-only (default: the demo's
#                  published file build/demo/published.duckdb, see mlops_kpis/publish.py)
#   BI_PORT        default 8088
#   PYTHON         the interpreter that creates the virtualenv (default python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bi/superset"
export MLOPS_KPIS_SUPERSET_HOME="${MLOPS_KPIS_SUPERSET_HOME:-$ROOT/build/superset}"
HOME_DIR="$MLOPS_KPIS_SUPERSET_HOME"
VENV="$HOME_DIR/venv"
PIDFILE="$HOME_DIR/superset.pid"
LOGDIR="$HOME_DIR/logs"
BI_PORT="${BI_PORT:-8088}"
BI_WAREHOUSE="${BI_WAREHOUSE:-$ROOT/build/demo/published.duckdb}"
PYTHON="${PYTHON:-python3}"
URL="http://127.0.0.1:$BI_PORT"

export SUPERSET_CONFIG_PATH="$HERE/superset_config.py"
export FLASK_APP=superset
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"

log() { printf 'superset: %s\n' "$*"; }

install() {
    # duckdb: the project venv's exact version when there is one (same storage format)
    local duckdb_pin="duckdb>=2,<3"
    if [ -x "$ROOT/.venv/bin/python" ]; then
        duckdb_pin="duckdb==$("$ROOT/.venv/bin/python" -c 'import duckdb; print(duckdb.__version__)')"
    fi
    local want
    want="$(cat "$HERE/requirements.txt"; echo "$duckdb_pin")"
    if [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$want" ]; then
        return 0
    fi
    log "installing Superset into $VENV (about a minute; log: $LOGDIR/install.log)"
    mkdir -p "$LOGDIR"
    {
        test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
        "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
        "$VENV/bin/python" -m pip install --disable-pip-version-check \
            -r "$HERE/requirements.txt" "$duckdb_pin"
    } > "$LOGDIR/install.log" 2>&1 || {
        grep -v "is neither a file nor a directory" "$LOGDIR/install.log" | tail -n 30 >&2
        log "install failed (log: $LOGDIR/install.log)"
        exit 1
    }
    printf '%s' "$want" > "$VENV/.installed"
}

superset_cli() {
    # Superset prints its config banner and warnings on stderr; keep them in the log
    "$VENV/bin/superset" "$@" >> "$LOGDIR/setup.log" 2>&1 || {
        tail -n 40 "$LOGDIR/setup.log" >&2
        log "failed: superset $* (log: $LOGDIR/setup.log)"
        exit 1
    }
}

setup() {
    mkdir -p "$HOME_DIR/data" "$LOGDIR"
    if [ ! -s "$HOME_DIR/secret_key" ]; then
        (umask 077 && "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))' \
            > "$HOME_DIR/secret_key")
    fi
    if [ ! -f "$BI_WAREHOUSE" ]; then
        log "warehouse $BI_WAREHOUSE does not exist: run \`make demo\` or publish your own"
        exit 2
    fi
    # the metadata DB is migrated, has its admin and its roles once per Superset version
    local version ready="$HOME_DIR/.metadata-ready"
    version="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("apache-superset"))')"
    if [ -f "$HOME_DIR/superset.db" ] && [ -f "$ready" ] && [ "$(cat "$ready")" = "$version" ]; then
        log "metadata database ready (Superset $version)"
    else
        log "metadata database (superset db upgrade, fab create-admin, init)"
        rm -f "$ready"
        superset_cli db upgrade
        if ! "$VENV/bin/python" "$HERE/bundle.py" has-user admin >> "$LOGDIR/setup.log" 2>&1; then
            # local only: Superset listens on 127.0.0.1 (docs/bi.md)
            superset_cli fab create-admin --username admin --password admin \
                --firstname Admin --lastname User --email admin@localhost
        fi
        superset_cli init
        printf '%s' "$version" > "$ready"
    fi
    log "importing dashboards from bi/superset/bundle (warehouse: $BI_WAREHOUSE)"
    "$VENV/bin/python" "$HERE/bundle.py" import --warehouse "$BI_WAREHOUSE" \
        --zip "$HOME_DIR/bundle.zip" >> "$LOGDIR/setup.log" 2>&1 || {
        tail -n 40 "$LOGDIR/setup.log" >&2
        log "import failed (log: $LOGDIR/setup.log)"
        exit 1
    }
    grep '^superset: imported' "$LOGDIR/setup.log" | tail -n 1
}

running() {
    # the pid file names a live gunicorn (not a process that reused a stale pid)
    [ -f "$PIDFILE" ] && ps -p "$(cat "$PIDFILE")" -o args= 2>/dev/null | grep -q gunicorn
}

start() {
    if running; then
        log "already running at $URL (pid $(cat "$PIDFILE"))"
        return 0
    fi
    mkdir -p "$LOGDIR"
    rm -f "$PIDFILE"
    # gunicorn >= 25 opens a control socket under ~/.gunicorn unless told not to
    local extra=()
    if "$VENV/bin/gunicorn" --help 2>/dev/null | grep -q -- --no-control-socket; then
        extra+=(--no-control-socket)
    fi
    # gthread workers; each query opens the warehouse read-only and closes it again
    "$VENV/bin/gunicorn" --daemon --pid "$PIDFILE" "${extra[@]}" \
        --bind "127.0.0.1:$BI_PORT" --workers 2 --worker-class gthread --threads 4 \
        --timeout 120 --limit-request-line 0 --limit-request-field_size 0 \
        --access-logfile "$LOGDIR/access.log" --error-logfile "$LOGDIR/gunicorn.log" \
        "superset.app:create_app()"
    local i
    for i in $(seq 1 120); do
        if "$VENV/bin/python" - "$URL/health" <<'PY' 2>/dev/null; then
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).read().strip() == b"OK" else 1)
PY
            log "serving $URL (login admin/admin; pid $(cat "$PIDFILE"), logs $LOGDIR)"
            return 0
        fi
        if [ "$i" -gt 5 ] && ! running; then
            break
        fi
        sleep 1
    done
    tail -n 40 "$LOGDIR/gunicorn.log" >&2 || true
    log "did not come up on $URL (log: $LOGDIR/gunicorn.log)"
    exit 1
}

stop() {
    if ! running; then
        rm -f "$PIDFILE"
        return 0
    fi
    local pid
    pid="$(cat "$PIDFILE")"
    kill "$pid"
    local i
    for i in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; log "stopped (pid $pid)"; return 0; }
        sleep 1
    done
    log "pid $pid did not stop within 30 s"
    exit 1
}

status() {
    if running; then
        log "running at $URL (pid $(cat "$PIDFILE"))"
    else
        log "not running"
        return 3
    fi
}

case "${1:-up}" in
    install) install ;;
    setup) install; setup ;;
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    status) status ;;
    export) shift; mkdir -p "$LOGDIR"; "$VENV/bin/python" "$HERE/bundle.py" export "$@" 2>> "$LOGDIR/setup.log" \
        | grep -v "^Loaded your LOCAL configuration" ;;
    up) install; setup; stop; start ;;
    *) echo "usage: $0 [up|install|setup|start|stop|restart|status|export]" >&2; exit 64 ;;
esac
