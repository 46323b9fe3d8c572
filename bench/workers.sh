#!/usr/bin/env bash
# The process model under load: nginx with 2 worker processes against uring-httpd's
# master with 2 worker processes (master = on), nothing pinned, wrk -t2 -c64 on the
# same 2 cores; warm-up, alternating runs, medians, ratios; and the resident memory
# (VmRSS) of each master and worker sampled at the end of every run.
#
#   bench/workers.sh
#   ENGINES="epoll io_uring" RUNS=3 SIZE=1k bench/workers.sh
#
# Environment (defaults): SIZE=1k RUNS=3 DURATION=10s WARMUP=5s WORKERS=2
#   ENGINES="io_uring epoll"   one uring-httpd server (master + WORKERS workers) per engine
#   URING_JAVA_OPTS            JVM options for the uring-httpd master (its workers inherit them)
#   JAR NGINX_PORT URING_PORT OUT   as in bench/run.sh
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

SIZE=${SIZE:-1k}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
WORKERS=${WORKERS:-2}
ENGINES=${ENGINES:-io_uring epoll}; ENGINES=${ENGINES//,/ }
size_bytes "$SIZE" >/dev/null
need_tools curl:curl wrk:wrk nginx:nginx
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
find_jdk25
warn_if_busy

OUT=${OUT:-$bench_dir/out/workers-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
root=$work/www
declare -A MPID=() PORT=()
cleanup() {
  local rc=$? s
  for s in "${!MPID[@]}"; do stop_pid "${MPID[$s]}"; done
  bash "$NGINX_ANCHOR" stop "$NGINX_PORT" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
make_docroot "$root"

# nginx: the anchor with WORKERS workers, not pinned.
port_free "$NGINX_PORT" || die "port $NGINX_PORT is already in use (set NGINX_PORT)"
bash "$NGINX_ANCHOR" start "$root" "$NGINX_PORT" "$WORKERS" >&2
wait_http "http://127.0.0.1:$NGINX_PORT/1k.bin" || die "nginx did not answer on port $NGINX_PORT"
PORT[nginx]=$NGINX_PORT
MPID_NGINX=$(nginx_master_pid)

# uring-httpd: one master per engine, WORKERS workers each, not pinned.
port=$URING_PORT
for e in $ENGINES; do
  [ "$port" = "$NGINX_PORT" ] && port=$((port + 1))
  port_free "$port" || die "port $port is already in use (set URING_PORT)"
  start_uring_master "$e" "$WORKERS" "$port" "$root" "$work/$e" "$OUT/uring-httpd-$e.log"
  MPID[$e]=$URING_PID
  PORT[$e]=$port
  say "uring-httpd $e: master ${MPID[$e]}, port $port"
  port=$((port + 1))
done

servers="nginx $ENGINES"
# rss_of PID -> VmRSS in KiB
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# master_of SERVER -> master pid; workers_of SERVER -> worker pids
master_of() { if [ "$1" = nginx ]; then echo "$MPID_NGINX"; else echo "${MPID[$1]}"; fi; }
workers_of() { pgrep -P "$(master_of "$1")" | tr '\n' ' '; }

rows=$OUT/runs.tsv
printf 'server\trun\treq_per_s\tp99_ms\terrors\tmaster_rss_kib\tworker_rss_kib\n' > "$rows"
for s in $servers; do
  url="http://127.0.0.1:${PORT[$s]}/$SIZE.bin"
  say "== $s: warm-up $WARMUP"
  wrk -t2 -c64 "-d$WARMUP" "$url" > "$OUT/$s-warmup.txt" 2>&1 || true
done
for run in $(seq "$RUNS"); do
  for s in $servers; do
    url="http://127.0.0.1:${PORT[$s]}/$SIZE.bin"
    say "== $s: run $run, wrk -t2 -c64 -d$DURATION $url"
    wrk -t2 -c64 "-d$DURATION" --latency "$url" > "$OUT/$s-run$run.txt" 2>&1 || say "warning: wrk exited with $?"
    read -r _ rps p99 errors <<< "$(parse_wrk < "$OUT/$s-run$run.txt")"
    wrss=""
    for w in $(workers_of "$s"); do wrss="$wrss${wrss:+,}$(rss_of "$w")"; done
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$run" "$rps" "$p99" "$errors" "$(rss_of "$(master_of "$s")")" "$wrss" >> "$rows"
  done
done

med() { awk -F'\t' -v s="$1" -v c="$2" 'NR > 1 && $1 == s { print $c }' "$rows" | median; }
maxrss() { awk -F'\t' -v s="$1" 'NR > 1 && $1 == s { n = split($7, w, ","); for (i = 1; i <= n; i++) if (w[i] > m) m = w[i] } END { printf "%.1f", m / 1024 }' "$rows"; }
nginx_rps=$(med nginx 3)
{
  echo "$WORKERS worker processes each, nothing pinned, \`wrk -t2 -c64 -d$DURATION\` on the same 2 cores, $SIZE.bin; medians of $RUNS alternating runs after a $WARMUP warm-up."
  echo "RSS: VmRSS sampled right after each run (largest worker over all runs; master at the last run)."
  echo
  echo "| server | req/s | × nginx | p99 ms | errors | master RSS MiB | worker RSS MiB (max) |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for s in $servers; do
    rps=$(med "$s" 3)
    ratio=$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
    mrss=$(awk -F'\t' -v s="$s" 'NR > 1 && $1 == s { m = $6 } END { printf "%.1f", m / 1024 }' "$rows")
    errors=$(awk -F'\t' -v s="$s" 'NR > 1 && $1 == s { e += $5 } END { print e + 0 }' "$rows")
    echo "| $s | $rps | $ratio | $(med "$s" 4) | $errors | $mrss | $(maxrss "$s") |"
  done
  echo
  echo "Command: \`SIZE=$SIZE RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP WORKERS=$WORKERS ENGINES='$ENGINES' bench/workers.sh\` at $(git -C "$repo_dir" rev-parse --short HEAD); raw: $OUT"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
