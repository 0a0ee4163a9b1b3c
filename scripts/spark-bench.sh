#!/usr/bin/env bash
# The Spark scale-out benchmark: one plannable sweep (zero-ablation of each block's contribution, every
# layer, KL and top-k metrics) run four ways, each from scratch in its own output folder:
#   local      the local runner, INTERP4J_THREADS=2 (one process, two engine threads)
#   local[2]   --runner spark --master 'local[2]', INTERP4J_THREADS=1 (two tasks of one engine thread)
#   1 worker   spark-submit to a loopback standalone cluster of 1 worker x 1 core (1 engine thread)
#   2 workers  the same with 2 workers x 1 core each
# Every run is compared with the local one (scripts/compare-results.py, within 1e-6). Prints each run's
# sweep-step seconds (from results.json: the forwards and the Spark job, without JVM, cluster and
# SparkContext start-up) and whole-command wall seconds, forwards per core-hour, and the ratios:
# speed-up of 2 workers over 1 and the overhead of local[2] over the local runner, on step seconds.
#
#   scripts/spark-bench.sh [--model DIR] [--suite FILE.jsonl] [--cache-mb 4] [--out DIR]
#
# --model: the model (default: a random Qwen2-shaped model of about 100M parameters, 12 layers,
#   d_model 768, float32, about 400 MB, written to out/models/spark-bench on first use, so that forwards
#   dominate); --suite: the prompts (default suites/toy/families.jsonl, 144 prompts); --cache-mb: the
#   planner's cache bound, small so that the sweep's plan has many chunks for Spark to partition;
#   --out: where the runs go (default out/spark-bench; a folder of an earlier run is emptied first).
# Measure on a quiet machine: any other load skews the ratios.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=launcher-env.sh
source scripts/launcher-env.sh

model="$root/out/models/spark-bench"
suite="$root/suites/toy/families.jsonl"
cache_mb=4
out="$root/out/spark-bench"
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "spark-bench: $1 needs a value" >&2; exit 2; }
  case "$1" in
    --model) model="$2" ;;
    --suite) suite="$2" ;;
    --cache-mb) cache_mb="$2" ;;
    --out) out="$2" ;;
    *) echo "spark-bench: unknown option '$1'; allowed: --model, --suite, --cache-mb, --out" >&2; exit 2 ;;
  esac
  shift 2
done
[[ "$cache_mb" =~ ^[1-9][0-9]*$ ]] || { echo "spark-bench: --cache-mb: found '$cache_mb'; allowed: a whole number >= 1" >&2; exit 2; }
[ -f "$suite" ] || { echo "spark-bench: --suite: $suite is not a file" >&2; exit 2; }
spark_build

if [ ! -f "$model/config.json" ]; then
  if [ "$model" != "$root/out/models/spark-bench" ]; then
    echo "spark-bench: --model: $model has no config.json" >&2
    exit 2
  fi
  ./interp4j random-model --out "$model" --seed 1 --layers 12 --hidden 768 --heads 12 --kv-heads 4 --intermediate 2048 \
    --vocab 32000 --dtype float32
fi
model="$(cd "$model" && pwd)"
suite="$(cd "$(dirname "$suite")" && pwd)/$(basename "$suite")"

if [ -e "$out" ] && [ ! -f "$out/sweep.conf" ]; then
  echo "spark-bench: --out: $out exists and is not a folder of an earlier spark-bench run (no sweep.conf); give a new folder" >&2
  exit 2
fi
rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cat > "$out/sweep.conf" <<CONF
study {
  name = spark-bench
  seed = 1
  # small chunks: the units Spark's partitions are made of
  forwards { cache-mb = $cache_mb }
  models { main { path = "$model", engine = djl } }
  suites { main { file = "$suite" } }
  steps = [
    { id = contribution-sweep, experiment = sweep, settings {
        intervention { id = zero-ablation, settings { site = contribution } }
        sweep { layer = all }
        metrics = [ { id = kl-divergence }, { id = top-k-overlap } ] } }
  ]
  report { formats = [json] }
}
CONF

# the cluster that is running, stopped on any exit
cluster_dir=""
finish() {
  if [ -n "$cluster_dir" ]; then scripts/spark-cluster.sh stop --dir "$cluster_dir" >&2 || true; fi
}
trap finish EXIT

# runs a command, its output in $out/NAME.log; records its wall seconds in $out/NAME.wall
timed() {
  local name="$1" start end
  shift
  echo "spark-bench: $name ..." >&2
  start="$(date +%s.%N)"
  "$@" > "$out/$name.log" 2>&1 || { echo "spark-bench: $name failed; the end of $out/$name.log:" >&2; tail -n 30 "$out/$name.log" >&2; exit 1; }
  end="$(date +%s.%N)"
  python3 -c "print(f'{$end - $start:.1f}')" > "$out/$name.wall"
}

timed local env INTERP4J_THREADS=2 ./interp4j study "$out/sweep.conf" --out "$out/local"
timed local2 env INTERP4J_THREADS=1 ./interp4j study "$out/sweep.conf" --out "$out/local2" --runner spark --master 'local[2]'
for workers in 1 2; do
  cluster="$out/cluster-${workers}x1"
  cluster_dir="$cluster"
  INTERP4J_THREADS=1 scripts/spark-cluster.sh start --workers "$workers" --cores-per-worker 1 --dir "$cluster" >&2
  timed "workers$workers" scripts/spark-submit.sh --master "$(cat "$cluster/master-url")" --class io.interp4j.app.Main \
    "$(spark_submit_jar)" study "$out/sweep.conf" --out "$out/workers$workers" --runner spark
  scripts/spark-cluster.sh stop --dir "$cluster" >&2
  cluster_dir=""
done

for run in local2 workers1 workers2; do
  python3 scripts/compare-results.py "$out/local/results.json" "$out/$run/results.json" > "$out/$run.compare" \
    || { cat "$out/$run.compare" >&2; echo "spark-bench: $run's results differ from the local runner's" >&2; exit 1; }
done

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
runs = [("local", "local runner, 2 engine threads", 2), ("local2", "Spark local[2], 1 engine thread per task", 2),
        ("workers1", "cluster 1 worker x 1 core", 1), ("workers2", "cluster 2 workers x 1 core", 2)]
step = {}
print(f"{'run':44} {'forwards':>9} {'step s':>8} {'wall s':>8} {'fwd/core-hour':>14}  ran on")
for name, label, cores in runs:
    s = json.load(open(f"{out}/{name}/results.json"))["steps"][0]
    wall = float(open(f"{out}/{name}.wall").read())
    step[name] = s["seconds"]
    rate = s["forwardPasses"] / (s["seconds"] * cores) * 3600
    print(f"{label:44} {s['forwardPasses']:>9,} {s['seconds']:>8.1f} {wall:>8.1f} {rate:>14,.0f}  {s.get('ranOn', '')}")
print(f"speed-up, 2 workers over 1 (step seconds): {step['workers1'] / step['workers2']:.2f}x")
print(f"overhead of local[2] over the local runner (step seconds): {(step['local2'] / step['local'] - 1) * 100:+.1f}%")
PY
