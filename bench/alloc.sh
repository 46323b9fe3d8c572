#!/usr/bin/env bash
# Shows what uring-httpd's event-loop threads allocate under load: the hot
# path should allocate nothing per request. Starts uring-httpd (pinned like
# bench/run.sh, with a GC log), warms it up, then records JFR (settings=profile)
# only during a DURATION-second load, and prints:
#   - bytes allocated by each loop-* thread during the load (exact, from
#     jdk.ThreadAllocationStatistics) and per request;
#   - sampled allocation weight (jdk.ObjectAllocationSample) on loop-* threads
#     with the top frames and classes;
#   - the GCs during the load (JFR and the GC log).
#
#   bench/alloc.sh                       # 1k.bin, wrk -t1 -c64, 20 s
#   LOAD=h2load SIZE=16k bench/alloc.sh
#
# Environment (defaults): SIZE=1k  LOAD=wrk (or h2load)  DURATION=20 (s)  WARMUP=5s
#   LOOP_PREFIX=loop-  TOP=15  and ENGINE URING_SET URING_JAVA_OPTS JAR URING_PORT SERVER_CPU CLIENT_CPU OUT
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

SIZE=${SIZE:-1k}
LOAD=${LOAD:-wrk}
DURATION=${DURATION:-20}; DURATION=${DURATION%s}
WARMUP=${WARMUP:-5s}
LOOP_PREFIX=${LOOP_PREFIX:-loop-}
TOP=${TOP:-15}
case $DURATION in ''|*[!0-9]*|0) die "DURATION must be a whole number of seconds" ;; esac
case $LOAD in wrk|h2load) ;; *) die "LOAD must be wrk or h2load" ;; esac
size_bytes "$SIZE" >/dev/null

check_cpus
need_tools curl:curl taskset:util-linux wrk:wrk h2load:nghttp2-client
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package (or run ./uring-httpd --version once), or set JAR"
find_jdk25
jcmd=$JAVA_HOME_25/bin/jcmd
jfr=$JAVA_HOME_25/bin/jfr
if [ ! -x "$jcmd" ] || [ ! -x "$jfr" ]; then die "$JAVA_HOME_25 has no jcmd/jfr: a full JDK is needed, not a JRE"; fi

warn_if_busy
OUT=${OUT:-$bench_dir/out/alloc-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
root=$work/www
URING_PID=""
cleanup() {
  local rc=$?
  stop_uring
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_docroot "$root"
start_uring "$root" "$work" "$OUT/uring-httpd.log" "-Xlog:gc*:file=$OUT/gc.log:uptime,level,tags"
url="http://127.0.0.1:$URING_PORT/$SIZE.bin"
check_body "$url" "$(size_bytes "$SIZE")"

client() { # client SECONDS
  if [ "$LOAD" = wrk ]; then
    taskset -c "$CLIENT_CPU" wrk -t1 -c64 "-d$1s" --latency "$url"
  else
    taskset -c "$CLIENT_CPU" h2load --h1 -c64 -m16 -t1 -D "$1" "$url"
  fi
}

say "== warm-up: $LOAD for $WARMUP (not recorded)"
client "${WARMUP%s}" > "$OUT/warmup.txt" 2>&1 || say "warning: warm-up client exited with $?"

say "== recording: JFR settings=profile during $LOAD for $DURATION s"
gc_before=$(grep -c 'Pause' "$OUT/gc.log" 2>/dev/null || true)
"$jcmd" "$URING_PID" JFR.start name=alloc settings=profile "filename=$OUT/alloc.jfr" > "$OUT/jcmd-start.txt" 2>&1 \
  || { cat "$OUT/jcmd-start.txt" >&2; die "jcmd JFR.start failed"; }
client "$DURATION" > "$OUT/client.txt" 2>&1 || say "warning: client exited with $?"
"$jcmd" "$URING_PID" JFR.stop name=alloc > "$OUT/jcmd-stop.txt" 2>&1 \
  || { cat "$OUT/jcmd-stop.txt" >&2; die "jcmd JFR.stop failed"; }
gc_after=$(grep -c 'Pause' "$OUT/gc.log" 2>/dev/null || true)
kill -0 "$URING_PID" 2>/dev/null || { tail -n 30 "$OUT/uring-httpd.log" >&2; die "uring-httpd died during the load"; }

if [ "$LOAD" = wrk ]; then parsed=$(parse_wrk < "$OUT/client.txt"); else parsed=$(parse_h2load < "$OUT/client.txt"); fi
read -r requests rps _ errors <<< "$parsed"
printf '%s %s.bin: %s requests in %s s (%.0f req/s), %s errors\n' "$LOAD" "$SIZE" "$requests" "$DURATION" "$rps" "$errors"
echo "GC pauses logged during the recording: $(( ${gc_after:-0} - ${gc_before:-0} )) (log: $OUT/gc.log)"
echo

"$jfr" summary "$OUT/alloc.jfr" > "$OUT/jfr-summary.txt"
sed -n '2,5p' "$OUT/jfr-summary.txt"
grep -E 'jdk\.(ObjectAllocationSample|ThreadAllocationStatistics|GarbageCollection|ExecutionSample) ' "$OUT/jfr-summary.txt" || true
echo

"$JAVA_HOME_25/bin/java" "$bench_dir/JfrAlloc.java" "$OUT/alloc.jfr" "$LOOP_PREFIX" "$requests" "$TOP" | tee "$OUT/alloc-report.txt"
# The same samples as JFR's own views see them (all threads).
"$jfr" view --width 160 allocation-by-site "$OUT/alloc.jfr" > "$OUT/allocation-by-site.txt" 2>&1 || true
"$jfr" view --width 160 allocation-by-thread "$OUT/alloc.jfr" > "$OUT/allocation-by-thread.txt" 2>&1 || true
echo
echo "recording: $OUT/alloc.jfr (jfr print --events jdk.ObjectAllocationSample $OUT/alloc.jfr)"
echo "views: $OUT/allocation-by-site.txt $OUT/allocation-by-thread.txt"
