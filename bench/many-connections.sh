#!/usr/bin/env bash
# 100,000 idle keep-alive connections and an active load beside them. For each server (nginx with
# 2 workers; uring-httpd, master and 2 workers, per engine):
#   1. wrk -t2 -c64 alone: requests/s and p99 (the baseline);
#   2. CONNECTIONS clients connect from several 127.0.0.x source addresses (one has ~28,000
#      ephemeral ports), each sends one GET /1k.bin, reads its answer and stays open: the time until
#      all are answered;
#   3. RSS and PSS of every server process, the kernel's TCP memory (/proc/net/sockstat);
#   4. wrk -t2 -c64 again, beside the idle connections: requests/s and p99;
#   5. every idle connection sends one more request: how many are answered 200.
#
#   bench/many-connections.sh
#   CONNECTIONS=30000 SERVERS="io_uring" bench/many-connections.sh
#   IDLE_HOLDER=nginx CONNECTIONS=30000 SERVERS="io_uring epoll" bench/many-connections.sh
#       the idle connections go to a separate nginx instead of the server measured: what they cost
#       the machine (kernel, memory, CPU caches) apart from what they cost the server holding them
#
# Environment (defaults): CONNECTIONS=100000 SERVERS="nginx io_uring epoll" WORKERS=2 DURATION=10s
#   JAR NGINX_PORT URING_PORT OUT   as in bench/run.sh; HOLDER_PORT=18090 (the holding nginx)
# Each process runs at the hard open-file limit (ulimit -Hn): a worker holds CONNECTIONS / WORKERS of
# them, so 100,000 with 2 workers needs a limit above 50,000 (root with CAP_SYS_RESOURCE, or
# LimitNOFILE). nginx is the reference anchor's configuration with worker_connections and
# worker_rlimit_nofile raised to hold the connections, and keepalive_timeout 600s.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

CONNECTIONS=${CONNECTIONS:-100000}
SERVERS=${SERVERS:-nginx io_uring epoll}; SERVERS=${SERVERS//,/ }
WORKERS=${WORKERS:-2}
DURATION=${DURATION:-10s}
need_tools curl:curl wrk:wrk nginx:nginx python3:python3 bc:bc
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
find_jdk25
# Every process here (client and servers) gets the hard open-file limit; the client is split into
# processes of at most that many connections (less a margin), and so must the server's be: each
# worker needs one descriptor per connection it holds.
ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)
per_client=$((fd_limit - 1000))
CLIENTS=$(( (CONNECTIONS + per_client - 1) / per_client ))
per_worker=$(( CONNECTIONS / WORKERS + CONNECTIONS / WORKERS / 20 + 100 ))
[ "$per_worker" -lt "$fd_limit" ] || say "warning: $WORKERS workers would each need ~$per_worker descriptors, above the open-file limit $fd_limit: raise it (CAP_SYS_RESOURCE) or WORKERS"
SOURCES=$(( (CONNECTIONS + 24999) / 25000 ))

OUT=${OUT:-$bench_dir/out/many-connections-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
bench_setup

# A client process: N non-blocking connections from SOURCES addresses (127.0.0.(2+FIRST) on), one GET
# each, answers read; then it waits for the file GO, and every connection sends one more GET. Prints
# "connected N of M in S s (K answered 200)" and "again: K of M answered 200".
cat > "$work/client.py" <<'PY'
import os, selectors, socket, sys, time
port, n, sources, first, go = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
request = b"GET /1k.bin HTTP/1.1\r\nHost: bench\r\n\r\n"
sel = selectors.DefaultSelector()
state = {}

def start(s):
    state[s] = [request, b"", None]
    sel.register(s, selectors.EVENT_WRITE)

def run(deadline):
    done = 0
    while state and time.time() < deadline:
        for key, events in sel.select(timeout=1):
            s = key.fileobj
            out, data, status = state[s]
            try:
                if events & selectors.EVENT_WRITE:  # connected (or failed: send raises)
                    k = s.send(out)
                    state[s][0] = out = out[k:]
                    if not out:
                        sel.modify(s, selectors.EVENT_READ)
                    continue
                chunk = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(s); del state[s]; results.append(0); continue
            data += chunk
            state[s][1] = data
            head_end = data.find(b"\r\n\r\n")
            if head_end < 0:
                continue
            head = data[:head_end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(data) - head_end - 4 >= length:
                sel.unregister(s); del state[s]
                results.append(int(head[9:12]))
                done += 1
    return done

results = []
conns = []
t0 = time.time()
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    # IP_BIND_ADDRESS_NO_PORT (Linux 4.2): the port is chosen at connect, unique per 4-tuple, so a
    # source address is not limited by the ports a bind(addr, 0) alone could take.
    s.setsockopt(socket.IPPROTO_IP, 24, 1)
    s.bind(("127.0.0.%d" % (2 + first + i % sources), 0))
    s.connect_ex(("127.0.0.1", port))
    conns.append(s)
    start(s)
    if len(state) >= 2000:  # a bounded number of handshakes in flight
        run(time.time() + 0.05)
run(time.time() + 600)
ok = sum(1 for r in results if r == 200)
print("connected %d of %d in %.1f s (%d answered 200)" % (len(conns) - len(state), n, time.time() - t0, ok), flush=True)
while not os.path.exists(go):
    time.sleep(0.2)
results = []
for s in conns:
    if s.fileno() >= 0:
        start(s)
run(time.time() + 600)
print("again: %d of %d answered 200" % (sum(1 for r in results if r == 200), n), flush=True)
PY

wrk_line() {  # PORT LABEL -> "req/s p99_ms"
  wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$1/1k.bin" > "$OUT/wrk-$2.txt"
  awk '/^Requests\/sec:/ { r = $2 } /^ +99%/ { p = $2 } END { print r, p }' "$OUT/wrk-$2.txt"
}

# The reference nginx on PORT with its limits raised to hold the connections: worker_connections
# and worker_rlimit_nofile at the open-file limit, keepalive_timeout 600s.
start_holding_nginx() {
  local port=$1 conf=/tmp/nginx-anchor-$1/nginx.conf
  bash "$NGINX_ANCHOR" start "$root" "$port" "$WORKERS" >&2
  sed -i -e "s/worker_rlimit_nofile [0-9]*;/worker_rlimit_nofile $fd_limit;/" \
         -e "s/worker_connections [0-9]*;/worker_connections $((fd_limit - 100));/" \
         -e "s/keepalive_timeout [0-9]*s;/keepalive_timeout 600s;/" "$conf"
  # Started anew, not reloaded: a reload's old workers close their SO_REUSEPORT sockets, and what
  # waits in those backlogs is lost.
  bash "$NGINX_ANCHOR" stop "$port" >/dev/null
  sleep 1
  nginx -c "$conf"
  wait_http "http://127.0.0.1:$port/1k.bin" || die "nginx did not answer on port $port"
}

summary=$OUT/summary.md
: > "$summary"
round=0
for s in $SERVERS; do
  say "== $s"
  # Each server's clients come from source addresses of their own: the previous server's closed
  # connections sit in TIME_WAIT for a minute on theirs.
  first_source=$((round * SOURCES)); round=$((round + 1))
  if [ "$s" = nginx ]; then
    port=$NGINX_PORT
    start_holding_nginx "$port"
    mapfile -t pids < <(nginx_master_pid; pgrep -P "$(nginx_master_pid)")
  else
    port=$URING_PORT
    start_uring_master "$s" "$WORKERS" "$port" "$root" "$work/$s" "$OUT/uring-httpd-$s.log" \
      "timeouts { keepalive-idle = 10m }" "limits.connections-per-loop = $((per_worker + 1000))"
    master=$URING_PID
    STOP_PIDS=("$master")
    mapfile -t pids < <(echo "$master"; pgrep -P "$master")
  fi
  idle_port=$port
  if [ "${IDLE_HOLDER:-}" = nginx ] && [ "$s" != nginx ]; then
    idle_port=${HOLDER_PORT:-18090}
    start_holding_nginx "$idle_port"
    say "   the idle connections go to nginx on port $idle_port"
  fi
  wrk -t2 -c64 -d3s "http://127.0.0.1:$port/1k.bin" > /dev/null   # warm-up
  read -r rps0 p990 <<< "$(wrk_line "$port" "$s-alone")"
  say "   alone: $rps0 req/s, p99 $p990"
  rm -f "$work/go"
  clients=()
  for c in $(seq 0 $((CLIENTS - 1))); do
    n=$(( CONNECTIONS / CLIENTS + (c < CONNECTIONS % CLIENTS ? 1 : 0) ))
    python3 "$work/client.py" "$idle_port" "$n" "$SOURCES" "$first_source" "$work/go" > "$OUT/client-$s-$c.txt" 2>&1 &
    clients+=($!)
  done
  KILL_PIDS=("${clients[@]}")
  t0=$(date +%s.%N)
  for c in $(seq 0 $((CLIENTS - 1))); do
    for _ in $(seq 6000); do grep -q connected "$OUT/client-$s-$c.txt" && break; kill -0 "${clients[$c]}" 2>/dev/null || break; sleep 0.1; done
  done
  seconds=$(echo "$(date +%s.%N) - $t0" | bc)
  connected=$(cat "$OUT"/client-"$s"-*.txt | awk '/^connected/ { c += $2; ok += substr($8, 2) } END { printf "%d connected, %d answered 200", c, ok }')
  connected="$connected, in $(printf '%.1f' "$seconds") s ($CLIENTS client processes)"
  say "   $connected"
  for p in "${pids[@]}"; do memory_of "$s" "$p"; done > "$OUT/memory-$s.txt"
  sockstat=$(awk '/^TCP:/ { print "inuse " $3 ", mem " $11 " pages" }' /proc/net/sockstat)
  read -r rps1 p991 <<< "$(wrk_line "$port" "$s-beside")"
  say "   beside them: $rps1 req/s, p99 $p991"
  touch "$work/go"
  for c in "${clients[@]}"; do wait "$c" 2>/dev/null || true; done
  KILL_PIDS=()
  again=$(cat "$OUT"/client-"$s"-*.txt | awk '/^again:/ { a += $2 } END { printf "again: %d of '"$CONNECTIONS"' answered 200", a }')
  say "   $again"
  {
    echo "### $s${IDLE_HOLDER:+ (idle connections held by $IDLE_HOLDER)}"
    echo
    echo "- wrk -t2 -c64 alone: $rps0 req/s, p99 $p990; beside the idle connections: $rps1 req/s, p99 $p991"
    echo "- $connected; $again"
    echo "- kernel TCP sockets: $sockstat"
    echo "- memory with the connections open (RSS / PSS MiB):"
    awk '{ printf "  - pid %s: %.1f / %.1f\n", $2, $3 / 1024, $4 / 1024; r += $3; p += $4 } END { printf "  - all: %.1f / %.1f\n", r / 1024, p / 1024 }' "$OUT/memory-$s.txt"
    echo
  } >> "$summary"
  if [ "$s" = nginx ]; then bash "$NGINX_ANCHOR" stop "$port" >/dev/null; sleep 1; else stop_pid "$master"; STOP_PIDS=(); fi
  [ "$idle_port" = "$port" ] || bash "$NGINX_ANCHOR" stop "$idle_port" >/dev/null
  sleep 2
done
echo "Command: \`${IDLE_HOLDER:+IDLE_HOLDER=$IDLE_HOLDER }CONNECTIONS=$CONNECTIONS SERVERS='$SERVERS' WORKERS=$WORKERS bench/many-connections.sh\` at $(git -C "$repo_dir" rev-parse --short HEAD); raw: $OUT" >> "$summary"
cat "$summary"
