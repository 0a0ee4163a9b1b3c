#!/usr/bin/env bash
# Prices a study's forward plans on each model's own engine and on onnx, back to back on the same build:
# `study --dry-run` twice, the second with study.forwards.engine = onnx, each with its wall time and peak
# resident memory. Usage: scripts/plans-engine-ab.sh STUDY.conf [more study arguments]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
study="$1"
shift
for engine in own onnx; do
  opts="${INTERP4J_JAVA_OPTS:-}"
  if [ "$engine" = onnx ]; then opts="$opts -Dstudy.forwards.engine=onnx"; fi
  echo "=== plans on $engine, $(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
  INTERP4J_JAVA_OPTS="$opts" /usr/bin/time -f "wall %e s, max rss %M KB" "$root/interp4j" study "$study" --dry-run "$@" 2>&1 | grep -v '^\s*$'
done
