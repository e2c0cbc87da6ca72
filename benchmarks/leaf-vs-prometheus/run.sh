#!/usr/bin/env bash
# Leaf vs Prometheus vs vmagent vs VictoriaMetrics on the same synthetic targets (issues #3, #10).
#
# One run: builds the synthetic target server (targets.go), then runs the leaf, Prometheus,
# vmagent and single-node VictoriaMetrics one after the other, each alone on the 2 cores, each
# scraping the same 20 x 5,000 series for the same time. For each it records CPU per 1,000 samples
# scraped, RSS and RSS per series, live heap after a full GC, bytes per sample stored (all but
# vmagent, which stores nothing) and (all but vmagent) /federate time and size over all series.
# Prints a markdown report; with --doc FILE it also writes it into FILE's
# "## Leaf vs Prometheus vs vmagent (issue #3)" section (replacing an earlier run's results).
#
# Usage (from the repo root):
#   benchmarks/leaf-vs-prometheus/run.sh [--doc docs/benchmarks.md]
# Knobs (environment, defaults in brackets):
#   INTERVAL [5]    scrape_interval in seconds (also the scrape_timeout)
#   WARMUP   [60]   seconds each scraper runs after all targets are up, before measuring
#   MEASURE  [180]  the measured window, seconds
#   FED_REPS [7]    timed /federate requests per encoding (median reported), after 1 untimed one
#   TARGETS [20] SERIES [5000]
#   MAX_LOAD [1.5]  wait before each scraper until the 1-minute load average is at most this...
#   LOAD_WAIT [600] ...but at most this many seconds; then go on and flag the figure
#   SCRAPERS ["leaf prometheus vmagent victoria-metrics"]
#   LEAF_JAR [leaf-agent/target/leaf-agent-0.1.0-SNAPSHOT.jar; built with ./mvnw if missing]
#   LEAF_JAVA_OPTS [the flags we ship, as scripts/run-local.sh; started with MALLOC_ARENA_MAX=2]
#   LEAF_STORAGE [0] 1: the leaf writes its write-ahead log (--storage.path in the work dir), as
#                   k8s/ and the images ship it and as Prometheus does; 0: memory only
#   LEAF_JFR        a .jfr path: record the leaf with JFR (settings=profile) over its measured
#                   window and /federate requests. Profiling perturbs the figures: use a separate run.
#   LEAF_JFR_SETTINGS [profile] JFR settings for LEAF_JFR: a name or a .jfc path (profile samples
#                   every 10 ms; a copy with jdk.ExecutionSample at 1 ms gives ten times the samples)
#   RESULTS [/tmp/leaf-vs-prometheus-<date>]  raw figures, logs and the report are kept here
#
# Network: everything listens on and talks to 127.0.0.1 only (ports 19090-19092, 19100-, 19190,
# 19429). Load is bounded: TARGETS scrape endpoints at one scrape per INTERVAL per target, and
# 2 x (1 + FED_REPS) /federate requests per scraper. All processes started here are stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

DOC=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --doc) DOC=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

INTERVAL=${INTERVAL:-5}
WARMUP=${WARMUP:-60}
MEASURE=${MEASURE:-180}
FED_REPS=${FED_REPS:-7}
TARGETS=${TARGETS:-20}
SERIES=${SERIES:-5000}
MAX_LOAD=${MAX_LOAD:-1.5}
LOAD_WAIT=${LOAD_WAIT:-600}
SCRAPERS=${SCRAPERS:-"leaf prometheus vmagent victoria-metrics"}
LEAF_JAR=${LEAF_JAR:-$ROOT/leaf-agent/target/leaf-agent-0.1.0-SNAPSHOT.jar}
# The leaf runs with the JVM flags we ship (README, "JVM settings"; same as scripts/run-local.sh
# and k8s/base/leaf-agent.yaml), not flags tuned for this benchmark.
LEAF_JAVA_OPTS=${LEAF_JAVA_OPTS:-"-XX:+UseSerialGC -Xms32m -XX:MaxNewSize=16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:MaxRAMPercentage=70 -XX:TrimNativeHeapInterval=60000 -XX:-UsePerfData"}
LEAF_STORAGE=${LEAF_STORAGE:-0}
LEAF_JFR=${LEAF_JFR:-}
LEAF_JFR_SETTINGS=${LEAF_JFR_SETTINGS:-profile}
RESULTS=${RESULTS:-/tmp/leaf-vs-prometheus-$(date +%Y%m%d-%H%M%S)}

HOST=127.0.0.1
TARGET_BASE_PORT=19100
CONTROL_PORT=19190
declare -A PORT=([leaf]=19091 [prometheus]=19090 [vmagent]=19429 [victoria-metrics]=19092)
CTL="http://$HOST:$CONTROL_PORT"
CLK_TCK=$(getconf CLK_TCK)
FED_MATCH='match[]={__name__=~".+"}'

COMMAND="INTERVAL=$INTERVAL WARMUP=$WARMUP MEASURE=$MEASURE FED_REPS=$FED_REPS TARGETS=$TARGETS SERIES=$SERIES SCRAPERS=\"$SCRAPERS\" LEAF_JAVA_OPTS=\"$LEAF_JAVA_OPTS\" LEAF_STORAGE=$LEAF_STORAGE MAX_LOAD=$MAX_LOAD LOAD_WAIT=$LOAD_WAIT${LEAF_JFR:+ LEAF_JFR=$LEAF_JFR} benchmarks/leaf-vs-prometheus/run.sh${DOC:+ --doc ${DOC#"$ROOT"/}}"

mkdir -p "$RESULTS"
WORK=$(mktemp -d /tmp/leaf-vs-prometheus-work.XXXXXX)
PIDS=()
# log, stop_pid, cpu_ticks, metric_sum, wait_for_load, start_targets, ...
source "$HERE/lib.sh"

stop_on_exit

require_free_ports "$HOST" "${PORT[@]}" "$CONTROL_PORT" $(seq "$TARGET_BASE_PORT" $((TARGET_BASE_PORT + TARGETS - 1)))
for tool in go java jcmd curl python3 $(printf '%s\n' $SCRAPERS | grep -vx leaf || true); do
  command -v "$tool" >/dev/null || { echo "missing $tool (see benchmarks/leaf-vs-prometheus/README.md)" >&2; exit 1; }
done

# ---- measurements

target_scrapes() { curl -s "$CTL/stats" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["scrapes_by_user_agent"].values()))'; }

# ---- set up: leaf jar, target server, config

if [[ " $SCRAPERS " == *" leaf "* && ! -f "$LEAF_JAR" ]]; then
  log "building the leaf (./mvnw -q -B -DskipTests package)"
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
fi

start_targets "$WORK" "$HOST" "$TARGET_BASE_PORT" "$TARGETS" "$SERIES" "$CONTROL_PORT"
write_scrape_config "$WORK/prometheus.yml" "$HOST" "$TARGET_BASE_PORT" "$TARGETS" "$INTERVAL"
cp "$WORK/prometheus.yml" "$RESULTS/prometheus.yml"

# ---- one scraper at a time

start_scraper() { # name -> sets SCRAPER_PID, writes the version
  local name=$1 port=${PORT[$1]}
  case "$name" in
    leaf)
      local storage=()
      [[ $LEAF_STORAGE == 1 ]] && storage=(--storage.path="$WORK/leaf-data")
      # shellcheck disable=SC2086
      MALLOC_ARENA_MAX=2 java $LEAF_JAVA_OPTS -jar "$LEAF_JAR" --config.file="$WORK/prometheus.yml" \
        "${storage[@]}" --server.port="$port" --server.address="$HOST" >"$RESULTS/leaf.log" 2>&1 &
      SCRAPER_PID=$!
      READY_URL="http://$HOST:$port/-/ready"
      ;;
    prometheus)
      mkdir -p "$WORK/prometheus-data"
      # The admin API only for the TSDB snapshot that measures bytes per sample stored.
      prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus-data" \
        --web.listen-address="$HOST:$port" --web.enable-admin-api >"$RESULTS/prometheus.log" 2>&1 &
      SCRAPER_PID=$!
      READY_URL="http://$HOST:$port/-/ready"
      ;;
    vmagent)
      vmagent -promscrape.config="$WORK/prometheus.yml" -httpListenAddr="$HOST:$port" \
        -remoteWrite.url="$CTL/api/v1/write" -remoteWrite.tmpDataPath="$WORK/vmagent-data" \
        >"$RESULTS/vmagent.log" 2>&1 &
      SCRAPER_PID=$!
      READY_URL="http://$HOST:$port/health"
      ;;
    victoria-metrics)
      # Single-node VictoriaMetrics scraping itself (-promscrape.config), storing on disk. Its
      # /federate refuses more than 1M series by default; the 1M-series run has 1,000,120.
      victoria-metrics -promscrape.config="$WORK/prometheus.yml" -storageDataPath="$WORK/vm-data" \
        -httpListenAddr="$HOST:$port" -search.maxFederateSeries=10000000 \
        >"$RESULTS/victoria-metrics.log" 2>&1 &
      SCRAPER_PID=$!
      READY_URL="http://$HOST:$port/health"
      ;;
  esac
  PIDS+=("$SCRAPER_PID")
}

version_of() {
  case "$1" in
    leaf) echo "leaf-agent 0.1.0-SNAPSHOT @ $(git -C "$ROOT" log -1 --format=%h -- core leaf-agent pom.xml)$(git -C "$ROOT" diff --quiet HEAD -- core leaf-agent || echo '+dirty'), $(java -version 2>&1 | head -1 | tr -d '"')" ;;
    prometheus) prometheus --version 2>&1 | head -1 | sed 's/ (branch.*//' ;;
    vmagent|victoria-metrics) echo "$1 $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null || echo '?') (Debian victoria-metrics)" ;;
  esac
}

self_metrics_url() { # the leaf moved its own metrics from /actuator/prometheus to /metrics
  case "$1" in
    leaf)
      if curl -sf -o /dev/null "http://$HOST:${PORT[leaf]}/metrics"; then
        echo "http://$HOST:${PORT[leaf]}/metrics"
      else
        echo "http://$HOST:${PORT[leaf]}/actuator/prometheus"
      fi
      ;;
    *) echo "http://$HOST:${PORT[$1]}/metrics" ;;
  esac
}

own_sample_counter() { # the scraper's own count of samples scraped (cumulative), or NA
  case "$1" in
    prometheus) metric_sum "$(self_metrics_url prometheus)" prometheus_tsdb_head_samples_appended_total ;;
    vmagent|victoria-metrics) metric_sum "$(self_metrics_url "$1")" vm_promscrape_scraped_samples_sum ;;
    leaf) metric_sum "$(self_metrics_url leaf)" promfed_scrape_samples_appended_total ;; # NA before 178203a
  esac
}

time_federate() { # name gzip(0/1) pid -> "median_seconds body_bytes cpu_ticks elapsed_s"
  local url="http://$HOST:${PORT[$1]}/federate" hdr=() i out times=() c0 c1 t0 t1
  [[ $2 == 1 ]] && hdr=(-H 'Accept-Encoding: gzip')
  curl -s -o /dev/null "${hdr[@]}" -G --data-urlencode "$FED_MATCH" "$url" # untimed warm-up
  c0=$(cpu_ticks "$3"); t0=$(date +%s.%N)
  for i in $(seq 1 "$FED_REPS"); do
    out=$(curl -s -o /dev/null "${hdr[@]}" -w '%{time_total} %{size_download}' -G --data-urlencode "$FED_MATCH" "$url")
    times+=("${out% *}")
    echo "$1 gzip=$2 rep=$i $out" >>"$RESULTS/federate.txt"
  done
  c1=$(cpu_ticks "$3"); t1=$(date +%s.%N)
  printf '%s\n' "${times[@]}" | median | tr '\n' ' '
  echo "${out#* } $((c1 - c0)) $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
}

stored_bytes() { # name: puts stored_bytes, stored_samples (and what they are) into the kv file
  local base="http://$HOST:${PORT[$1]}" snap
  case "$1" in
    leaf) # encoded XOR chunk bytes (closed and open chunks) and the samples in them
      put stored_bytes "$(metric_sum "$(self_metrics_url leaf)" promfed_head_chunk_bytes)"
      put stored_samples "$(metric_sum "$(self_metrics_url leaf)" promfed_head_chunk_samples)"
      ;;
    prometheus) # the head cut into a block by a snapshot: its chunks/ files and meta.json's numSamples
      snap=$(curl -s -XPOST "$base/api/v1/admin/tsdb/snapshot?skip_head=false" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["name"])' 2>/dev/null || true)
      if [[ -n "$snap" && -d "$WORK/prometheus-data/snapshots/$snap" ]]; then
        python3 - "$WORK/prometheus-data/snapshots/$snap" >>"$kv" <<'PY'
import glob, json, os, sys
blocks = [os.path.dirname(m) for m in glob.glob(os.path.join(sys.argv[1], "*", "meta.json"))]
size = sum(os.path.getsize(f) for b in blocks for f in glob.glob(os.path.join(b, "chunks", "*")))
index = sum(os.path.getsize(os.path.join(b, "index")) for b in blocks)
samples = sum(json.load(open(os.path.join(b, "meta.json")))["stats"]["numSamples"] for b in blocks)
print(f"stored_bytes={size}\nstored_samples={samples}\nstored_index_bytes={index}\nstored_blocks={len(blocks)}")
PY
        rm -rf "$WORK/prometheus-data/snapshots/$snap"
      else
        log "prometheus: TSDB snapshot failed"
        put stored_bytes NA; put stored_samples NA
      fi
      ;;
    victoria-metrics) # data parts after a flush of what is still in memory; indexdb apart
      curl -s -o /dev/null "$base/internal/force_flush"
      sleep 2
      put stored_bytes "$(metric_sum "$base/metrics" vm_data_size_bytes 'type="storage/')"
      put stored_samples "$(metric_sum "$base/metrics" vm_rows 'type="storage/')"
      put stored_index_bytes "$(metric_sum "$base/metrics" vm_data_size_bytes 'type="indexdb"')"
      ;;
  esac
}

run_scraper() {
  local name=$1 kv="$RESULTS/$1.kv"
  : >"$kv"
  put() { echo "$1=$2" >>"$kv"; }

  local load_state w0=$SECONDS
  load_state=$(wait_for_load)
  put load_wait_s $((SECONDS - w0))
  put load_before "$(load1)"
  put load_state "$load_state"
  put version "$(version_of "$name")"

  log "$name: starting"
  start_scraper "$name"
  local pid=$SCRAPER_PID
  wait_http "$READY_URL" 120
  local s0
  s0=$(target_scrapes)
  # All targets answered at least twice (each scraper spreads its targets over the interval).
  local deadline=$((SECONDS + 4 * INTERVAL + 30))
  until (( $(target_scrapes) - s0 >= 2 * TARGETS )); do
    (( SECONDS > deadline )) && { log "$name: targets not being scraped"; return 1; }
    sleep 1
  done
  log "$name: scraping; warming up ${WARMUP}s"
  sleep "$WARMUP"

  # --- measured window
  local load0 c0 m0 tc0 sc0 own0 t0
  # The scraper's own counter first: serving its /metrics page is not scraping work, and the CPU
  # snapshot is taken after it (the end of the window reads the CPU before the page, likewise).
  sc0=$(target_scrapes); own0=$(own_sample_counter "$name")
  read -r mb0 mt0 < <(machine_ticks)
  thread_ticks "$pid" >"$WORK/$name-threads0"
  load0=$(load1); c0=$(cpu_ticks "$pid"); tc0=$(cpu_ticks "$TARGETS_PID"); t0=$(date +%s.%N)
  if [[ $name == leaf && -n "$LEAF_JFR" ]]; then
    jcmd "$pid" JFR.start name=bench settings="$LEAF_JFR_SETTINGS" >/dev/null
  fi
  log "$name: measuring ${MEASURE}s (load $load0)"
  sleep "$MEASURE"
  local c1 tc1 sc1 own1 t1
  c1=$(cpu_ticks "$pid"); tc1=$(cpu_ticks "$TARGETS_PID")
  thread_ticks "$pid" >"$WORK/$name-threads1"
  sc1=$(target_scrapes); own1=$(own_sample_counter "$name"); t1=$(date +%s.%N)
  read -r mb1 mt1 < <(machine_ticks)
  put load_window_start "$load0"
  put load_window_end "$(load1)"
  put window_s "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
  put cpu_ticks $((c1 - c0))
  put cpu_by_thread "$(python3 "$HERE/report.py" --threads "$WORK/$name-threads0" "$WORK/$name-threads1" $((c1 - c0)))"
  put targets_cpu_ticks $((tc1 - tc0))
  put machine_busy_ticks $((mb1 - mb0))
  put machine_total_ticks $((mt1 - mt0))
  put scrapes $((sc1 - sc0))
  put own_samples "$([[ $own0 == NA || $own1 == NA ]] && echo NA || echo $((own1 - own0)))"
  put rss_kb "$(status_kb "$pid" VmRSS)"
  put hwm_kb "$(status_kb "$pid" VmHWM)"

  # --- series held (the report series up, scrape_duration_seconds, ... come on top of the targets')
  case "$name" in
    prometheus) put series "$(metric_sum "$(self_metrics_url prometheus)" prometheus_tsdb_head_series)" ;;
    leaf) put series "$(curl -s -G --data-urlencode "$FED_MATCH" "http://$HOST:${PORT[leaf]}/federate" | grep -vc '^#')" ;;
    victoria-metrics) put series "$(curl -s "http://$HOST:${PORT[$name]}/api/v1/series/count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0])' 2>/dev/null || echo NA)" ;;
    vmagent) put series "NA" ;;
  esac
  if [[ $name != vmagent ]]; then
    put up_targets "$(curl -s -G --data-urlencode 'match[]=up' "http://$HOST:${PORT[$name]}/federate" | awk '/^up\{/ && $2 == 1' | wc -l)"
    put samples_per_scrape "$(curl -s -G --data-urlencode 'match[]=scrape_samples_scraped' "http://$HOST:${PORT[$name]}/federate" | awk '/^scrape_samples_scraped/ { s += $2; n++ } END { if (n) print s / n; else print "NA" }')"
  else
    put up_targets "$(curl -s "http://$HOST:${PORT[vmagent]}/api/v1/targets" | python3 -c 'import json,sys; print(sum(t["health"] == "up" for t in json.load(sys.stdin)["data"]["activeTargets"]))' 2>/dev/null || echo NA)"
    put samples_per_scrape NA
  fi

  # --- bytes per sample stored (vmagent stores nothing)
  stored_bytes "$name"

  # --- /federate (all but vmagent, which has none), with the scraper still running
  if [[ $name != vmagent ]]; then
    log "$name: timing /federate (${FED_REPS} reps, plain and gzip)"
    local r
    put load_federate_start "$(load1)"
    r=($(time_federate "$name" 0 "$pid")); put fed_plain_s "${r[0]}"; put fed_plain_bytes "${r[1]}"
    put fed_plain_cpu_ticks "${r[2]}"; put fed_plain_elapsed_s "${r[3]}"
    r=($(time_federate "$name" 1 "$pid")); put fed_gzip_s "${r[0]}"; put fed_gzip_bytes "${r[1]}"
    put fed_gzip_cpu_ticks "${r[2]}"; put fed_gzip_elapsed_s "${r[3]}"
    put load_federate_end "$(load1)"
    put rss_after_federate_kb "$(status_kb "$pid" VmRSS)"
  fi
  if [[ $name == leaf && -n "$LEAF_JFR" ]]; then
    jcmd "$pid" JFR.dump name=bench filename="$LEAF_JFR" >/dev/null
    jcmd "$pid" JFR.stop name=bench >/dev/null
    log "leaf: JFR recording in $LEAF_JFR"
  fi

  # --- live heap after a full GC
  case "$name" in
    leaf)
      jcmd "$pid" GC.run >/dev/null
      jcmd "$pid" GC.heap_info >"$RESULTS/leaf-heap-info.txt"
      # G1 prints one "garbage-first heap ... used" line; Serial and Parallel one per generation.
      put heap_live_kb "$(awk '/garbage-first heap|generation +total|PSYoungGen|ParOldGen/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } }
        END { if (s != "") print s; else print "NA" }' "$RESULTS/leaf-heap-info.txt")"
      jcmd "$pid" VM.flags >"$RESULTS/leaf-vm-flags.txt"
      put jvm_flags "$(tail -n +2 "$RESULTS/leaf-vm-flags.txt" | tr '\n' ' ')"
      curl -s "$(self_metrics_url leaf)" >"$RESULTS/leaf-metrics.txt" || true
      put head_memory_bytes "$(metric_sum "$(self_metrics_url leaf)" promfed_head_memory_bytes)"
      ;;
    *)
      # /debug/pprof/heap?gc=1 runs a GC first; then the runtime's live heap.
      curl -s -o /dev/null "http://$HOST:${PORT[$name]}/debug/pprof/heap?gc=1"
      put heap_live_kb "$(metric_sum "$(self_metrics_url "$name")" go_memstats_alloc_bytes | awk '{ printf "%.0f", $1 / 1024 }')"
      curl -s "$(self_metrics_url "$name")" >"$RESULTS/$name-metrics.txt" || true
      ;;
  esac

  log "$name: stopping"
  stop_pid "$pid"
  put sink_bytes "$(curl -s "$CTL/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sink_bytes"])')"
}

START=$SECONDS
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host=$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
  echo "load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command=$COMMAND"
  printf '%s\n' "interval=$INTERVAL" "warmup=$WARMUP" "measure=$MEASURE" "fed_reps=$FED_REPS" "targets=$TARGETS" "series=$SERIES"
  echo "scrapers=$SCRAPERS"
} >"$RESULTS/run.kv"
log "results in $RESULTS"
for s in $SCRAPERS; do run_scraper "$s"; done
echo "runtime_s=$((SECONDS - START))" >>"$RESULTS/run.kv"
curl -s "$CTL/stats" >"$RESULTS/targets-stats.json"

python3 "$HERE/report.py" "$RESULTS" >"$RESULTS/report.md"
cat "$RESULTS/report.md"
if [[ -n "$DOC" ]]; then
  python3 "$HERE/report.py" --into "$DOC" "$RESULTS"
  log "wrote the results into $DOC"
fi
log "done in $((SECONDS - START))s"
