#!/usr/bin/env bash
# The federation step (issue #10): our master-aggregator vs a real Prometheus 2.42 as the master,
# each federating the same leaf.
#
# One run: starts the synthetic targets (../leaf-vs-prometheus/targets.go) and one leaf (ours)
# scraping them, then runs each master in turn, alone, with the same federate job (the seed's
# shape: honor_labels, /federate, match[]={__name__=~".+"}) against that leaf. For each master it
# records CPU per 1,000 samples ingested, RSS and RSS per series, live heap after a full GC, and
# the federate scrape's own scrape_duration_seconds (average and maximum over the window).
# Prints a markdown report (RESULTS/report.md); `report.py --json RESULTS` gives the figures.
#
# Usage (from the repo root):
#   benchmarks/master-vs-prometheus/run.sh
# Knobs (environment, defaults in brackets):
#   TARGETS [20] SERIES [5000]  the leaf's targets (100,000 series, 100,100 with report series)
#   INTERVAL [5]      the leaf's scrape_interval (and timeout)
#   FED_INTERVAL [10] the masters' federate scrape_interval (and timeout): each federate finds new
#                     samples at the leaf, which scrapes twice as often
#   WARMUP [60] MEASURE [180]  seconds per master, after its first two federate scrapes
#   MAX_LOAD [1.5] LOAD_WAIT [600]  as in leaf-vs-prometheus/run.sh
#   MASTERS ["master prometheus"]
#   MASTER_JAR [master-aggregator/target/master-aggregator-0.1.0-SNAPSHOT.jar]
#   LEAF_JAR [leaf-agent/target/leaf-agent-0.1.0-SNAPSHOT.jar]  (both built with ./mvnw if missing)
#   MASTER_JAVA_OPTS [the master's shipped jvmFlags, master-aggregator/pom.xml: the leaf's flags
#                     plus -XX:+ExitOnOutOfMemoryError]
#   MASTER_STORAGE [1] 1: our master writes its write-ahead log (--storage.path in the work dir), as
#                     k8s/base ships it and as Prometheus does; 0: memory only
#   LEAF_JAVA_OPTS [the leaf's shipped flags]  the leaf runs memory-only: it is the source here
#   RESULTS [/tmp/master-vs-prometheus-<date>]
#
# Network: 127.0.0.1 only: targets 19100-, control 19190, leaf 19091, our master 19093, Prometheus
# 19094. Load is bounded: the leaf scrapes TARGETS targets per INTERVAL; one master at a time
# federates the leaf once per FED_INTERVAL. Everything started here is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIB=$ROOT/benchmarks/leaf-vs-prometheus

[[ ${1:-} == -h || ${1:-} == --help ]] && { sed -n '2,33p' "$0"; exit 0; }

TARGETS=${TARGETS:-20}
SERIES=${SERIES:-5000}
INTERVAL=${INTERVAL:-5}
FED_INTERVAL=${FED_INTERVAL:-10}
WARMUP=${WARMUP:-60}
MEASURE=${MEASURE:-180}
MAX_LOAD=${MAX_LOAD:-1.5}
LOAD_WAIT=${LOAD_WAIT:-600}
MASTERS=${MASTERS:-"master prometheus"}
MASTER_JAR=${MASTER_JAR:-$ROOT/master-aggregator/target/master-aggregator-0.1.0-SNAPSHOT.jar}
LEAF_JAR=${LEAF_JAR:-$ROOT/leaf-agent/target/leaf-agent-0.1.0-SNAPSHOT.jar}
MASTER_JAVA_OPTS=${MASTER_JAVA_OPTS:-"-XX:+UseSerialGC -Xms32m -XX:MaxNewSize=16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:MaxRAMPercentage=70 -XX:TrimNativeHeapInterval=60000 -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError"}
MASTER_STORAGE=${MASTER_STORAGE:-1}
LEAF_JAVA_OPTS=${LEAF_JAVA_OPTS:-"-XX:+UseSerialGC -Xms32m -XX:MaxNewSize=16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:MaxRAMPercentage=70 -XX:TrimNativeHeapInterval=60000 -XX:-UsePerfData"}
RESULTS=${RESULTS:-/tmp/master-vs-prometheus-$(date +%Y%m%d-%H%M%S)}

HOST=127.0.0.1
TARGET_BASE_PORT=19100
CONTROL_PORT=19190
LEAF_PORT=19091
declare -A PORT=([master]=19093 [prometheus]=19094)
LEAF="http://$HOST:$LEAF_PORT"
CLK_TCK=$(getconf CLK_TCK)

COMMAND="TARGETS=$TARGETS SERIES=$SERIES INTERVAL=$INTERVAL FED_INTERVAL=$FED_INTERVAL WARMUP=$WARMUP MEASURE=$MEASURE MASTERS=\"$MASTERS\" MASTER_JAVA_OPTS=\"$MASTER_JAVA_OPTS\" MASTER_STORAGE=$MASTER_STORAGE MAX_LOAD=$MAX_LOAD LOAD_WAIT=$LOAD_WAIT benchmarks/master-vs-prometheus/run.sh"

mkdir -p "$RESULTS"
WORK=$(mktemp -d /tmp/master-vs-prometheus-work.XXXXXX)
PIDS=()
source "$LIB/lib.sh"

stop_on_exit

require_free_ports "$HOST" "$LEAF_PORT" "${PORT[@]}" "$CONTROL_PORT" $(seq "$TARGET_BASE_PORT" $((TARGET_BASE_PORT + TARGETS - 1)))
for tool in go java jcmd curl python3 prometheus; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see benchmarks/compare/README.md)" >&2; exit 1; }
done
if [[ ! -f "$LEAF_JAR" || ! -f "$MASTER_JAR" ]]; then
  log "building the jars (./mvnw -q -B -DskipTests package)"
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi

# The leaf's /federate requests, counted by the leaf (Spring's http.server.requests): while one
# master runs and nothing else asks, the number of federate scrapes that master made.
leaf_federates() {
  metric_sum "$LEAF/metrics" http_server_requests_seconds_count 'uri="/federate"'
}

promql() { # port query -> the first result's value, or NA
  curl -s --max-time 30 -G --data-urlencode "query=$2" "http://$HOST:$1/api/v1/query" |
    python3 -c 'import json,sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "NA")' 2>/dev/null || echo NA
}

# ---- targets and the leaf

start_targets "$WORK" "$HOST" "$TARGET_BASE_PORT" "$TARGETS" "$SERIES" "$CONTROL_PORT"
write_scrape_config "$WORK/leaf.yml" "$HOST" "$TARGET_BASE_PORT" "$TARGETS" "$INTERVAL"
{
  echo "global:"
  echo "  scrape_interval: ${FED_INTERVAL}s"
  echo "  scrape_timeout: ${FED_INTERVAL}s"
  echo "scrape_configs:"
  echo "  - job_name: federate"
  echo "    honor_labels: true"
  echo "    metrics_path: /federate"
  echo "    params:"
  echo "      'match[]':"
  echo "        - '{__name__=~\".+\"}'"
  echo "    static_configs:"
  echo "      - targets: ['$HOST:$LEAF_PORT']"
} >"$WORK/master.yml"
cp "$WORK/leaf.yml" "$RESULTS/leaf.yml"
cp "$WORK/master.yml" "$RESULTS/master.yml"

log "leaf: starting (memory only, the shipped JVM flags)"
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=2 java $LEAF_JAVA_OPTS -jar "$LEAF_JAR" --config.file="$WORK/leaf.yml" \
  --server.port="$LEAF_PORT" --server.address="$HOST" >"$RESULTS/leaf.log" 2>&1 &
LEAF_PID=$!
PIDS+=("$LEAF_PID")
wait_http "$LEAF/-/ready" 120
EXPECT_SERIES=$((TARGETS * (SERIES + 5)))
deadline=$((SECONDS + 6 * INTERVAL + 60))
until [[ "$(metric_sum "$LEAF/metrics" promfed_head_series)" -ge $EXPECT_SERIES ]] 2>/dev/null; do
  (( SECONDS > deadline )) && { log "leaf: fewer than $EXPECT_SERIES series after $((6 * INTERVAL + 60)) s"; exit 1; }
  sleep 2
done
log "leaf: holds $EXPECT_SERIES series"

# ---- one master at a time

start_master() { # name -> MASTER_PID, READY_URL
  local port=${PORT[$1]}
  case "$1" in
    master)
      local storage=()
      [[ $MASTER_STORAGE == 1 ]] && storage=(--storage.path="$WORK/master-data")
      # shellcheck disable=SC2086
      MALLOC_ARENA_MAX=2 java $MASTER_JAVA_OPTS -jar "$MASTER_JAR" --config.file="$WORK/master.yml" "${storage[@]}" \
        --server.port="$port" --server.address="$HOST" >"$RESULTS/master.log" 2>&1 &
      ;;
    prometheus)
      prometheus --config.file="$WORK/master.yml" --storage.tsdb.path="$WORK/prometheus-master-data" \
        --web.listen-address="$HOST:$port" >"$RESULTS/prometheus.log" 2>&1 &
      ;;
  esac
  MASTER_PID=$!
  PIDS+=("$MASTER_PID")
  READY_URL="http://$HOST:$port/-/ready"
}

version_of() {
  case "$1" in
    master) echo "master-aggregator 0.1.0-SNAPSHOT @ $(git -C "$ROOT" log -1 --format=%h -- core master-aggregator pom.xml)$(git -C "$ROOT" diff --quiet HEAD -- core master-aggregator || echo '+dirty'), $(java -version 2>&1 | head -1 | tr -d '"')" ;;
    prometheus) prometheus --version 2>&1 | head -1 | sed 's/ (branch.*//' ;;
  esac
}

own_counter() { # the master's own count of samples appended (cumulative)
  case "$1" in
    master) metric_sum "http://$HOST:${PORT[master]}/metrics" promfed_scrape_samples_appended_total ;;
    prometheus) metric_sum "http://$HOST:${PORT[prometheus]}/metrics" prometheus_tsdb_head_samples_appended_total ;;
  esac
}

run_master() {
  local name=$1 port=${PORT[$1]} kv="$RESULTS/$1.kv"
  : >"$kv"
  put() { echo "$1=$2" >>"$kv"; }

  local load_state w0=$SECONDS
  load_state=$(wait_for_load)
  put load_wait_s $((SECONDS - w0))
  put load_before "$(load1)"
  put load_state "$load_state"
  put version "$(version_of "$name")"

  log "$name: starting"
  local f0
  f0=$(leaf_federates)
  [[ $f0 == NA ]] && f0=0
  start_master "$name"
  local pid=$MASTER_PID
  wait_http "$READY_URL" 120
  local deadline=$((SECONDS + 4 * FED_INTERVAL + 60)) f
  while :; do
    f=$(leaf_federates)
    [[ $f != NA ]] && (( f - f0 >= 2 )) && break
    (( SECONDS > deadline )) && { log "$name: not federating the leaf"; return 1; }
    sleep 1
  done
  log "$name: federating; warming up ${WARMUP}s"
  sleep "$WARMUP"

  local c0 fed0 own0 t0 load0
  read -r mb0 mt0 < <(machine_ticks)
  load0=$(load1); c0=$(cpu_ticks "$pid"); fed0=$(leaf_federates); own0=$(own_counter "$name"); t0=$(date +%s.%N)
  log "$name: measuring ${MEASURE}s (load $load0)"
  sleep "$MEASURE"
  local c1 fed1 own1 t1
  c1=$(cpu_ticks "$pid"); fed1=$(leaf_federates); own1=$(own_counter "$name"); t1=$(date +%s.%N)
  read -r mb1 mt1 < <(machine_ticks)
  put load_window_start "$load0"
  put load_window_end "$(load1)"
  put window_s "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
  put cpu_ticks $((c1 - c0))
  put machine_busy_ticks $((mb1 - mb0))
  put machine_total_ticks $((mt1 - mt0))
  put federates $((fed1 - fed0))
  put own_samples "$([[ $own0 == NA || $own1 == NA ]] && echo NA || echo $((own1 - own0)))"
  put rss_kb "$(status_kb "$pid" VmRSS)"
  put hwm_kb "$(status_kb "$pid" VmHWM)"

  # The federate job's report series, through each master's own PromQL.
  local win=${MEASURE%.*}s
  put samples_per_scrape "$(promql "$port" 'scrape_samples_scraped{job="federate"}')"
  put up "$(promql "$port" 'up{job="federate"}')"
  put scrape_duration_avg_s "$(promql "$port" "avg_over_time(scrape_duration_seconds{job=\"federate\"}[$win])")"
  put scrape_duration_max_s "$(promql "$port" "max_over_time(scrape_duration_seconds{job=\"federate\"}[$win])")"
  put scrape_duration_scrapes "$(promql "$port" "count_over_time(scrape_duration_seconds{job=\"federate\"}[$win])")"
  case "$name" in
    master) put series "$(metric_sum "http://$HOST:$port/metrics" promfed_head_series)" ;;
    prometheus) put series "$(metric_sum "http://$HOST:$port/metrics" prometheus_tsdb_head_series)" ;;
  esac

  case "$name" in
    master)
      jcmd "$pid" GC.run >/dev/null
      jcmd "$pid" GC.heap_info >"$RESULTS/master-heap-info.txt"
      put heap_live_kb "$(awk '/garbage-first heap|generation +total|PSYoungGen|ParOldGen/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } }
        END { if (s != "") print s; else print "NA" }' "$RESULTS/master-heap-info.txt")"
      jcmd "$pid" VM.flags >"$RESULTS/master-vm-flags.txt"
      put jvm_flags "$(tail -n +2 "$RESULTS/master-vm-flags.txt" | tr '\n' ' ')"
      ;;
    prometheus)
      curl -s -o /dev/null "http://$HOST:$port/debug/pprof/heap?gc=1"
      put heap_live_kb "$(metric_sum "http://$HOST:$port/metrics" go_memstats_alloc_bytes | awk '{ printf "%.0f", $1 / 1024 }')"
      ;;
  esac
  curl -s "http://$HOST:$port/metrics" >"$RESULTS/$name-metrics.txt" || true

  log "$name: stopping"
  stop_pid "$pid"
}

START=$SECONDS
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host=$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
  echo "load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command=$COMMAND"
  printf '%s\n' "targets=$TARGETS" "series=$SERIES" "interval=$INTERVAL" "fed_interval=$FED_INTERVAL" \
    "warmup=$WARMUP" "measure=$MEASURE" "masters=$MASTERS" "master_storage=$MASTER_STORAGE"
} >"$RESULTS/run.kv"
log "results in $RESULTS"
for m in $MASTERS; do run_master "$m"; done
echo "runtime_s=$((SECONDS - START))" >>"$RESULTS/run.kv"

python3 "$HERE/report.py" "$RESULTS" >"$RESULTS/report.md"
cat "$RESULTS/report.md"
log "done in $((SECONDS - START))s"
