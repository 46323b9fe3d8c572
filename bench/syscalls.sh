#!/usr/bin/env bash
# Syscalls per request: each uring-httpd engine's event-loop thread and the
# nginx worker, under the same loads, counted by the kernel (perf stat, as
# root): every syscall (raw_syscalls:sys_enter), every SQE an io_uring loop
# submits (io_uring:io_uring_submit_req), and a per-syscall breakdown.
#
#   bench/syscalls.sh                       # nginx, epoll, io_uring; wrk and h2load; 1k.bin, 10 s each
#   SERVERS="epoll io_uring" LOADS=h2load SIZE=16k bench/syscalls.sh
#   ENGINE=io_uring bench/syscalls.sh       # = SERVERS="nginx io_uring"
#
# Environment (defaults): SIZE=1k
#   LOADS="wrk h2load"   wrk: wrk -t1 -c64;  h2load: h2load --h1 -c64 -m16 -t1 (pipelined)
#                        (LOAD=… , the old single-load option, still works)
#   DURATION=10 (seconds of load)  WARMUP=5s (per server and load, not counted)
#   SERVERS="nginx epoll io_uring" and ENGINE: as in bench/run.sh
#   LOOP_THREAD=loop-0 (the uring-httpd thread counted with perf -t)
#   TARGET               another request target than /SIZE.bin (its body is not checked), e.g. a
#                        try-files fallback with URING_SET adding a site for Host 127.0.0.1
#   and those of bench/run.sh: URING_SET URING_JAVA_OPTS JAR NGINX_PORT URING_PORT SERVER_CPU CLIENT_CPU OUT
#
# perf attaches before the load starts and stops (SIGINT) when the client ends,
# so the count covers exactly the client's requests (plus the 64 connection
# setups, a few syscalls each: negligible against ~10^5 requests). uring-httpd
# is counted twice in the same window: its loop thread (perf -t TID) and the
# whole process (perf -p PID: GC, JIT and the other threads too). The servers
# all run at once (pinned like bench/run.sh); only one is under load at a time.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

SIZE=${SIZE:-1k}
TARGET=${TARGET:-}
LOADS=${LOADS:-${LOAD:-wrk h2load}}; LOADS=${LOADS//,/ }
DURATION=${DURATION:-10}; DURATION=${DURATION%s}
WARMUP=${WARMUP:-5s}
SERVERS=${SERVERS:-$(default_servers)}; SERVERS=${SERVERS//,/ }
LOOP_THREAD=${LOOP_THREAD:-loop-0}
case $DURATION in ''|*[!0-9]*|0) die "DURATION must be a whole number of seconds" ;; esac
case $WARMUP in *[0-9]s) ;; *) die "WARMUP must look like 5s" ;; esac
for l in $LOADS; do case $l in wrk|h2load) ;; *) die "unknown load '$l' (loads: wrk h2load)" ;; esac; done
size_bytes "$SIZE" >/dev/null
check_servers

[ "$(id -u)" = 0 ] || die "perf needs root to read the raw_syscalls tracepoints"
check_cpus
need_tools curl:curl taskset:util-linux wrk:wrk h2load:nghttp2-client perf:linux-perf
has_server nginx && need_tools nginx:nginx
perf stat -e raw_syscalls:sys_enter -x, -o /dev/null -- true 2>/dev/null \
  || die "perf cannot count raw_syscalls:sys_enter here (is tracefs mounted? kernel.perf_event_paranoid?)"

tracepoint_exists() { [ -d "/sys/kernel/tracing/events/$1" ] || [ -d "/sys/kernel/debug/tracing/events/$1" ]; }
# SQEs submitted, counted in the submitting task (io_uring_submit_req: kernel
# >= 5.19, io_uring/io_uring.c io_submit_sqe); absent, the column shows "-".
sqe_event=()
if tracepoint_exists io_uring/io_uring_submit_req; then
  sqe_event=(-e io_uring:io_uring_submit_req)
else
  say "warning: no io_uring:io_uring_submit_req tracepoint here (perf list 'io_uring:*'): SQEs are not counted"
fi
# The syscalls worth naming; any that this kernel lacks are left out.
breakdown=()
for s in epoll_wait epoll_pwait epoll_pwait2 epoll_ctl accept4 read recvfrom write writev sendto \
         sendfile64 splice setsockopt shutdown close openat openat2 statx newfstatat io_uring_enter futex; do
  tracepoint_exists "syscalls/sys_enter_$s" && breakdown+=(-e "syscalls:sys_enter_$s")
done

warn_if_busy
OUT=${OUT:-$bench_dir/out/syscalls-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
root=$work/www
cleanup() {
  local rc=$?
  stop_servers
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_docroot "$root"
start_servers "$root" "$work" "$OUT"
if [ -z "$TARGET" ]; then
  for s in $SERVERS; do check_body "http://127.0.0.1:$(server_port "$s")/$SIZE.bin" "$(size_bytes "$SIZE")"; done
fi

# The loop thread of each uring-httpd server.
declare -A TID=()
for s in $uring_servers; do
  t=""
  for _ in $(seq 50); do t=$(thread_tid "$(server_pid "$s")" "$LOOP_THREAD") && break; sleep 0.1; done
  if [ -z "$t" ]; then
    say "$s threads:"; for d in /proc/"$(server_pid "$s")"/task/*; do say "  ${d##*/} $(cat "$d/comm")"; done
    die "no thread named $LOOP_THREAD in $s (pid $(server_pid "$s")); set LOOP_THREAD"
  fi
  TID[$s]=$t
done

# Cross-check of the engine's own counters: perf counts each loop thread over its
# whole life (attached now, before the loads; it ends when the thread exits at
# stop), and the loop logs the syscalls it counted itself when it stops.
declare -A LIFEPERF=()
crosscheck_events=(-e raw_syscalls:sys_enter)
for s in epoll_wait io_uring_enter sendfile64 splice sendto recvfrom accept4 close futex; do
  tracepoint_exists "syscalls/sys_enter_$s" && crosscheck_events+=(-e "syscalls:sys_enter_$s")
done
for s in $uring_servers; do
  perf stat -x, -o "$OUT/$s-lifetime-perf.csv" "${crosscheck_events[@]}" -t "${TID[$s]}" 2>/dev/null &
  LIFEPERF[$s]=$!
done

# count_of CSV EVENT: the count perf recorded for EVENT ("" when absent)
count_of() {
  awk -F, -v e="$2" '$3 == e && $1 ~ /^[0-9]+$/ { print $1; exit }' "$1"
}
# per_req COUNT REQUESTS -> rate with 3 decimals, or "-"
per_req() {
  case "$1:$2" in :*|*:|*:0) echo - ;; *) awk -v n="$1" -v r="$2" 'BEGIN { printf "%.3f", n / r }' ;; esac
}
# The syscalls above 0.005 per request, largest first: "read 1.00, sendto 1.00"
breakdown_of() {
  awk -F, -v req="$2" '
    $1 !~ /^[0-9]+$/ || $3 !~ /^syscalls:sys_enter_/ || req <= 0 { next }
    { r = $1 / req; if (r >= 0.005) { name = $3; sub(/^syscalls:sys_enter_/, "", name); printf "%.3f %s\n", r, name } }' "$1" \
    | sort -rg | awk '{ printf "%s%s %.2f", (NR > 1 ? ", " : ""), $2, $1 } END { if (NR == 0) printf "-" }'
}

rows=$OUT/rows.tsv
printf 'server\tcounted\tload\trequests\treq_per_s\tsyscalls_per_req\tsqes_per_req\tbreakdown\n' > "$rows"

# count SERVER LOAD: warm-up, then the load while perf counts the server
count() {
  local server=$1 load=$2 url pid tag perfs=() requests rps t
  url="http://127.0.0.1:$(server_port "$server")${TARGET:-/$SIZE.bin}"
  pid=$(server_pid "$server")
  tag=$load-$server
  say "== $server, $load: warm-up $WARMUP"
  timed_load "$load" "$url" "${WARMUP%s}" > "$OUT/$tag-warmup.txt" 2>&1 || say "warning: warm-up client exited with $?"
  alive_or_die "$server"
  if [ "$server" = nginx ]; then
    say "== $server, $load: $DURATION s while perf stat -p $pid (worker) counts"
    perf stat -x, -o "$OUT/$tag-perf.csv" -e raw_syscalls:sys_enter ${sqe_event[@]+"${sqe_event[@]}"} \
      ${breakdown[@]+"${breakdown[@]}"} -p "$pid" 2>/dev/null &
    perfs+=($!)
  else
    t=${TID[$server]}
    say "== $server, $load: $DURATION s while perf stat -t $t ($LOOP_THREAD) and -p $pid count"
    perf stat -x, -o "$OUT/$tag-perf.csv" -e raw_syscalls:sys_enter ${sqe_event[@]+"${sqe_event[@]}"} \
      ${breakdown[@]+"${breakdown[@]}"} -t "$t" 2>/dev/null &
    perfs+=($!)
    perf stat -x, -o "$OUT/$tag-process-perf.csv" -e raw_syscalls:sys_enter ${sqe_event[@]+"${sqe_event[@]}"} \
      -p "$pid" 2>/dev/null &
    perfs+=($!)
  fi
  # perf counts until SIGINT; the idle half second before the load adds a
  # blocked wait or two, the 64 connects add ~2 syscalls per connection.
  sleep 0.5
  timed_load "$load" "$url" "$DURATION" > "$OUT/$tag-client.txt" 2>&1 || say "warning: client exited with $?"
  kill -INT "${perfs[@]}" 2>/dev/null || true
  wait "${perfs[@]}" 2>/dev/null || true
  alive_or_die "$server"
  read -r requests rps _ _ <<< "$(parse_load "$load" < "$OUT/$tag-client.txt")"
  [ -s "$OUT/$tag-perf.csv" ] || die "perf wrote nothing to $OUT/$tag-perf.csv"
  if [ "$server" = nginx ]; then what="worker process"; else what="thread $LOOP_THREAD"; fi
  row "$server" "$what" "$load" "$requests" "$rps" "$OUT/$tag-perf.csv"
  if [ -f "$OUT/$tag-process-perf.csv" ]; then
    row "$server" "whole process" "$load" "$requests" "$rps" "$OUT/$tag-process-perf.csv"
  fi
}
row() { # row SERVER WHAT LOAD REQUESTS RPS CSV
  local sys sqe
  sys=$(per_req "$(count_of "$6" raw_syscalls:sys_enter)" "$4")
  if [ "${#sqe_event[@]}" -gt 0 ]; then sqe=$(per_req "$(count_of "$6" io_uring:io_uring_submit_req)" "$4"); else sqe=-; fi
  printf '%s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$sys" "$sqe" "$(breakdown_of "$6" "$4")" >> "$rows"
  printf '  %-9s %-16s %-6s %9s requests %8.0f req/s: %s syscalls/request, %s SQEs/request\n' "$1" "$2" "$3" "$4" "$5" "$sys" "$sqe" >&2
}

# Loads outer, servers inner: each server's loop is counted under both loads.
for load in $LOADS; do
  for server in $SERVERS; do count "$server" "$load"; done
done

# Stop the uring-httpd servers: each loop logs its counts, and the lifetime perf ends with its thread.
crosscheck=$OUT/crosscheck.md
{
  echo "Engine counters vs the kernel, each loop thread over its whole life (every load above, warm-ups included):"
  echo "the engine's total (SyscallCounts, logged by the loop at stop) against perf stat -t on the same thread."
  echo
  echo "| server | engine counted | kernel counted (perf) | kernel - engine | per name: engine / kernel |"
  echo "|---|---:|---:|---:|---|"
} > "$crosscheck"
for s in $uring_servers; do
  stop_pid "$(server_pid "$s")"
  for _ in $(seq 50); do kill -0 "${LIFEPERF[$s]}" 2>/dev/null || break; sleep 0.1; done
  kill -INT "${LIFEPERF[$s]}" 2>/dev/null || true
  wait "${LIFEPERF[$s]}" 2>/dev/null || true
  report=$(grep -o "($(engine_of "$s")) stopped: .*" "${SLOG[$s]}" | head -1 || true)
  [ -n "$report" ] || { say "warning: no stop report from $s in ${SLOG[$s]}"; continue; }
  engine_total=$(sed -n 's/.*syscalls \([0-9]*\):.*/\1/p' <<< "$report")
  kernel_total=$(count_of "$OUT/$s-lifetime-perf.csv" raw_syscalls:sys_enter)
  names=""
  for pair in "epoll_wait epoll_wait" "io_uring_enter io_uring_enter" "sendfile sendfile64" "splice splice" \
              "send sendto" "recv recvfrom" "accept4 accept4" "close close" "- futex"; do
    read -r mine theirs <<< "$pair"
    k=$(count_of "$OUT/$s-lifetime-perf.csv" "syscalls:sys_enter_$theirs")
    e=$(grep -o " $mine=[0-9]*" <<< "$report" | cut -d= -f2 || true)
    [ "$mine" = - ] && e=-
    [ -z "$e" ] && e=0
    [ -z "$k" ] && continue
    [ "$e" = 0 ] && [ "$k" = 0 ] && continue
    names+="${names:+, }$theirs $e / $k"
  done
  echo "| $s | $engine_total | $kernel_total | $((kernel_total - engine_total)) | $names |" >> "$crosscheck"
  say "$s: engine counted $engine_total syscalls, the kernel $kernel_total"
done
echo >> "$crosscheck"
echo "The engine counts its own calls only; the kernel also sees the JVM's on that thread (futex at safepoints," >> "$crosscheck"
echo "mmap/madvise for TLABs) and misses the loop's setup calls made before perf attached." >> "$crosscheck"

load_label() { if [ "$1" = wrk ]; then echo "wrk -t1 -c64"; else echo "h2load --h1 -c64 -m16 -t1"; fi; }
{
  echo "Syscalls per request, ${TARGET:-$SIZE.bin}, ${DURATION} s per load under perf stat (perf slows the servers: these req/s are not throughput figures)."
  echo "SQEs: io_uring:io_uring_submit_req in the counted task. Breakdown: syscalls above 0.005 per request."
  echo
  echo "| server | counted | load | req/s | syscalls/request | SQEs/request | breakdown (per request) |"
  echo "|---|---|---|---:|---:|---:|---|"
  awk -F'\t' 'NR > 1 { print }' "$rows" | while IFS=$'\t' read -r server what load _ rps sys sqe parts; do
    [ "$what" = "whole process" ] && parts="(all threads)"
    echo "| $server | $what | $(load_label "$load") | $rps | $sys | $sqe | $parts |"
  done
  echo
  echo "Engines: $(for s in $uring_servers; do printf '%s=%s (pid %s, %s tid %s) ' "$s" "${SENGINE[$s]:-?}" "$(server_pid "$s")" "$LOOP_THREAD" "${TID[$s]}"; done)"
  echo
  cat "$crosscheck"
  echo
  echo "Raw: $OUT"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
