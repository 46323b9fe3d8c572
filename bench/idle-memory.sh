#!/usr/bin/env bash
# Memory per idle keep-alive connection: N connections (default 10 000) that each made one
# request and stay open. For each server: the worker's VmRSS before and after (uring-httpd:
# both after a full GC, jcmd GC.run, plus the live heap the GC reports), divided by N.
#
#   bench/idle-memory.sh
#   CONNECTIONS=10000 SERVERS="nginx io_uring epoll" bench/idle-memory.sh
#
# Environment (defaults): CONNECTIONS=10000 SERVERS="nginx io_uring epoll"
#   JAR NGINX_PORT URING_PORT OUT   as in bench/run.sh
# uring-httpd runs master = on with one worker; nginx with one worker process.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

CONNECTIONS=${CONNECTIONS:-10000}
SERVERS=${SERVERS:-nginx io_uring epoll}; SERVERS=${SERVERS//,/ }
need_tools curl:curl nginx:nginx python3:python3
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
find_jdk25
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((CONNECTIONS + 100)) ] || die "the open-file limit ($(ulimit -n)) is too low for $CONNECTIONS connections"

OUT=${OUT:-$bench_dir/out/idle-memory-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
bench_setup

# The client: opens the connections, one GET each, reads the whole response, keeps them open.
cat > "$work/client.py" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
request = b"GET /1k.bin HTTP/1.1\r\nHost: bench\r\n\r\n"
conns = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(body) < length:
        body += s.recv(4096)
    conns.append(s)
print("connected", len(conns), flush=True)
sys.stdin.read()
PY

rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# heap_used PID -> KiB used in the Java heap after a full GC (jcmd GC.heap_info: "used NK" per generation)
# full_gc PID: a full GC, then glibc's free memory back to the system, so RSS is what is live
full_gc() {
  "$JAVA_HOME_25/bin/jcmd" "$1" GC.run > /dev/null
  "$JAVA_HOME_25/bin/jcmd" "$1" System.trim_native_heap > /dev/null
  sleep 1
}
heap_used() {
  "$JAVA_HOME_25/bin/jcmd" "$1" GC.heap_info | awk '
    / total [0-9]+K, used / { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); u += v } }
    END { print u + 0 }'
}

rows=$OUT/rows.tsv
printf 'server\tconnections\trss_before_kib\trss_after_kib\theap_before_kib\theap_after_kib\n' > "$rows"
for s in $SERVERS; do
  if [ "$s" = nginx ]; then
    port=$NGINX_PORT
    bash "$NGINX_ANCHOR" start "$root" "$port" 1 >&2
    wait_http "http://127.0.0.1:$port/1k.bin" || die "nginx did not answer"
    pid=$(nginx_worker_pid)
  else
    port=$URING_PORT
    start_uring_master "$s" 1 "$port" "$root" "$work/$s" "$OUT/uring-httpd-$s.log" \
      "limits.connections-per-loop = $((CONNECTIONS + 1000))"
    master=$URING_PID
    STOP_PIDS=("$master")
    pid=$(pgrep -P "$master" | head -1)
  fi
  # A little traffic first, so that the code the connections use is loaded and compiled.
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/1k.bin"; done
  hb=0; ha=0
  if [ "$s" != nginx ]; then full_gc "$pid"; hb=$(heap_used "$pid"); fi
  rb=$(rss_of "$pid")
  say "== $s: worker $pid, RSS $rb KiB before; opening $CONNECTIONS connections"
  mkfifo "$work/hold-$s"
  python3 "$work/client.py" "$port" "$CONNECTIONS" < "$work/hold-$s" > "$OUT/client-$s.txt" 2>&1 &
  client=$!
  KILL_PIDS=("$client")
  exec 3> "$work/hold-$s"
  for _ in $(seq 600); do grep -q connected "$OUT/client-$s.txt" && break; kill -0 "$client" 2>/dev/null || break; sleep 0.1; done
  grep -q "connected $CONNECTIONS" "$OUT/client-$s.txt" || { cat "$OUT/client-$s.txt" >&2; die "the client could not open $CONNECTIONS connections to $s"; }
  sleep 1
  if [ "$s" != nginx ]; then full_gc "$pid"; ha=$(heap_used "$pid"); fi
  ra=$(rss_of "$pid")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$CONNECTIONS" "$rb" "$ra" "$hb" "$ha" >> "$rows"
  say "   RSS $ra KiB after, heap $hb -> $ha KiB"
  exec 3>&-
  wait "$client" 2>/dev/null || true
  KILL_PIDS=()
  if [ "$s" = nginx ]; then bash "$NGINX_ANCHOR" stop "$port" >/dev/null; sleep 0.5; else stop_pid "$master"; STOP_PIDS=(); fi
done

{
  echo "Memory per idle keep-alive connection: $CONNECTIONS connections, one GET /1k.bin each, left open."
  echo "uring-httpd: one worker process (master = on), RSS and heap after a full GC (jcmd GC.run) before and after; nginx: one worker."
  echo
  echo "| server | worker RSS before MiB | after MiB | RSS per connection KiB | live heap per connection KiB |"
  echo "|---|---:|---:|---:|---:|"
  awk -F'\t' 'NR > 1 {
    heap = ($1 == "nginx") ? "-" : sprintf("%.2f", ($6 - $5) / $2)
    printf "| %s | %.1f | %.1f | %.2f | %s |\n", $1, $3 / 1024, $4 / 1024, ($4 - $3) / $2, heap }' "$rows"
  echo
  echo "Command: \`CONNECTIONS=$CONNECTIONS SERVERS='$SERVERS' bench/idle-memory.sh\` at $(git -C "$repo_dir" rev-parse --short HEAD); raw: $OUT"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
