#!/usr/bin/env bash
# Installs Debian's chromium with apt-get when no chromium is on the PATH, and prints the browser's
# command name. The report's browser test (ReportBrowserTest) and scripts/check-report.sh need it.
set -euo pipefail
for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
        echo "$candidate"
        exit 0
    fi
done
echo "chromium is missing; installing it with apt-get" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    sudo="sudo"
fi
$sudo apt-get update -qq >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo chromium
