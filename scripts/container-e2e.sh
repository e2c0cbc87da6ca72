#!/usr/bin/env bash
# End to end, in containers: builds a JRE base image locally (no registry), builds the three app
# images with Jib against it (jib:buildTar), loads them into podman and runs the seed's topology
# as containers: two demo-servers, a leaf-agent scraping them, a master-aggregator federating
# from the leaf. Then sends REQUESTS requests to /hello and waits until the master's
# sum(http_request_total) says exactly that. Every container runs as the manifests in k8s/base
# declare: user 1000 group 2000, read-only root filesystem, writable paths only as volumes, their memory
# limits. Containers and their volumes are removed on exit; the images stay loaded.
#
#   scripts/container-e2e.sh                       # REQUESTS=1000 by default
#   MVN_ARGS=-o scripts/container-e2e.sh           # Maven offline (dependencies already cached)
#   SKIP_BUILD=1 scripts/container-e2e.sh          # run the images already loaded in podman
#
# Needs podman + runc + debootstrap, curl, a JDK 17+ for ./mvnw, network access to a Debian mirror
# for the first base image (later runs reuse it), and root for podman and debootstrap: run it as
# root or as a user with passwordless sudo (Maven then runs as that user, with its ~/.m2).
# Installs nothing itself. Host network: PORT_BASE (default 28000) keeps the ports clear of
# ./scripts/run-local.sh's: demo-servers on +80 and +81, master on +90, leaf on +91.
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${REQUESTS:-1000}
ready_timeout_s=${READY_TIMEOUT_S:-300}  # a Spring Boot start takes ~5 s on an idle core, minutes on a loaded one
port_base=${PORT_BASE:-28000}
demo_ports=($((port_base + 80)) $((port_base + 81)))
master_port=$((port_base + 90))
leaf_port=$((port_base + 91))
# Jib tags the images with the project version, as k8s/base deploys them.
tag=$(sed -n '/<artifactId>promfed-parent<\/artifactId>/{n;s:.*<version>\(.*\)</version>.*:\1:p;}' pom.xml)
prefix=promfed
base_image=promfed/jre-base:17
run_id=promfed-e2e-$$
work=target/container/$run_id

echo "container-e2e: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
start_s=$(date +%s.%N)
phase_s=$start_s
timings=()
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
phase_done() {
  timings+=("$(printf '%-34s %6ss' "$1" "$(elapsed "$phase_s")")")
  echo "== $1: $(elapsed "$phase_s") s"
  phase_s=$(date +%s.%N)
}
die() { echo "container-e2e: $*" >&2; exit 1; }

# --- prerequisites: say what is missing and how to get it; install nothing -----------------------
# podman (rootful store, cgroup memory limits) and debootstrap need root; Maven does not.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || die "needs root for podman and debootstrap: run as root or with passwordless sudo"
  SUDO="sudo -n"
fi
missing=()
for tool in podman runc debootstrap curl java git; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]}
  install with: apt-get install -y podman runc debootstrap curl git openjdk-17-jdk-headless"
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
[ "${java_major:-0}" -ge 17 ] 2>/dev/null || die "./mvnw needs JDK 17 or newer as 'java', found '${java_major:-none}'"
[ -n "$tag" ] || die "no <version> after <artifactId>promfed-parent</artifactId> in pom.xml"
podman_bin=$(command -v podman)
podman() { $SUDO "$podman_bin" --runtime runc "$@"; }
podman info >/dev/null 2>&1 || die "'podman --runtime runc info' fails; run it to see why"
for port in "${demo_ports[@]}" "$master_port" "$leaf_port"; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    die "port $port is in use (host network); choose another PORT_BASE"
  fi
done

containers=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ $status -ne 0 ] && [ ${#containers[@]} -gt 0 ]; then
    for c in "${containers[@]}"; do
      echo "---- last log lines of $c" >&2
      podman logs --tail 30 "$c" >&2 2>&1 || true
    done
  fi
  [ ${#containers[@]} -eq 0 ] || podman rm -f -t 10 "${containers[@]}" >/dev/null 2>&1 || true
  $SUDO rm -rf "$work"  # holds files the containers' user wrote
  echo "== total: $(elapsed "$start_s") s (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

apps=(demo-server leaf-agent master-aggregator)

build_images() {
  # 1. Base image: Debian + JRE, built locally, saved as a tar Jib can read.
  local base_tar=$PWD/target/container/jre-base.tar
  mkdir -p target/container  # as the invoking user, so a later 'mvn clean' can remove it
  $SUDO env BASE_IMAGE="$base_image" scripts/container-base-image.sh "$base_tar"
  phase_done "base image (debootstrap or cached)"

  # 2. The three images, with Jib, against that base; then into podman's store.
  ./mvnw -B -ntp -q ${MVN_ARGS:-} -pl "$(IFS=,; echo "${apps[*]}")" -am -DskipTests package jib:buildTar \
    -Djib.from.image="tar://$base_tar" -Dcontainer.image.base-name="$base_image" \
    -Djib.baseImageCache="$PWD/target/container/jib-base-cache" \
    -Dcontainer.image.revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
  phase_done "jars + jib:buildTar (3 images)"
  for app in "${apps[@]}"; do
    podman load -q -i "$app/target/jib-image.tar" >/dev/null
  done
  phase_done "podman load (3 images)"
}

[ "${SKIP_BUILD:-0}" = 1 ] || build_images
for app in "${apps[@]}"; do
  podman image exists "$prefix/$app:$tag" || die "no image $prefix/$app:$tag in podman's store"
done

# --- run the seed's topology as the manifests do --------------------------------------------------
mkdir -p "$work"
cat >"$work/leaf.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: golang-server
    static_configs:
      - targets: ['127.0.0.1:${demo_ports[0]}', '127.0.0.1:${demo_ports[1]}']
YML
cat >"$work/master.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params:
      'match[]': ['{job="golang-server"}']
    static_configs:
      - targets: ['127.0.0.1:$leaf_port']
YML
chmod 644 "$work"/*.yml

# Volumes are host directories owned by the image's user 1000:2000 (in Kubernetes: emptyDir + fsGroup).
volume() { mkdir -p "$work/$1" && $SUDO chown 1000:2000 "$work/$1" && echo "$PWD/$work/$1"; }
run() {
  local name=$1 memory=$2; shift 2
  podman run -d --name "$run_id-$name" --network=host \
    --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    --read-only --memory="$memory" --tmpfs /tmp:rw,mode=1777 \
    "$@" >/dev/null
  containers+=("$run_id-$name")
}
for i in 0 1; do
  run "demo-$i" 384m -v "$(volume "access-log-$i"):/var/log/demo" \
    "$prefix/demo-server:$tag" --server.port="${demo_ports[$i]}"
done
run leaf 1g -v "$(volume leaf-data):/var/lib/promfed" -v "$PWD/$work/leaf.yml:/etc/promfed/prometheus.yml:ro" \
  "$prefix/leaf-agent:$tag" --config.file=/etc/promfed/prometheus.yml --storage.path=/var/lib/promfed \
  --server.port="$leaf_port"
run master 1g -v "$(volume master-data):/var/lib/promfed" -v "$PWD/$work/master.yml:/etc/promfed/prometheus.yml:ro" \
  "$prefix/master-aggregator:$tag" --config.file=/etc/promfed/prometheus.yml --storage.path=/var/lib/promfed \
  --server.port="$master_port"

# Polls until the command succeeds, at most $1 seconds; the containers must keep running.
wait_for() {
  local timeout_s=$1 what=$2; shift 2
  local deadline=$(($(date +%s) + timeout_s))
  until "$@"; do
    for c in "${containers[@]}"; do
      [ "$(podman inspect -f '{{.State.Running}}' "$c")" = true ] || die "container $c exited while waiting for $what"
    done
    [ "$(date +%s)" -lt "$deadline" ] || die "timed out after ${timeout_s}s waiting for $what"
    sleep 0.5
  done
}
ready() { curl -sf -o /dev/null --max-time 2 "$1"; }
for port in "${demo_ports[@]}"; do
  wait_for "$ready_timeout_s" "demo-server :$port ready" ready "http://127.0.0.1:$port/health/readiness"
done
wait_for "$ready_timeout_s" "leaf-agent ready" ready "http://127.0.0.1:$leaf_port/-/ready"
wait_for "$ready_timeout_s" "master-aggregator ready" ready "http://127.0.0.1:$master_port/-/ready"
phase_done "4 containers started and ready"

# What the manifests promise, checked on the running containers.
for c in "${containers[@]}"; do
  user=$(podman inspect -f '{{.Config.User}}' "$c")
  read_only=$(podman inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")
  [ "$user" = 1000:2000 ] || die "$c runs as '$user', not 1000:2000 (k8s/base's runAsUser:runAsGroup)"
  [ "$read_only" = true ] || die "$c has a writable root filesystem"
done
heap_max_bytes=$(curl -s "http://127.0.0.1:${demo_ports[0]}/metrics" \
  | awk '/^jvm_memory_max_bytes\{.*area="heap"/ && $NF > 0 { sum += $NF } END { printf "%.0f", sum }')
echo "demo-server heap limit (-XX:MaxRAMPercentage) under its 384 MiB container limit: $((heap_max_bytes / 1048576)) MiB"

# --- requests at the demo-servers, counted at the master -------------------------------------------
sent=0
for i in 0 1; do
  n=$(((requests + 1 - i) / 2))  # first server takes the odd one
  [ "$n" -gt 0 ] || continue
  # curl's URL globbing: n requests over one keep-alive connection.
  curl -sf -o /dev/null "http://127.0.0.1:${demo_ports[$i]}/hello?r=[1-$n]" || die "GET /hello on :${demo_ports[$i]} failed"
  sent=$((sent + n))
done
[ "$sent" -eq "$requests" ] || die "sent $sent requests, meant $requests"
phase_done "$requests requests to /hello"

master_total() {
  curl -s --max-time 2 -G "http://127.0.0.1:$master_port/api/v1/query" \
    --data-urlencode 'query=sum(http_request_total)' \
    | sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}
deadline=$(($(date +%s) + 60))
until total=$(master_total) && [ "$total" = "$requests" ]; do
  [ "$(date +%s)" -lt "$deadline" ] \
    || die "after 60s the master's sum(http_request_total) is '${total:-no answer}', expected $requests"
  sleep 0.2
done
echo "master: sum(http_request_total) = $total"
access_log_lines=$(cat "$work"/access-log-*/access_log | wc -l)
[ "$access_log_lines" -eq "$requests" ] || die "access logs on the volumes hold $access_log_lines lines, expected $requests"
for data in leaf-data master-data; do
  [ -n "$($SUDO find "$work/$data" -type f -size +0 | head -1)" ] || die "nothing written to the storage volume $data"
done
phase_done "scrape -> federate -> master query"
echo "memory in use / container limit:"
podman stats --no-stream --format '  {{.Name}}  {{.MemUsage}}' "${containers[@]}" || true

echo "OK: $requests requests at 2 demo-server containers = sum(http_request_total) at the master container"
printf '%s\n' "${timings[@]}"
