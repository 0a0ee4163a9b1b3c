#!/usr/bin/env bash
# Renders a report.html in headless Chromium and saves a screenshot, to check by eye (or in CI) that
# the page and its inline SVG charts render. Installs Debian's chromium when it is missing.
#
# usage: scripts/check-report.sh REPORT.html OUT.png [WIDTHxHEIGHT]
#   WIDTHxHEIGHT  the window, default 1280x2000; the screenshot shows that much of the page
#
# Fails unless OUT.png exists and is larger than a blank page would be.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
    echo "usage: $0 REPORT.html OUT.png [WIDTHxHEIGHT]" >&2
    exit 2
fi
report=$1
out=$2
size=${3:-1280x2000}
if [[ ! -f $report ]]; then
    echo "$0: no such file: $report" >&2
    exit 2
fi
if [[ ! $size =~ ^[0-9]+x[0-9]+$ ]]; then
    echo "$0: window size must look like 1280x2000, not '$size'" >&2
    exit 2
fi

browser=$("$(dirname "$0")/ensure-chromium.sh")

abs_report=$(realpath "$report")
# a file URL: percent-encode what would otherwise end the path or start a query or fragment
url_path=$(printf '%s' "$abs_report" | sed -e 's/%/%25/g' -e 's/ /%20/g' -e 's/#/%23/g' -e 's/?/%3F/g')
mkdir -p "$(dirname "$out")"
abs_out=$(realpath -m "$out")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$abs_out"

# The flags keep Chromium off the network and away from any user profile; the page needs neither.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size="${size/x/,}" --screenshot="$abs_out" \
    "file://$url_path" >"$profile/chromium.log" 2>&1 || {
    echo "$0: chromium failed:" >&2
    tail -20 "$profile/chromium.log" >&2
    exit 1
}

if [[ ! -s $abs_out ]]; then
    echo "$0: no screenshot was written to $out" >&2
    tail -20 "$profile/chromium.log" >&2
    exit 1
fi
# A blank or error page at this size compresses to a few KiB; a report with tables and charts does not.
bytes=$(stat -c %s "$abs_out")
if [[ $bytes -lt 20000 ]]; then
    echo "$0: screenshot $out is only $bytes bytes: the page looks empty" >&2
    exit 1
fi
echo "wrote $out ($bytes bytes, window $size)"
