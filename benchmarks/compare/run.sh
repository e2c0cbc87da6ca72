#!/usr/bin/env bash
# Issue #10: one command for every "ours / theirs" figure, and one table of ratios.
#
# Runs, in turn (each optional, see STEPS):
#   scrape100k  leaf vs Prometheus 2.42 vs vmagent vs VictoriaMetrics scraping 20 x 5,000 series
#               (benchmarks/leaf-vs-prometheus/run.sh): CPU per 1,000 samples, RSS per series,
#               bytes per sample stored, /federate time per 10,000 series
#   scrape1m    the same at 20 x 50,000 series (1M)
#   federation  our master-aggregator vs Prometheus as the master, federating one leaf
#               (benchmarks/master-vs-prometheus/run.sh)
#   dashboard   PromqlDashboardBenchmarkIT: dashboard query latency, leaf vs Prometheus
#   hello       demo-server /hello vs the Go original (benchmarks/hello-vs-go/run.sh)
# then prints one markdown table of ratios with the issue's targets. With --doc FILE it also
# writes the report into FILE's "## Ours vs Prometheus vs VictoriaMetrics (issue #10)" section.
#
# Usage (from the repo root):
#   benchmarks/compare/run.sh [--doc docs/benchmarks.md]
# Knobs (environment, defaults in brackets):
#   STEPS ["scrape100k scrape1m federation dashboard hello"]
#   INTERVAL [5] WARMUP [60] MEASURE [180] MAX_LOAD [1.5] LOAD_WAIT [600]  for the scrape and
#                 federation steps (see their run.sh)
#   T100K [20] S100K [5000]   targets x series per target of scrape100k (and of federation)
#   T1M [20] S1M [50000]      ... of scrape1m
#   FED_REPS [7] FED_REPS_1M [3]  timed /federate requests per encoding at 100k / at 1M
#   SCRAPERS ["leaf prometheus vmagent victoria-metrics"]
#   LEAF_STORAGE [1] MASTER_STORAGE [1]  ours writes its WAL, as shipped (k8s/base, the images)
#   FED_INTERVAL [10]         the masters' federate interval
#   DASH_TARGETS [1000] DASH_RUNS [9]  PromqlDashboardBenchmarkIT: 100 series per target
#   HELLO_ROUNDS [3] HELLO_DURATION [15s] HELLO_WARMUP [10s]
#   MVN_ARGS ["-B -q"]        for the dashboard step's ./mvnw (add -o offline)
#   OUT [/tmp/compare-<date>] every step's results, logs and the report
#
# Network: 127.0.0.1 only (the steps' ports: 19090-19094, 19100-, 19190, 19429, 8080, 18080 and
# the dashboard IT's ephemeral ports). Every step bounds its load and stops what it started.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DOC=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --doc) DOC=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,38p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

STEPS=${STEPS:-"scrape100k scrape1m federation dashboard hello"}
export INTERVAL=${INTERVAL:-5} WARMUP=${WARMUP:-60} MEASURE=${MEASURE:-180}
export MAX_LOAD=${MAX_LOAD:-1.5} LOAD_WAIT=${LOAD_WAIT:-600}
T100K=${T100K:-20} S100K=${S100K:-5000} T1M=${T1M:-20} S1M=${S1M:-50000}
FED_REPS=${FED_REPS:-7} FED_REPS_1M=${FED_REPS_1M:-3}
SCRAPERS=${SCRAPERS:-"leaf prometheus vmagent victoria-metrics"}
LEAF_STORAGE=${LEAF_STORAGE:-1} MASTER_STORAGE=${MASTER_STORAGE:-1}
FED_INTERVAL=${FED_INTERVAL:-10}
DASH_TARGETS=${DASH_TARGETS:-1000} DASH_RUNS=${DASH_RUNS:-9}
HELLO_ROUNDS=${HELLO_ROUNDS:-3} HELLO_DURATION=${HELLO_DURATION:-15s} HELLO_WARMUP=${HELLO_WARMUP:-10s}
MVN_ARGS=${MVN_ARGS:-"-B -q"}
OUT=${OUT:-/tmp/compare-$(date +%Y%m%d-%H%M%S)}

mkdir -p "$OUT"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }

# A rough duration, from the knobs, for a quiet machine (no waiting for the load to drop): per
# scraper or master its windows plus start, checks and stop (~15 s, ~35 s at 100k series) and the
# /federate requests (~6 s each at 1M series, plain and gzip); calibrated on small runs here and
# on the issue #3 run (15 min 53 s for 3 scrapers at 100k with a 90 s warm-up).
secs() { local v=${1%s}; echo "${v%%.*}"; }
overhead() { # total series, timed /federate requests per encoding -> seconds per scraper
  local n=$1 small
  small=$(( n >= 100000 ? 20 : 20 * n / 100000 ))
  echo $((15 + small + 2 * (1 + $2) * 6 * n / 1000000))
}
estimate() {
  local n_scr total=0 s
  n_scr=$(wc -w <<<"$SCRAPERS")
  for s in $STEPS; do
    case "$s" in
      scrape100k) total=$((total + 10 + n_scr * (WARMUP + MEASURE + $(overhead $((T100K * S100K)) "$FED_REPS")))) ;;
      scrape1m) total=$((total + 10 + n_scr * (WARMUP + MEASURE + $(overhead $((T1M * S1M)) "$FED_REPS_1M")))) ;;
      federation) total=$((total + 20 + 2 * (WARMUP + MEASURE + $(overhead $((T100K * S100K)) 0) + 10))) ;;
      dashboard) total=$((total + 30 + DASH_TARGETS * DASH_RUNS / 100)) ;;
      hello) total=$((total + 5 + 2 * $(secs "$HELLO_WARMUP") + 2 * HELLO_ROUNDS * $(secs "$HELLO_DURATION"))) ;;
    esac
  done
  echo "$total"
}

{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host=$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
  echo "load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "steps=$STEPS"
  echo "commit=$(git -C "$ROOT" log -1 --format=%h)$(git -C "$ROOT" diff --quiet HEAD -- core leaf-agent master-aggregator demo-server benchmarks || echo '+dirty')"
  echo "command=STEPS=\"$STEPS\" INTERVAL=$INTERVAL WARMUP=$WARMUP MEASURE=$MEASURE MAX_LOAD=$MAX_LOAD LOAD_WAIT=$LOAD_WAIT T100K=$T100K S100K=$S100K T1M=$T1M S1M=$S1M FED_REPS=$FED_REPS FED_REPS_1M=$FED_REPS_1M SCRAPERS=\"$SCRAPERS\" LEAF_STORAGE=$LEAF_STORAGE MASTER_STORAGE=$MASTER_STORAGE FED_INTERVAL=$FED_INTERVAL DASH_TARGETS=$DASH_TARGETS DASH_RUNS=$DASH_RUNS HELLO_ROUNDS=$HELLO_ROUNDS HELLO_DURATION=$HELLO_DURATION HELLO_WARMUP=$HELLO_WARMUP benchmarks/compare/run.sh${DOC:+ --doc ${DOC#"$ROOT"/}}"
} >"$OUT/run.kv"
EST=$(estimate)
log "results in $OUT; steps: $STEPS; expected about $((EST / 60)) min on a quiet machine (more if it waits for the load to drop)"

# Jars: the steps build what is missing themselves, but one build up front keeps them apart.
for jar in leaf-agent/target/leaf-agent-0.1.0-SNAPSHOT.jar master-aggregator/target/master-aggregator-0.1.0-SNAPSHOT.jar \
  demo-server/target/demo-server-0.1.0-SNAPSHOT.jar; do
  if [[ ! -f "$ROOT/$jar" ]]; then
    log "building the jars (./mvnw $MVN_ARGS -DskipTests package)"
    # shellcheck disable=SC2086
    (cd "$ROOT" && ./mvnw $MVN_ARGS -DskipTests package) || { log "build failed"; exit 1; }
    break
  fi
done

run_step() { # name: runs one step, its output in OUT/<name>.log; records ok/failed and seconds
  local name=$1 t0=$SECONDS rc
  log "step $name: starting"
  case "$name" in
    scrape100k)
      TARGETS=$T100K SERIES=$S100K FED_REPS=$FED_REPS SCRAPERS=$SCRAPERS LEAF_STORAGE=$LEAF_STORAGE \
        RESULTS="$OUT/scrape100k" "$ROOT/benchmarks/leaf-vs-prometheus/run.sh" >"$OUT/scrape100k.log" 2>&1 ;;
    scrape1m)
      TARGETS=$T1M SERIES=$S1M FED_REPS=$FED_REPS_1M SCRAPERS=$SCRAPERS LEAF_STORAGE=$LEAF_STORAGE \
        RESULTS="$OUT/scrape1m" "$ROOT/benchmarks/leaf-vs-prometheus/run.sh" >"$OUT/scrape1m.log" 2>&1 ;;
    federation)
      TARGETS=$T100K SERIES=$S100K FED_INTERVAL=$FED_INTERVAL MASTER_STORAGE=$MASTER_STORAGE \
        RESULTS="$OUT/federation" "$ROOT/benchmarks/master-vs-prometheus/run.sh" >"$OUT/federation.log" 2>&1 ;;
    dashboard)
      mkdir -p "$OUT/dashboard"
      rm -f "$ROOT/leaf-agent/target/promql-benchmark.md"
      # shellcheck disable=SC2086
      (cd "$ROOT" && ./mvnw $MVN_ARGS -pl core,leaf-agent verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
        -Dit.test=PromqlDashboardBenchmarkIT -Dfailsafe.failIfNoSpecifiedTests=false \
        -Dpromql.bench=true -Dpromql.bench.targets="$DASH_TARGETS" -Dpromql.bench.runs="$DASH_RUNS") \
        >"$OUT/dashboard.log" 2>&1 &&
        cp "$ROOT/leaf-agent/target/promql-benchmark.md" "$OUT/dashboard/promql-benchmark.md" ;;
    hello)
      ROUNDS=$HELLO_ROUNDS DURATION=$HELLO_DURATION WARMUP=$HELLO_WARMUP \
        "$ROOT/benchmarks/hello-vs-go/run.sh" >"$OUT/hello.log" 2>&1 ;;
    *) log "unknown step $name"; return 1 ;;
  esac
  rc=$?
  echo "$name=$([[ $rc == 0 ]] && echo ok || echo "failed (exit $rc, see $OUT/$name.log)") $((SECONDS - t0))" >>"$OUT/steps.kv"
  if [[ $rc == 0 ]]; then log "step $name: done in $((SECONDS - t0))s"; else log "step $name: FAILED (exit $rc), going on"; fi
}

START=$SECONDS
: >"$OUT/steps.kv"
for step in $STEPS; do run_step "$step"; done
echo "runtime_s=$((SECONDS - START))" >>"$OUT/run.kv"

python3 "$HERE/report.py" "$OUT" >"$OUT/report.md"
cat "$OUT/report.md"
if [[ -n "$DOC" ]]; then
  python3 "$HERE/report.py" --into "$DOC" "$OUT"
  log "wrote the report into $DOC"
fi
log "done in $((SECONDS - START))s (estimated $EST s)"
