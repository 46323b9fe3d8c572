#!/usr/bin/env bash
# The image as users run it: its size, the time from `docker run` to the first 200 with and
# without the image's AOT cache, and the resident memory of each process in the container
# under load. The container runs with the shipped seccomp profile (io_uring) and the host's
# network, listening on 127.0.0.1 only.
#
#   bench/container.sh
#   RUNS=5 IMAGE=uring-httpd:latest bench/container.sh
#
# Environment (defaults): IMAGE=uring-httpd:latest (built from docker/Dockerfile when missing;
#   where Docker Hub is unreachable, run docker/test-fixture/stand-in-images.sh first)
#   RUNS=5 PORT=18080 METRICS_PORT=19145 LOAD_SECONDS=10
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

IMAGE=${IMAGE:-uring-httpd:latest}
RUNS=${RUNS:-5}
PORT=${PORT:-18080}
METRICS_PORT=${METRICS_PORT:-19145}
LOAD_SECONDS=${LOAD_SECONDS:-10}
need_tools curl:curl docker:docker.io
repo=$(cd "$bench_dir/.." && pwd)
name=uring-httpd-bench-$$
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
port_free "$PORT" || die "port $PORT is in use (set PORT)"
warn_if_busy

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "building $IMAGE from docker/Dockerfile"
  docker build -q -f "$repo/docker/Dockerfile" -t "$IMAGE" "$repo" >/dev/null
fi

run_args=(--name "$name" --network host --security-opt "seccomp=$repo/docker/seccomp-io_uring.json"
  -e "URING_HTTPD_LISTEN=127.0.0.1:$PORT" -e "URING_HTTPD_METRICS_LISTEN=127.0.0.1:$METRICS_PORT")
# The image's JVM options and worker options without -XX:AOTCache.
plain_java_opts="-XX:+UseSerialGC -Xms8m -XX:MaxRAMPercentage=25 -XX:TrimNativeHeapInterval=2000"
plain_workers='uring-httpd.worker-java-options=["-XX:+UseSerialGC","-Xms8m","-XX:TrimNativeHeapInterval=2000"]'

# Milliseconds from `docker run` to the first 200 of GET /. usage: first_200_ms aot|plain
first_200_ms() {
  local t0 t1
  t0=$(date +%s%N)
  if [ "$1" = aot ]; then
    docker run -d "${run_args[@]}" "$IMAGE" >/dev/null
  else
    docker run -d "${run_args[@]}" -e "JAVA_OPTS=$plain_java_opts" "$IMAGE" \
      --config /etc/uring-httpd/uring-httpd.conf --set "$plain_workers" >/dev/null
  fi
  for _ in $(seq 3000); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" = 200 ] && break
    sleep 0.01
  done
  t1=$(date +%s%N)
  docker rm -f "$name" >/dev/null
  echo $(( (t1 - t0) / 1000000 ))
}

size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
base=$(docker image inspect -f '{{.Size}}' eclipse-temurin:25-jre 2>/dev/null || echo 0)
echo "image $IMAGE: $((size / 1048576)) MiB (its base eclipse-temurin:25-jre: $((base / 1048576)) MiB)"

first_200_ms aot >/dev/null   # warm the page cache and the image's layers
aot=() plain=()
for _ in $(seq "$RUNS"); do
  aot+=("$(first_200_ms aot)")
  plain+=("$(first_200_ms plain)")
done
echo "docker run -> first 200, ms (alternating runs):"
echo "  with the AOT cache:    ${aot[*]}  median $(printf '%s\n' "${aot[@]}" | median)"
echo "  without the AOT cache: ${plain[*]}  median $(printf '%s\n' "${plain[@]}" | median)"

docker run -d "${run_args[@]}" "$IMAGE" >/dev/null
wait_http "http://127.0.0.1:$PORT/" || die "the container did not serve"
if command -v wrk >/dev/null; then
  wrk -t2 -c64 "-d${LOAD_SECONDS}s" "http://127.0.0.1:$PORT/index.html" | grep -E 'Requests/sec' || true
else
  say "wrk not installed: memory measured idle"
fi
echo "memory of each process in the container after the load (host /proc/PID/smaps_rollup):"
docker top "$name" -eo pid,args | tail -n +2 | while read -r pid args; do
  role=master
  case $args in *--worker*) role=worker ;; esac
  awk -v role="$role" -v pid="$pid" '/^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 }
    END { printf "  %-6s pid %-7s RSS %5.1f MiB  PSS %5.1f MiB\n", role, pid, rss / 1024, pss / 1024 }' "/proc/$pid/smaps_rollup"
done
