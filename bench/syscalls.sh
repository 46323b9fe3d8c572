#!/usr/bin/env bash
# Syscalls per request: uring-httpd's event-loop thread vs the nginx worker,
# under the same load, counted by the kernel's raw_syscalls:sys_enter
# tracepoint (perf stat, as root) with a per-syscall breakdown.
#
#   bench/syscalls.sh                       # 1k.bin, wrk -t1 -c64, 10 s each
#   LOAD=h2load SIZE=16k bench/syscalls.sh
#
# Environment (defaults): SIZE=1k  LOAD=wrk (or h2load: pipelined -m16)
#   DURATION=10 (seconds of load)  WARMUP=5s  SERVERS="nginx uring-httpd"
#   LOOP_THREAD=loop-0 (the uring-httpd thread counted with perf -t)
#   and those of bench/run.sh: ENGINE URING_SET URING_JAVA_OPTS JAR NGINX_PORT URING_PORT SERVER_CPU CLIENT_CPU OUT
#
# perf attaches before the load starts and stops (SIGINT) when the client ends,
# so the count covers exactly the client's requests (plus the 64 connection
# setups, a few syscalls each: negligible against ~10^5 requests).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

SIZE=${SIZE:-1k}
LOAD=${LOAD:-wrk}
DURATION=${DURATION:-10}; DURATION=${DURATION%s}
WARMUP=${WARMUP:-5s}
SERVERS=${SERVERS:-nginx uring-httpd}; SERVERS=${SERVERS//,/ }
LOOP_THREAD=${LOOP_THREAD:-loop-0}
case $DURATION in ''|*[!0-9]*|0) die "DURATION must be a whole number of seconds" ;; esac
case $LOAD in wrk|h2load) ;; *) die "LOAD must be wrk or h2load" ;; esac
size_bytes "$SIZE" >/dev/null
has_server() { case " $SERVERS " in *" $1 "*) return 0 ;; esac; return 1; }

[ "$(id -u)" = 0 ] || die "perf needs root to read the raw_syscalls tracepoints"
check_cpus
need_tools curl:curl taskset:util-linux wrk:wrk h2load:nghttp2-client nginx:nginx perf:linux-perf
perf stat -e raw_syscalls:sys_enter -x, -o /dev/null -- true 2>/dev/null \
  || die "perf cannot count raw_syscalls:sys_enter here (is tracefs mounted? kernel.perf_event_paranoid?)"

warn_if_busy
OUT=${OUT:-$bench_dir/out/syscalls-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
root=$work/www
URING_PID=""; nginx_started=0
cleanup() {
  local rc=$?
  stop_uring
  [ "$nginx_started" = 1 ] && stop_nginx
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_docroot "$root"
if has_server nginx; then start_nginx "$root"; nginx_started=1; fi
if has_server uring-httpd; then start_uring "$root" "$work" "$OUT/uring-httpd.log"; fi

# The syscalls worth naming; any that this kernel lacks are left out.
breakdown=()
for s in epoll_wait epoll_pwait epoll_pwait2 epoll_ctl accept4 read recvfrom write writev sendto \
         sendfile64 setsockopt shutdown close openat openat2 statx newfstatat io_uring_enter futex; do
  [ -d "/sys/kernel/tracing/events/syscalls/sys_enter_$s" ] || [ -d "/sys/kernel/debug/tracing/events/syscalls/sys_enter_$s" ] \
    && breakdown+=(-e "syscalls:sys_enter_$s")
done

client() { # client URL SECONDS
  if [ "$LOAD" = wrk ]; then
    taskset -c "$CLIENT_CPU" wrk -t1 -c64 "-d$2s" --latency "$1"
  else
    taskset -c "$CLIENT_CPU" h2load --h1 -c64 -m16 -t1 -D "$2" "$1"
  fi
}
rps_of() {
  if [ "$LOAD" = wrk ]; then parse_wrk < "$1" | awk '{ print $2 }'; else parse_h2load < "$1" | awk '{ print $2 }'; fi
}

# per_request CSV REQUESTS: prints each counted syscall and its rate per request
per_request() {
  awk -F, -v req="$2" '
    /^#/ || NF < 3 || $1 !~ /^[0-9]+$/ { next }
    { n = $1; name = $3; sub(/^(raw_)?syscalls:sys_enter_?/, "", name); if (name == "") name = "all"
      if (n > 0 && req > 0) printf "  %-14s %12d  %8.3f per request\n", name, n, n / req }' "$1"
}

# count SERVER TARGET_FLAG TARGET_ID LABEL: runs the load while perf counts the target;
# for uring-httpd the whole process (GC, JIT, other threads) is counted too, in the same window.
count() {
  local server=$1 flag=$2 id=$3 label=$4 port url pids=() parsed requests rps
  if [ "$server" = nginx ]; then port=$NGINX_PORT; else port=$URING_PORT; fi
  url="http://127.0.0.1:$port/$SIZE.bin"
  say "== $server ($label): warm-up $WARMUP"
  client "$url" "${WARMUP%s}" > "$OUT/$server-warmup.txt" 2>&1
  say "== $server ($label): $LOAD for $DURATION s while perf stat $flag $id counts"
  # perf counts until SIGINT; the idle half second before the load adds a
  # blocked epoll_wait or two, the 64 connects add ~2 syscalls per connection.
  perf stat -x, -o "$OUT/$server-perf.csv" -e raw_syscalls:sys_enter ${breakdown[@]+"${breakdown[@]}"} \
    "$flag" "$id" 2>/dev/null &
  pids+=($!)
  if [ "$server" = uring-httpd ]; then
    perf stat -x, -o "$OUT/$server-process-perf.csv" -e raw_syscalls:sys_enter -p "$URING_PID" 2>/dev/null &
    pids+=($!)
  fi
  sleep 0.5
  client "$url" "$DURATION" > "$OUT/$server-client.txt" 2>&1 || say "warning: client exited with $?"
  kill -INT "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  if [ "$LOAD" = wrk ]; then parsed=$(parse_wrk < "$OUT/$server-client.txt"); else parsed=$(parse_h2load < "$OUT/$server-client.txt"); fi
  read -r requests rps _ _ <<< "$parsed"
  echo "$requests" > "$OUT/$server-requests.txt"
  {
    printf '%s (%s), %s %s.bin: %s requests, %.0f req/s\n' "$server" "$label" "$LOAD" "$SIZE" "$requests" "$rps"
    per_request "$OUT/$server-perf.csv" "$requests"
    if [ "$server" = uring-httpd ]; then
      echo " whole process (pid $URING_PID, all threads):"
      per_request "$OUT/$server-process-perf.csv" "$requests"
    fi
  } | tee "$OUT/$server-summary.txt"
}

if has_server nginx; then
  count nginx -p "$NGINX_PID" "worker pid $NGINX_PID"
fi
if has_server uring-httpd; then
  tid=""
  for _ in $(seq 50); do tid=$(thread_tid "$URING_PID" "$LOOP_THREAD") && break; sleep 0.1; done
  if [ -z "$tid" ]; then
    say "uring-httpd threads:"; for t in /proc/"$URING_PID"/task/*; do say "  ${t##*/} $(cat "$t/comm")"; done
    die "no thread named $LOOP_THREAD in uring-httpd (pid $URING_PID); set LOOP_THREAD"
  fi
  count uring-httpd -t "$tid" "thread $LOOP_THREAD, tid $tid"
fi

if [ "$LOAD" = wrk ]; then load_label="wrk -t1 -c64"; else load_label="h2load --h1 -c64 -m16 -t1"; fi
echo
echo "| server | counted | load | req/s | syscalls/request |"
echo "|---|---|---|---:|---:|"
for server in $SERVERS; do
  [ -f "$OUT/$server-perf.csv" ] || continue
  rps=$(rps_of "$OUT/$server-client.txt"); requests=$(cat "$OUT/$server-requests.txt")
  if [ "$server" = nginx ]; then what="worker process"; else what="thread $LOOP_THREAD"; fi
  printf '| %s | %s | %s %s.bin | %.0f | %s |\n' "$server" "$what" "$load_label" "$SIZE" "$rps" \
    "$(per_request "$OUT/$server-perf.csv" "$requests" | awk '$1 == "all" { print $3 }')"
  if [ -f "$OUT/$server-process-perf.csv" ]; then
    printf '| %s | whole process | %s %s.bin | %.0f | %s |\n' "$server" "$load_label" "$SIZE" "$rps" \
      "$(per_request "$OUT/$server-process-perf.csv" "$requests" | awk '$1 == "all" { print $3 }')"
  fi
done
echo
echo "raw: $OUT"
