#!/usr/bin/env bash
# Starts the suite on this machine, no Kubernetes needed: two demo-servers (:8080, :8081), a
# leaf-agent (:9091) scraping them with examples/leaf-prometheus.yml, and a master-aggregator
# (:9090) federating from the leaf with the seed's federate job (examples/master-prometheus.yml).
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.1.0-SNAPSHOT
demo_jar=demo-server/target/demo-server-$version.jar
leaf_jar=leaf-agent/target/leaf-agent-$version.jar
master_jar=master-aggregator/target/master-aggregator-$version.jar
if [ ! -f "$demo_jar" ] || [ ! -f "$leaf_jar" ] || [ ! -f "$master_jar" ] || [ "${REBUILD:-0}" = 1 ]; then
  echo "building jars (./mvnw package -DskipTests) ..."
  ./mvnw -q -B -DskipTests package
fi

# The leaf's JVM flags as shipped (README, "JVM settings"); LEAF_JAVA_OPTS overrides them.
LEAF_JAVA_OPTS=${LEAF_JAVA_OPTS:-"-XX:+UseSerialGC -Xms32m -XX:MaxNewSize=16m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:MaxRAMPercentage=70 -XX:TrimNativeHeapInterval=60000 -XX:-UsePerfData"}

run_dir=${RUN_DIR:-$(mktemp -d -t promfed-local.XXXXXX)}
pids=()
stop() {
  trap - EXIT INT TERM
  echo "stopping ..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

for port in 8080 8081; do
  java -jar "$demo_jar" --server.port=$port \
    --demo.access-log.path="$run_dir/access_log.$port" >"$run_dir/demo-$port.log" 2>&1 &
  pids+=($!)
done
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=2 java $LEAF_JAVA_OPTS -jar "$leaf_jar" --config.file=examples/leaf-prometheus.yml --server.port=9091 \
  >"$run_dir/leaf.log" 2>&1 &
pids+=($!)
MALLOC_ARENA_MAX=2 java $LEAF_JAVA_OPTS -jar "$master_jar" --config.file=examples/master-prometheus.yml --server.port=9090 \
  >"$run_dir/master.log" 2>&1 &
pids+=($!)

cat <<MSG
promfed is starting; logs in $run_dir
  demo-server   http://127.0.0.1:8080/hello   http://127.0.0.1:8081/hello
  leaf-agent    http://127.0.0.1:9091/federate?match[]={job="golang-server"}
                http://127.0.0.1:9091/api/v1/targets   http://127.0.0.1:9091/metrics
  master        http://127.0.0.1:9090/   (the built-in UI: graph, targets, overview, status)
                http://127.0.0.1:9090/api/v1/query?query=http_request_total
                http://127.0.0.1:9090/api/v1/targets   (Grafana: Prometheus data source at :9090)
Ctrl-C stops everything.
MSG
wait
