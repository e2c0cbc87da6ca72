# Shell helpers shared by benchmarks/leaf-vs-prometheus/run.sh and
# benchmarks/master-vs-prometheus/run.sh; sourced, not run. The caller sets RESULTS (log file
# directory), MAX_LOAD and LOAD_WAIT, keeps the pids it starts in PIDS and its scratch files in
# WORK (see stop_on_exit).

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" | tee -a "$RESULTS/run.log" >&2; }

stop_pid() { # pid: TERM, up to 20 s, then KILL; only processes this script started
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

require_free_ports() { # host port...: exit if any of them answers
  local host=$1 p
  shift
  for p in "$@"; do
    if (exec 3<>"/dev/tcp/$host/$p") 2>/dev/null; then
      echo "port $host:$p is in use; stop whatever listens there first" >&2
      exit 1
    fi
  done
}

# ---- measurements from /proc

cpu_ticks() { # utime+stime of a process, all threads (fields 14 and 15 of /proc/pid/stat)
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
machine_ticks() { # busy and total jiffies of the whole machine
  awk '/^cpu / { busy = $2+$3+$4+$7+$8+$9; print busy, busy+$5+$6 }' /proc/stat
}
thread_ticks() { # pid -> "tid ticks name" per live thread (names may contain spaces)
  local t
  for t in /proc/"$1"/task/*; do
    awk -v tid="${t##*/}" '{ n = $0; sub(/^[^(]*\(/, "", n); sub(/\) [^)]*$/, "", n)
      s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print tid, f[12] + f[13], n }' "$t/stat" 2>/dev/null || true
  done
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

metric_sum() { # url name [label filter regex]: sum of the samples of one metric name in a
  # Prometheus text page whose labels match the filter (all when none), or NA
  curl -s --max-time 30 "$1" | awk -v n="$2" -v f="${3:-}" 'index($0, n) == 1 {
      rest = substr($0, length(n) + 1)
      if (rest ~ /^[{ ]/ && (f == "" || rest ~ f)) { s += $NF; found = 1 } }
    END { if (found) printf "%.0f\n", s; else print "NA" }'
}

wait_for_load() {
  local waited=0 l
  l=$(load1)
  while awk -v l="$l" -v m="$MAX_LOAD" 'BEGIN { exit !(l > m) }'; do
    if (( waited >= LOAD_WAIT )); then
      log "load average still $l after ${waited}s (> $MAX_LOAD): measuring anyway, flagged"
      echo "loaded"
      return
    fi
    (( waited == 0 )) && log "1-min load $l > $MAX_LOAD (other work on this machine): waiting up to ${LOAD_WAIT}s"
    sleep 15
    waited=$((waited + 15))
    l=$(load1)
  done
  (( waited > 0 )) && log "load $l after waiting ${waited}s"
  echo "ok"
}

wait_http() { # url seconds
  local i
  for i in $(seq 1 $(($2 * 2))); do
    curl -sf -o /dev/null --max-time 2 "$1" && return 0
    sleep 0.5
  done
  log "no answer from $1 after $2 s"
  return 1
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---- the synthetic targets (targets.go, next to this file)

start_targets() { # workdir host base_port targets series control_port -> sets TARGETS_PID
  local work=$1 host=$2 base=$3 n=$4 series=$5 control=$6
  log "building the target server"
  (cd "$work" && GOFLAGS=-mod=mod go build -o "$work/targets" "$(dirname "${BASH_SOURCE[0]}")/targets.go")
  log "starting $n synthetic targets x $series series on $host:$base-$((base + n - 1))"
  "$work/targets" -host "$host" -base-port "$base" -targets "$n" -series "$series" \
    -control-port "$control" >"$RESULTS/targets.log" 2>&1 &
  TARGETS_PID=$!
  PIDS+=("$TARGETS_PID")
  wait_http "http://$host:$control/stats" 60
}

write_scrape_config() { # file host base_port targets interval: one static job "synthetic"
  local i
  {
    echo "global:"
    echo "  scrape_interval: ${5}s"
    echo "  scrape_timeout: ${5}s"
    echo "scrape_configs:"
    echo "  - job_name: synthetic"
    echo "    static_configs:"
    echo "      - targets:"
    for i in $(seq 0 $(($4 - 1))); do echo "          - $2:$(($3 + i))"; done
  } >"$1"
}

# On exit (and Ctrl-C): stops every process in PIDS, removes WORK, keeps RESULTS.
stop_on_exit() {
  trap _cleanup EXIT
  trap 'exit 130' INT TERM
}

_cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK"
  [[ $rc -ne 0 ]] && echo "run.sh failed (exit $rc); logs in $RESULTS" >&2
  exit "$rc"
}
