#!/usr/bin/env bash
# Install Chromium from Debian's packages, for the headless rendering check of the HTML report
# (tests/python/test_report.py). Idempotent: does nothing when /usr/bin/chromium is there.
# Needs root (or sudo) and the Debian package mirror; nothing is downloaded from elsewhere.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install_chromium.sh: not root and no sudo: install the Debian package 'chromium' yourself" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
