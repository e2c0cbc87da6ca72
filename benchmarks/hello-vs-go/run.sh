#!/usr/bin/env bash
# /hello throughput and latency: the seed's Go server against demo-server, same wrk parameters.
#
#   benchmarks/hello-vs-go/run.sh            # build what is missing, then measure
#   REBUILD=1 benchmarks/hello-vs-go/run.sh  # rebuild the demo-server jar first
#
# Knobs (environment): DURATION (15s), WARMUP (10s), THREADS (2), CONNECTIONS (32), ROUNDS (1),
# JAVA_PORT (18080), JAVA_OPTS, JFR=1 (records a JFR profile of the Java server during the
# measured runs; the file name is printed). The Go program listens on :8080, hard-coded, so that
# port must be free.
#
# Needs: go (Debian golang-go) with golang-github-prometheus-client-golang-dev, java 17, wrk,
# curl. Builds the Go program offline, GOPATH-style, from Debian's packaged client_golang.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
ROUNDS="${ROUNDS:-1}"
GO_PORT=8080 # main.go says ":8080"; the seed's code is kept verbatim
JAVA_PORT="${JAVA_PORT:-18080}"
# A container-like JVM: fixed heap, throughput collector (no concurrent GC threads to compete
# with Tomcat's on two cores).
JAVA_OPTS="${JAVA_OPTS:--XX:+UseParallelGC -Xms256m -Xmx256m -XX:+AlwaysPreTouch}"

for tool in go java wrk curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

work="$(mktemp -d -t hello-vs-go.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # url
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.5
  done
  echo "no answer from $1" >&2
  return 1
}

# --- build -------------------------------------------------------------------------------------
echo "== building the Go server offline (GOPATH mode, Debian's client_golang)"
mkdir -p "$work/go"
(
  cd "$here/go-hello"
  GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off \
    go build -o "$work/go/hello" main.go
)

jar="$repo/demo-server/target/demo-server-0.1.0-SNAPSHOT.jar"
if [[ "${REBUILD:-0}" == 1 || ! -f "$jar" ]]; then
  echo "== building demo-server"
  (cd "$repo" && ./mvnw -q -B -pl demo-server package -DskipTests)
fi

# --- start -------------------------------------------------------------------------------------
port_free "$GO_PORT" || { echo "port $GO_PORT is in use" >&2; exit 1; }
port_free "$JAVA_PORT" || { echo "port $JAVA_PORT is in use" >&2; exit 1; }

mkdir -p "$work/java"
(cd "$work/go" && exec ./hello >server.out 2>&1) &
pids+=($!)
jfr_opts=()
if [[ "${JFR:-0}" == 1 ]]; then
  jfr_opts=("-XX:StartFlightRecording=filename=$work/java/demo.jfr,settings=default,dumponexit=true")
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
(cd "$work/java" && exec java $JAVA_OPTS "${jfr_opts[@]}" -jar "$jar" \
  --server.port="$JAVA_PORT" --server.address=127.0.0.1 >server.out 2>&1) &
pids+=($!)

go_url="http://127.0.0.1:$GO_PORT/hello"
java_url="http://127.0.0.1:$JAVA_PORT/hello"
wait_for "$go_url"
wait_for "$java_url"

# --- measure -----------------------------------------------------------------------------------
echo "== $(date -u '+%Y-%m-%dT%H:%M:%SZ')  $(nproc) cores  load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== java: $(java -version 2>&1 | head -1); flags: $JAVA_OPTS"
echo "== go: $(go version)"
echo "== warm-up: wrk -t$THREADS -c$CONNECTIONS -d$WARMUP against each"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$go_url" >"$work/wrk-go-warmup.txt"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$java_url" >"$work/wrk-java-warmup.txt"

results=()
measure() { # name url round
  local out rps p99
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2")"
  echo "$out" >"$work/wrk-$1-$3.txt"
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  results+=("$(printf '%-5s round %s  %10s req/s  p99 %8s' "$1" "$3" "$rps" "$p99")")
  echo "${results[-1]}"
}
echo "== measured: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency <url>"
for round in $(seq 1 "$ROUNDS"); do
  measure go "$go_url" "$round"
  measure java "$java_url" "$round"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- stop --------------------------------------------------------------------------------------
cleanup # SIGTERM: the Java server drains its access log during graceful shutdown
pids=()
# wrk counts the requests it saw completed; up to CONNECTIONS more per wrk run were in flight
# when it stopped, and the server answered (and logged) those too. +1 for wait_for's curl.
completed() { awk '/requests in/ {n += $1} END {print n + 1}' "$work"/wrk-"$1"-*.txt; }
echo "== access_log lines: go $(wc -l <"$work/go/access_log") (wrk saw $(completed go) completed)," \
  "java $(wc -l <"$work/java/access_log") (wrk saw $(completed java) completed)"
echo "== results"
printf '%s\n' "${results[@]}"
if [[ "${JFR:-0}" == 1 ]]; then
  echo "== JFR recording: $work/java/demo.jfr"
else
  rm -rf "$work"
fi
