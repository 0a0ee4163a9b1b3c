#!/usr/bin/env bash
# A Spark standalone cluster on loopback, made of Maven Central's jars (no Spark distribution needed):
# one master and N workers on 127.0.0.1, each a JVM started from the Spark home that the module
# runner-spark/spark-home assembles (its jars/ folder is also what each worker puts on its executors'
# class path).
#
#   scripts/spark-cluster.sh start [--workers 2] [--cores-per-worker 1] [--memory-per-worker 4g] [--dir DIR]
#   scripts/spark-cluster.sh status [--dir DIR]
#   scripts/spark-cluster.sh stop [--dir DIR]
#
# DIR (default out/spark-cluster) holds logs/ (master.log, worker-N.log), pids/, work/ (the workers'
# executor folders, with each executor's command line and output) and master-url, the URL to submit
# to (spark://127.0.0.1:PORT; the master takes a free port). start refuses a DIR whose cluster is
# running; stop ends every process it started there, executors included, and leaves the logs.
# Each worker's executors get INTERP4J_THREADS = its cores (unless INTERP4J_THREADS is set) and
# OMP_WAIT_POLICY=PASSIVE: one engine thread per executor core.
# Exit codes: 0 ok (status: running), 1 a process failed to start or stop, 2 bad arguments,
# 3 (status) not running.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=launcher-env.sh
source "$root/scripts/launcher-env.sh"

usage() {
  echo "usage: scripts/spark-cluster.sh start|stop|status [--workers N] [--cores-per-worker C] [--memory-per-worker M] [--dir DIR]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in start | stop | status) ;; *) echo "spark-cluster: unknown command '$command'; allowed: start, stop, status" >&2; usage ;; esac

workers=2
cores=1
memory=4g
dir="$root/out/spark-cluster"
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "spark-cluster: $1 needs a value" >&2; usage; }
  case "$1" in
    --workers) workers="$2" ;;
    --cores-per-worker) cores="$2" ;;
    --memory-per-worker) memory="$2" ;;
    --dir) dir="$2" ;;
    *) echo "spark-cluster: unknown option '$1'; allowed: --workers, --cores-per-worker, --memory-per-worker, --dir" >&2; usage ;;
  esac
  shift 2
done
whole() { [[ "$2" =~ ^[1-9][0-9]{0,2}$ ]] || { echo "spark-cluster: $1: found '$2'; allowed: a whole number from 1 to 999" >&2; exit 2; }; }
whole --workers "$workers"
whole --cores-per-worker "$cores"
[[ "$memory" =~ ^[1-9][0-9]*[mg]$ ]] || { echo "spark-cluster: --memory-per-worker: found '$memory'; allowed: a size like 512m or 4g" >&2; exit 2; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
pids="$dir/pids"

alive() { kill -0 "$1" 2>/dev/null; }

# the processes this folder's cluster started, as "name pid" lines
started() {
  [ -d "$pids" ] || return 0
  for file in "$pids"/*; do
    if [ -f "$file" ]; then echo "$(basename "$file") $(cat "$file")"; fi
  done
}

status() {
  local any=false all=true name pid
  while read -r name pid; do
    [ -n "$name" ] || continue
    any=true
    if alive "$pid"; then echo "$name: running (pid $pid)"; else echo "$name: not running (pid $pid gone)"; all=false; fi
  done < <(started)
  if ! $any; then
    echo "no cluster in $dir"
    return 3
  fi
  [ -f "$dir/master-url" ] && echo "master: $(cat "$dir/master-url")"
  $all || return 1
}

# ends each process group this folder's cluster started: a worker's executors are in its group
stop() {
  local name pid left
  while read -r name pid; do
    [ -n "$name" ] || continue
    if alive "$pid"; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
  done < <(started)
  for _ in $(seq 1 40); do
    left=false
    while read -r name pid; do
      [ -n "$name" ] || continue
      # the group outlives its leader while an executor still runs
      if kill -0 -- "-$pid" 2>/dev/null; then left=true; fi
    done < <(started)
    $left || break
    sleep 0.5
  done
  while read -r name pid; do
    [ -n "$name" ] || continue
    if kill -0 -- "-$pid" 2>/dev/null; then
      echo "spark-cluster: $name (process group $pid) ignored SIGTERM for 20 s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done < <(started)
  rm -rf "$pids" "$dir/master-url"
}

# starts a Spark daemon in its own process group (so that stop also reaches the executors a worker starts)
daemon() {
  local name="$1"
  shift
  # shellcheck disable=SC2086
  setsid java -Xmx512m $spark_jvm_flags -cp "$spark_home/jars/*" "$@" > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$pids/$name"
}

# waits until a log has a line matching a pattern, or its process ended, or a minute and a half passed
await() {
  local name="$1" pattern="$2"
  for _ in $(seq 1 180); do
    if grep -qE "$pattern" "$dir/logs/$name.log" 2>/dev/null; then return 0; fi
    if ! alive "$(cat "$pids/$name")"; then
      echo "spark-cluster: $name ended while starting; the end of $dir/logs/$name.log:" >&2
      tail -n 20 "$dir/logs/$name.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "spark-cluster: $name did not log /$pattern/ within 90 s; see $dir/logs/$name.log" >&2
  return 1
}

failed() {
  echo "spark-cluster: start failed; stopping what started (logs kept in $dir/logs)" >&2
  stop
  exit 1
}

start() {
  if [ -n "$(started)" ]; then
    if status > /dev/null; then
      echo "spark-cluster: a cluster is already running in $dir ($(cat "$dir/master-url" 2>/dev/null)); stop it first" >&2
      exit 1
    fi
    echo "spark-cluster: cleaning up what a failed or killed cluster left in $dir" >&2
    stop
  fi
  spark_build
  rm -rf "$dir/logs" "$dir/work"
  mkdir -p "$dir/logs" "$dir/work" "$dir/conf" "$pids"
  # the daemons' environment: loopback only, the Spark home (a worker reads SPARK_HOME/jars for its executors), no web UIs
  export SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=2.13 SPARK_CONF_DIR="$dir/conf" SPARK_LOCAL_IP=127.0.0.1 \
    SPARK_LOCAL_HOSTNAME=127.0.0.1
  export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" OPT_OUT_TRACKING=true INTERP4J_THREADS="${INTERP4J_THREADS:-$cores}"
  daemon master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0
  await master 'Starting Spark master at spark://' || failed
  local url
  url="$(grep -oE 'spark://127\.0\.0\.1:[0-9]+' "$dir/logs/master.log" | head -n 1)"
  for i in $(seq 1 "$workers"); do
    daemon "worker-$i" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
      --cores "$cores" --memory "$memory" --work-dir "$dir/work/worker-$i" "$url"
  done
  for i in $(seq 1 "$workers"); do
    await "worker-$i" 'Successfully registered with master' || failed
  done
  echo "$url" > "$dir/master-url"
  echo "spark-cluster: $url with $workers worker(s) of $cores core(s) each (INTERP4J_THREADS=$INTERP4J_THREADS on executors); logs in $dir/logs"
}

case "$command" in
  start) start ;;
  status) status ;;
  stop)
    if [ -z "$(started)" ]; then echo "spark-cluster: no cluster in $dir"; exit 0; fi
    stop
    echo "spark-cluster: stopped the cluster in $dir (logs kept in $dir/logs)"
    ;;
esac
