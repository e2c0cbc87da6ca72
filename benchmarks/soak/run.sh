#!/usr/bin/env bash
# A bounded soak of the leaf (issue #9): 100,000 active series scraped for about 10 minutes while
# dashboard queries and full /federate requests run steadily, with the JVM flags we ship, a heap
# cap and the write-ahead log on. Every minute it samples the leaf's heap, RSS, series count and
# failure counters; at the end it checks that the heap stayed under its cap, no series was lost
# (the head holds every target series all along) and no scrape, query or /federate failed.
#
# Usage (from the repo root):   benchmarks/soak/run.sh
# Knobs (environment, defaults in brackets):
#   DURATION [600] seconds of soak     TARGETS [20] SERIES [5000] per target
#   INTERVAL [15]  scrape interval     XMX [512m] the leaf's heap cap
# Network: 127.0.0.1 only (ports 19190, 19429-19449). Load is bounded: TARGETS scrapes per
# INTERVAL, one round of 4 queries plus one /federate per 15 s. Everything started is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DURATION=${DURATION:-600}
TARGETS=${TARGETS:-20}
SERIES=${SERIES:-5000}
INTERVAL=${INTERVAL:-15}
XMX=${XMX:-512m}
LEAF_JAR=${LEAF_JAR:-$ROOT/leaf-agent/target/leaf-agent-0.1.0-SNAPSHOT.jar}
# The shipped flags (README, "JVM settings") plus an explicit cap: the bound the soak checks.
JAVA_OPTS="-XX:+UseSerialGC -Xms32m -XX:MaxNewSize=16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=60000 -XX:-UsePerfData -Xmx$XMX -XX:+ExitOnOutOfMemoryError"
HOST=127.0.0.1
PORT=19190
TARGET_BASE_PORT=19430
CONTROL_PORT=19429
WORK=$(mktemp -d -t promfed-soak.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
for tool in go java jcmd curl python3; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }; done
[ -f "$LEAF_JAR" ] || (cd "$ROOT" && ./mvnw -q -B -DskipTests -pl core,leaf-agent package)

(cd "$WORK" && GOFLAGS=-mod=mod go build -o "$WORK/targets" "$ROOT/benchmarks/leaf-vs-prometheus/targets.go")
"$WORK/targets" -host "$HOST" -base-port "$TARGET_BASE_PORT" -targets "$TARGETS" -series "$SERIES" \
  -control-port "$CONTROL_PORT" >"$WORK/targets.log" 2>&1 &
PIDS+=($!)
{
  echo "global: {scrape_interval: ${INTERVAL}s, scrape_timeout: 10s, evaluation_interval: 15s}"
  echo "rule_files: ['$WORK/rules.yml']"
  echo "scrape_configs:"
  echo "  - job_name: synthetic"
  echo "    static_configs:"
  echo "      - targets:"
  for i in $(seq 0 $((TARGETS - 1))); do echo "          - $HOST:$((TARGET_BASE_PORT + i))"; done
} >"$WORK/prometheus.yml"
cat >"$WORK/rules.yml" <<'RULES'
groups:
  - name: soak
    rules:
      - record: job:synthetic_series:count
        expr: count by (job) ({job="synthetic",__name__!~"up|scrape_.*|job:.*"})
RULES
MALLOC_ARENA_MAX=2 java $JAVA_OPTS -jar "$LEAF_JAR" --config.file="$WORK/prometheus.yml" \
  --storage.path="$WORK/data" --server.port=$PORT --server.address=$HOST >"$WORK/leaf.log" 2>&1 &
LEAF=$!
PIDS+=($LEAF)
BASE="http://$HOST:$PORT"
until curl -sf "$BASE/-/ready" >/dev/null; do sleep 1; kill -0 $LEAF || { cat "$WORK/leaf.log"; exit 1; }; done
EXPECTED=$((TARGETS * SERIES))
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m {print $2}' | head -1; }
query() { curl -s -G --data-urlencode "query=$1" "$BASE/api/v1/query" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["data"]["result"][0]["value"][1] if r["status"]=="success" and r["data"]["result"] else "none")'; }
log "waiting until all $EXPECTED target series are in the head"
deadline=$((SECONDS + 180))
until [ "$(query 'count({job="synthetic",__name__!~"up|scrape_.*|job:.*"})')" = "$EXPECTED" ]; do
  (( SECONDS < deadline )) || { log "only $(query 'count({job="synthetic",__name__!~"up|scrape_.*|job:.*"})') series after 180 s"; exit 1; }
  sleep 2
done

SAMPLES="$WORK/samples.tsv"
echo -e "t_s\theap_used_mib\theap_committed_mib\trss_mib\ttarget_series\tscrapes_failed\tquery_errors\tfederate_errors\tfederated_series" >"$SAMPLES"
errors_q=0; errors_f=0; fed_series=0; min_series=$EXPECTED; max_heap=0; max_rss=0
start=$SECONDS; next_sample=0
log "soaking for $DURATION s: queries and /federate every 15 s, a sample every 60 s"
while (( SECONDS - start < DURATION )); do
  for q in 'sum(rate({job="synthetic",__name__=~"node_cpu_seconds_total|http_requests_total"}[1m]))' 'topk(10, {job="synthetic",__name__=~"node_cpu_seconds_total|http_requests_total"})' 'job:synthetic_series:count'; do
    if [ "$(query "$q")" = none ]; then errors_q=$((errors_q + 1)); log "query without result: $q"; fi
  done
  now=$(date +%s)
  curl -sf -G --data-urlencode "query=sum(rate({job=\"synthetic\",__name__=~\"node_cpu_seconds_total|http_requests_total\"}[1m]))" \
    --data-urlencode "start=$((now - 3600))" --data-urlencode "end=$now" --data-urlencode "step=15" \
    "$BASE/api/v1/query_range" >/dev/null || errors_q=$((errors_q + 1))
  if fed=$(curl -sf --compressed -G --data-urlencode 'match[]={job="synthetic"}' "$BASE/federate" | grep -vc '^#'); then
    fed_series=$fed
  else
    errors_f=$((errors_f + 1))
  fi
  if (( SECONDS - start >= next_sample )); then
    next_sample=$((next_sample + 60))
    heap=$(jcmd $LEAF GC.heap_info | python3 -c '
import re,sys
t=sys.stdin.read()
# Every generation (Serial: def new + tenured; G1: one line): total and used, in KiB.
gens=re.findall(r"generation\s+total (\d+)K, used (\d+)K", t) or re.findall(r"total (\d+)K, used (\d+)K", t)[:1]
print(sum(int(u) for _, u in gens)//1024, sum(int(c) for c, _ in gens)//1024)')
    used=${heap% *}; committed=${heap#* }
    rss=$(( $(awk '/VmRSS/ {print $2}' /proc/$LEAF/status) / 1024 ))
    series=$(query 'count({job="synthetic",__name__!~"up|scrape_.*|job:.*"})')
    failed=$(metric promfed_scrapes_failed_total)
    echo -e "$((SECONDS - start))\t$used\t$committed\t$rss\t$series\t$failed\t$errors_q\t$errors_f\t$fed_series" >>"$SAMPLES"
    (( used > max_heap )) && max_heap=$used
    (( rss > max_rss )) && max_rss=$rss
    [ "$series" != "$EXPECTED" ] && min_series=$series
    log "t=$((SECONDS - start))s heap ${used}/${committed} MiB, RSS ${rss} MiB, series $series, scrape failures $failed, query errors $errors_q, /federate errors $errors_f ($fed_series series)"
  fi
  sleep 15
done
kill -0 $LEAF || { log "the leaf died"; tail -50 "$WORK/leaf.log"; exit 1; }
scrapes=$(metric promfed_scrapes_total); failed=$(metric promfed_scrapes_failed_total)
appended=$(metric promfed_scrape_samples_appended_total)
wal_fail=$(metric promfed_wal_writes_failed_total)
cap_mib=$(java $JAVA_OPTS -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxHeapSize" {print int($4/1048576)}')
ok=yes
(( max_heap <= cap_mib )) || ok=no
[ "$min_series" = "$EXPECTED" ] || ok=no
[ "${failed%.*}" = 0 ] || ok=no
(( errors_q == 0 && errors_f == 0 )) || ok=no
[ "${wal_fail%.*}" = 0 ] || ok=no
cat <<REPORT
## Soak: 100,000 series for $((DURATION / 60)) minutes (issue #9)

- **Run:** $(date -u +%Y-%m-%dT%H:%MZ), leaf-agent @ $(git -C "$ROOT" log -1 --format=%h), $(java -version 2>&1 | head -1 | tr -d '"'); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)
- **Command:** \`DURATION=$DURATION TARGETS=$TARGETS SERIES=$SERIES INTERVAL=$INTERVAL XMX=$XMX benchmarks/soak/run.sh\`
- **Setup:** $TARGETS synthetic targets x $SERIES series, scrape interval ${INTERVAL}s, one recording rule,
  WAL on (\`--storage.path\`), the shipped JVM flags with \`-Xmx$XMX\` (cap $cap_mib MiB); every 15 s three
  instant queries, a 1 h \`query_range\` and a full \`/federate\` of the $EXPECTED target series (gzip).
- **Result: $( [ $ok = yes ] && echo "passed" || echo "FAILED")** -- heap used at most $max_heap MiB of $cap_mib MiB; RSS at most $max_rss MiB;
  target series in the head $EXPECTED at every sample ($( [ "$min_series" = "$EXPECTED" ] && echo "none lost" || echo "LOST: $min_series")); scrapes $scrapes, failed $failed;
  samples appended $appended; WAL write failures $wal_fail; query errors $errors_q; /federate errors $errors_f
  (last /federate: $fed_series series).

| t (s) | heap used MiB | heap committed MiB | RSS MiB | target series | scrapes failed | query errors | /federate errors | /federate series |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(tail -n +2 "$SAMPLES" | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1,$2,$3,$4,$5,$6,$7,$8,$9}')
REPORT
[ $ok = yes ]
