#!/usr/bin/env bash
# Shows what uring-httpd's event-loop threads allocate under load, for each
# engine in ENGINE: the hot path should allocate nothing per request. For each
# engine in turn: starts uring-httpd (pinned like bench/run.sh, with a GC log),
# warms it up, then records JFR (settings=profile) only during a
# DURATION-second load, prints:
#   - bytes allocated by each loop-* thread during the load (exact, from
#     jdk.ThreadAllocationStatistics) and per request;
#   - sampled allocation weight (jdk.ObjectAllocationSample) on loop-* threads
#     with the top frames and classes;
#   - the GCs during the load (JFR and the GC log);
# and stops it; then a table with one row per engine.
#
#   bench/alloc.sh                       # epoll and io_uring, 1k.bin, wrk -t1 -c64, 20 s each
#   ENGINE=io_uring LOAD=h2load SIZE=16k bench/alloc.sh
#
# Environment (defaults): ENGINE="epoll io_uring" (engines, in order: epoll io_uring auto)
#   SIZE=1k  LOAD=wrk (or h2load)  DURATION=20 (s)  WARMUP=5s
#   LOOP_PREFIX=loop-  TOP=15  and URING_SET URING_JAVA_OPTS JAR URING_PORT SERVER_CPU CLIENT_CPU OUT
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

SIZE=${SIZE:-1k}
LOAD=${LOAD:-wrk}
DURATION=${DURATION:-20}; DURATION=${DURATION%s}
WARMUP=${WARMUP:-5s}
LOOP_PREFIX=${LOOP_PREFIX:-loop-}
ENGINES=${ENGINE:-epoll io_uring}; ENGINES=${ENGINES//,/ }
TOP=${TOP:-15}
case $DURATION in ''|*[!0-9]*|0) die "DURATION must be a whole number of seconds" ;; esac
case $LOAD in wrk|h2load) ;; *) die "LOAD must be wrk or h2load" ;; esac
size_bytes "$SIZE" >/dev/null
for e in $ENGINES; do case $e in epoll|io_uring|auto) ;; *) die "unknown engine '$e' (engines: epoll io_uring auto)" ;; esac; done

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
url="http://127.0.0.1:$URING_PORT/$SIZE.bin"
client() { timed_load "$LOAD" "$url" "$1"; }

table=$OUT/summary.tsv
printf 'engine\trequests\treq_per_s\terrors\tloop_bytes\tbytes_per_req\tloop_samples\tgcs\n' > "$table"

# measure ENGINE: one uring-httpd with that engine, recorded, reported, stopped
measure() {
  local engine=$1 dir=$OUT/$1 gc_before gc_after requests rps errors report bytes per samples
  mkdir -p "$dir"
  start_uring_engine "$engine" "$URING_PORT" "$root" "$work/$engine" "$dir/uring-httpd.log" \
    "-Xlog:gc*:file=$dir/gc.log:uptime,level,tags"
  check_body "$url" "$(size_bytes "$SIZE")"
  echo "### engine $engine (started: ${URING_STARTED_ENGINE:-?}, pid $URING_PID)"
  echo

  say "== $engine: warm-up: $LOAD for $WARMUP (not recorded)"
  client "${WARMUP%s}" > "$dir/warmup.txt" 2>&1 || say "warning: warm-up client exited with $?"

  say "== $engine: recording: JFR settings=profile during $LOAD for $DURATION s"
  gc_before=$(grep -c 'Pause' "$dir/gc.log" 2>/dev/null || true)
  "$jcmd" "$URING_PID" JFR.start name=alloc settings=profile "filename=$dir/alloc.jfr" > "$dir/jcmd-start.txt" 2>&1 \
    || { cat "$dir/jcmd-start.txt" >&2; die "jcmd JFR.start failed"; }
  client "$DURATION" > "$dir/client.txt" 2>&1 || say "warning: client exited with $?"
  "$jcmd" "$URING_PID" JFR.stop name=alloc > "$dir/jcmd-stop.txt" 2>&1 \
    || { cat "$dir/jcmd-stop.txt" >&2; die "jcmd JFR.stop failed"; }
  gc_after=$(grep -c 'Pause' "$dir/gc.log" 2>/dev/null || true)
  kill -0 "$URING_PID" 2>/dev/null || { tail -n 30 "$dir/uring-httpd.log" >&2; die "uring-httpd ($engine) died during the load"; }

  read -r requests rps _ errors <<< "$(parse_load "$LOAD" < "$dir/client.txt")"
  printf '%s %s.bin: %s requests in %s s (%.0f req/s), %s errors\n' "$LOAD" "$SIZE" "$requests" "$DURATION" "$rps" "$errors"
  echo "GC pauses logged during the recording: $(( ${gc_after:-0} - ${gc_before:-0} )) (log: $dir/gc.log)"
  echo

  "$jfr" summary "$dir/alloc.jfr" > "$dir/jfr-summary.txt"
  sed -n '2,5p' "$dir/jfr-summary.txt"
  grep -E 'jdk\.(ObjectAllocationSample|ThreadAllocationStatistics|GarbageCollection|ExecutionSample) ' "$dir/jfr-summary.txt" || true
  echo

  report=$dir/alloc-report.txt
  "$JAVA_HOME_25/bin/java" "$bench_dir/JfrAlloc.java" "$dir/alloc.jfr" "$LOOP_PREFIX" "$requests" "$TOP" | tee "$report"
  # The same samples as JFR's own views see them (all threads).
  "$jfr" view --width 160 allocation-by-site "$dir/alloc.jfr" > "$dir/allocation-by-site.txt" 2>&1 || true
  "$jfr" view --width 160 allocation-by-thread "$dir/alloc.jfr" > "$dir/allocation-by-thread.txt" 2>&1 || true
  echo
  echo "recording: $dir/alloc.jfr (jfr print --events jdk.ObjectAllocationSample $dir/alloc.jfr)"
  echo "views: $dir/allocation-by-site.txt $dir/allocation-by-thread.txt"
  echo

  # "Event-loop threads: 857,464 B allocated in total (exact), 0.354 B per request over …"
  bytes=$(sed -n 's/^Event-loop threads: \([0-9,]*\) B allocated in total.*/\1/p' "$report" | tr -d ,)
  per=$(sed -n 's/^Event-loop threads: .* allocated in total (exact), \([0-9.]*\) B per request.*/\1/p' "$report")
  samples=$(sed -n 's/^Event-loop threads: .* sampled weight in \([0-9,]*\) jdk.ObjectAllocationSample.*/\1/p' "$report" | tr -d ,)
  printf '%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\n' "$engine" "$requests" "$rps" "$errors" "${bytes:--}" "${per:--}" \
    "${samples:--}" "$(( ${gc_after:-0} - ${gc_before:-0} ))" >> "$table"
  stop_uring
}

for engine in $ENGINES; do measure "$engine"; done

echo "### Allocation on the event-loop threads, $LOAD $SIZE.bin, $DURATION s of JFR after a $WARMUP warm-up"
echo
echo "| engine | requests | req/s | loop bytes (exact) | bytes/request | allocation samples on loop threads | GC pauses |"
echo "|---|---:|---:|---:|---:|---:|---:|"
awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $5, $6, $7, $8 }' "$table"
echo
echo "raw: $OUT"
