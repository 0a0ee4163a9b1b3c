#!/usr/bin/env bash
# CI's check of the standalone-cluster path: starts a loopback cluster of 2 workers × 1 core
# (scripts/spark-cluster.sh), submits the quickstart study to it with the spark-submit jar
# (scripts/spark-submit.sh), compares its results.json with the local runner's (within 1e-6, timings
# aside), checks that the executors got Spark's Java 17 flags and one engine thread per core, and stops
# the cluster whatever happened, then checks that none of its processes is left.
#
#   scripts/spark-cluster-check.sh [LOCAL_RESULTS_JSON]
#
# LOCAL_RESULTS_JSON: the local runner's results.json of studies/quickstart.conf (CI has one already);
# without it the script runs the quickstart locally first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=launcher-env.sh
source scripts/launcher-env.sh
spark_build

work="$(mktemp -d)"
cluster="$work/cluster"
groups=()
finish() {
  local code=$?
  scripts/spark-cluster.sh stop --dir "$cluster" >&2 || code=1
  for group in "${groups[@]}"; do
    if kill -0 -- "-$group" 2>/dev/null; then
      echo "spark-cluster-check: process group $group is still running after stop" >&2
      code=1
    fi
  done
  rm -rf "$work"
  exit "$code"
}
trap finish EXIT
fail() { echo "spark-cluster-check: $*" >&2; exit 1; }

local_results="${1:-}"
if [ -z "$local_results" ]; then
  ./interp4j study studies/quickstart.conf --out "$work/local" >&2
  local_results="$work/local/results.json"
fi

scripts/spark-cluster.sh start --workers 2 --cores-per-worker 1 --dir "$cluster"
for pid in "$cluster"/pids/*; do groups+=("$(cat "$pid")"); done
# a second start on the same folder is refused while the cluster runs
if scripts/spark-cluster.sh start --dir "$cluster" 2>/dev/null; then fail "a second start was not refused"; fi

scripts/spark-submit.sh --master "$(cat "$cluster/master-url")" --class io.interp4j.app.Main "$(spark_submit_jar)" \
  study studies/quickstart.conf --out "$work/cluster-run" --runner spark
python3 scripts/compare-results.py "$local_results" "$work/cluster-run/results.json"
grep -qE '"ranOn": "Spark spark://127\.0\.0\.1:[0-9]+ \(2 cores\): .* with 1 engine thread' "$work/cluster-run/results.json" \
  || fail "no step says it ran on the cluster's executors with 1 engine thread: $(grep '"ranOn"' "$work/cluster-run/results.json")"

# every executor was started with each of Spark's Java 17 flags (runner-spark/pom.xml's spark.jvm.flags)
executors=("$cluster"/work/worker-*/app-*/*/stderr)
[ -f "${executors[0]}" ] || fail "no executor ran (no stderr under $cluster/work)"
for log in "${executors[@]}"; do
  command="$(grep -m 1 'Spark Executor Command' "$log")" || fail "$log has no executor command line"
  for flag in $spark_jvm_flags; do
    grep -qF -- "\"$flag\"" <<<"$command" || fail "the executor of $log was started without $flag"
  done
done
echo "spark-cluster-check: ok (${#executors[@]} executors, results equal to the local runner's)"
