#!/usr/bin/env bash
# Resident memory of the whole server as users start it: `java -jar uring-httpd.jar --config
# config/uring-httpd.conf` (the shipped config) with 2 workers, under wrk -t2 -c64 on 1k.bin:
# halfway through the measured run, RSS and PSS of the master and each worker from /proc/PID/smaps_rollup (PSS splits a
# page shared by N processes N ways: the JVM's library and the CDS archive count once across the
# three JVMs), next to nginx with 2 worker processes under the same load.
#
#   bench/footprint.sh
#   JAVA_OPTS="-XX:+UseSerialGC" bench/footprint.sh     # options for the master (java $JAVA_OPTS -jar ...)
#
# Environment (defaults): DURATION=10s WARMUP=5s WORKERS=2 ENGINE (the config's: auto)
#   JAVA_OPTS   JVM options before -jar (none: plain java -jar)
#   WORKER_JAVA_OPTIONS, MASTER_JAVA_OPTIONS   HOCON lists for uring-httpd.worker-java-options and
#               master-java-options (unset: the config's)
#   SERVERS="nginx uring-httpd"   JAR NGINX_PORT URING_PORT OUT   as in bench/run.sh
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

DURATION=${DURATION:-10s}
case $DURATION in *[0-9]s) ;; *) die "DURATION must look like 10s" ;; esac
WARMUP=${WARMUP:-5s}
WORKERS=${WORKERS:-2}
SERVERS=${SERVERS:-nginx uring-httpd}; SERVERS=${SERVERS//,/ }
need_tools curl:curl wrk:wrk nginx:nginx
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
find_jdk25

OUT=${OUT:-$bench_dir/out/footprint-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
bench_setup

# Warm-up, then the measured run; the memory is sampled halfway through it (under load).
# usage: load PORT NAME SAMPLER...   (SAMPLER runs once, halfway)
load() {
  local port=$1 name=$2 wrk_pid seconds; shift 2
  wrk -t2 -c64 -d"$WARMUP" "http://127.0.0.1:$port/1k.bin" > /dev/null
  wrk -t2 -c64 -d"$DURATION" "http://127.0.0.1:$port/1k.bin" > "$OUT/wrk-$name.txt" &
  wrk_pid=$!
  seconds=${DURATION%s}
  sleep $((seconds / 2))
  "$@"
  wait "$wrk_pid"
}

sample_nginx() {
  local m w
  m=$(nginx_master_pid)
  memory_of "nginx master" "$m" >> "$report"
  for w in $(pgrep -P "$m"); do memory_of "nginx worker" "$w" >> "$report"; done
}

sample_uring() {
  local w
  memory_of "uring-httpd master" "$upid" >> "$report"
  for w in $(pgrep -P "$upid"); do memory_of "uring-httpd worker" "$w" >> "$report"; done
}

report=$OUT/memory.txt
: > "$report"
case " $SERVERS " in *" nginx "*)
  port_free "$NGINX_PORT" || die "port $NGINX_PORT is already in use (set NGINX_PORT)"
  bash "$NGINX_ANCHOR" start "$root" "$NGINX_PORT" "$WORKERS" >&2
  wait_http "http://127.0.0.1:$NGINX_PORT/1k.bin" || die "nginx did not answer on port $NGINX_PORT"
  load "$NGINX_PORT" nginx sample_nginx
  bash "$NGINX_ANCHOR" stop "$NGINX_PORT" >/dev/null 2>&1 || true
esac

case " $SERVERS " in *" uring-httpd "*)
  port_free "$URING_PORT" || die "port $URING_PORT is already in use (set URING_PORT)"
  metrics_port=$((URING_PORT + 1000))
  read -r -a jopts <<< "${JAVA_OPTS:-}"
  sets=(--set "uring-httpd.listen=[\"127.0.0.1:$URING_PORT\"]" --set "uring-httpd.root=\"$root\""
        --set "uring-httpd.workers=$WORKERS" --set "uring-httpd.pid-file=\"$work/uring-httpd.pid\""
        --set "uring-httpd.access-log.path=\"$work/access.log\""
        --set "uring-httpd.metrics.listen=\"127.0.0.1:$metrics_port\"")
  [ -n "${ENGINE:-}" ] && sets+=(--set "uring-httpd.engine=$ENGINE")
  [ -n "${WORKER_JAVA_OPTIONS:-}" ] && sets+=(--set "uring-httpd.worker-java-options=$WORKER_JAVA_OPTIONS")
  [ -n "${MASTER_JAVA_OPTIONS:-}" ] && sets+=(--set "uring-httpd.master-java-options=$MASTER_JAVA_OPTIONS")
  cmd=("$JAVA_HOME_25/bin/java" ${jopts[@]+"${jopts[@]}"} -jar "$JAR" --config "$repo_dir/config/uring-httpd.conf" "${sets[@]}")
  say "starting: ${cmd[*]}"
  start_server() {
    # env -u: the variable is the master's options here, not the launcher's.
    env -u JAVA_OPTS "${cmd[@]}" > "$OUT/uring-httpd-$1.log" 2>&1 &
    upid=$!
    STOP_PIDS=("$upid")
    wait_http "http://127.0.0.1:$URING_PORT/1k.bin" "$upid" || { tail -n 30 "$OUT/uring-httpd-$1.log" >&2; die "uring-httpd did not start"; }
  }
  # Started and stopped once first, as by a user's second start on: the workers' JVMs write their
  # class archive (worker-class-archive) as they exit, and the next master and workers map it.
  start_server first
  stop_pid "$upid"
  start_server measured
  archive=$(tr '\0' '\n' < "/proc/$(pgrep -P "$upid" | head -n 1)/cmdline" | grep -m1 -- '-XX:SharedArchiveFile=' || true)
  say "workers' class archive: ${archive:-none}"
  load "$URING_PORT" uring-httpd sample_uring
  echo "master command line: $(tr '\0' ' ' < "/proc/$upid/cmdline")" > "$OUT/cmdline.txt"
  stop_pid "$upid"; STOP_PIDS=()
esac

echo "| process | pid | RSS MiB | PSS MiB |"
echo "|---|---:|---:|---:|"
awk '{ pid = $(NF-2); rss = $(NF-1); pss = $NF; $(NF-2) = ""; $(NF-1) = ""; $NF = ""; sub(/ +$/, "");
       printf "| %s | %s | %.1f | %.1f |\n", $0, pid, rss / 1024, pss / 1024; total[$1] += pss }
     END { for (s in total) printf "| %s, all processes | | | %.1f |\n", s, total[s] / 1024 }' "$report"
echo
echo "Command: \`JAVA_OPTS='${JAVA_OPTS:-}' DURATION=$DURATION WORKERS=$WORKERS bench/footprint.sh\` at $(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo '?'); raw: $OUT"
[ -f "$OUT/cmdline.txt" ] && cat "$OUT/cmdline.txt"
