#!/usr/bin/env bash
# make test-superset: the dashboards in a real browser, from a cold machine if need be.
#
#   1. Chromium and its driver from Debian's packages (/usr/bin/chromium, /usr/bin/chromedriver)
#      when missing (root or sudo; apt-get update once, then install)
#   2. the demo's published warehouse (make demo) when missing
#   3. Superset: its virtualenv, metadata DB, admin, the bundle import (superset.sh install/setup),
#      then the server on 127.0.0.1:$BI_PORT
#   4. bi/superset/test_dashboards.py: log in, open every dashboard, wait for the charts, check
#      for errors and compare numbers with the marts; screenshots in build/superset/screenshots/
#   5. stops Superset again, unless it was already running before the test
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SUPERSET_SH="$ROOT/bi/superset/superset.sh"
export MLOPS_KPIS_SUPERSET_HOME="${MLOPS_KPIS_SUPERSET_HOME:-$ROOT/build/superset}"
export BI_WAREHOUSE="${BI_WAREHOUSE:-$ROOT/build/demo/published.duckdb}"
export BI_PORT="${BI_PORT:-8088}"
SCREENSHOTS="$MLOPS_KPIS_SUPERSET_HOME/screenshots"
LOGDIR="$MLOPS_KPIS_SUPERSET_HOME/logs"
mkdir -p "$LOGDIR"

now() { date +%s; }
T0=$(now)

# 1. Chromium + chromedriver
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 && SUDO="sudo" || {
            echo "test-superset: install the Debian packages chromium and chromium-driver (needs root)" >&2
            exit 1
        }
    fi
    echo "test-superset: installing chromium and chromium-driver (apt; log: $LOGDIR/apt.log)"
    {
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
    } > "$LOGDIR/apt.log" 2>&1 || { tail -n 30 "$LOGDIR/apt.log" >&2; exit 1; }
fi
T1=$(now)

# 2. the published warehouse
if [ ! -f "$BI_WAREHOUSE" ]; then
    if [ "$BI_WAREHOUSE" != "$ROOT/build/demo/published.duckdb" ]; then
        echo "test-superset: $BI_WAREHOUSE does not exist" >&2
        exit 2
    fi
    target=demo
    [ -f "$ROOT/build/demo/warehouse.duckdb" ] && target=demo-publish
    echo "test-superset: no published demo warehouse yet: make $target (log: $LOGDIR/demo.log)"
    make --no-print-directory "$target" > "$LOGDIR/demo.log" 2>&1 || { tail -n 40 "$LOGDIR/demo.log" >&2; exit 1; }
fi
T2=$(now)

# 3. Superset
WAS_RUNNING=0
"$SUPERSET_SH" status > /dev/null 2>&1 && WAS_RUNNING=1
"$SUPERSET_SH" install
T3=$(now)
"$SUPERSET_SH" setup
T4=$(now)
cleanup() {
    if [ "$WAS_RUNNING" = 0 ]; then
        "$SUPERSET_SH" stop || true
    fi
}
trap cleanup EXIT
"$SUPERSET_SH" restart
T5=$(now)

# 4. the browser
echo "test-superset: opening the dashboards in headless Chromium"
SE_OFFLINE=true SE_AVOID_STATS=true "$MLOPS_KPIS_SUPERSET_HOME/venv/bin/python" \
    "$ROOT/bi/superset/test_dashboards.py" --url "http://127.0.0.1:$BI_PORT" \
    --warehouse "$BI_WAREHOUSE" --screenshots "$SCREENSHOTS"
T6=$(now)

echo "test-superset: passed (chromium $((T1 - T0)) s, demo $((T2 - T1)) s, superset install $((T3 - T2)) s," \
     "setup $((T4 - T3)) s, start $((T5 - T4)) s, browser test $((T6 - T5)) s; total $((T6 - T0)) s)"
