# shellcheck shell=bash
# Shared helpers for the bench scripts (sourced, not run).
# Expects: set -euo pipefail in the caller; sets bench_dir and repo_dir.

bench_dir=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
repo_dir=$(dirname -- "$bench_dir")

SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
NGINX_PORT=${NGINX_PORT:-18080}
URING_PORT=${URING_PORT:-18081}
JAR=${JAR:-$repo_dir/server/target/uring-httpd.jar}
# The reference nginx lives in the shared folder beside the repository.
NGINX_ANCHOR=${NGINX_ANCHOR:-$repo_dir/../shared/bench/nginx-anchor.sh}

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }
say() { printf '%s\n' "$*" >&2; }

# apt-get install PACKAGE... for the commands that are missing.
# usage: need_tools wrk:wrk h2load:nghttp2-client   (command:package)
need_tools() {
  local pair cmd pkg missing=()
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}: install with apt-get install ${missing[*]} (needs root)"
  say "installing ${missing[*]} (apt-get)"
  # Another apt may hold the dpkg lock: wait for it rather than fail.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >&2
}

# Feature release of a java binary (25 for "25.0.3"), or nothing.
java_feature() {
  local v
  v=$("$1" -version 2>&1 | sed -n 's/^[^"]* version "\([^"]*\)".*/\1/p' | head -n 1) || return 0
  case $v in 1.*) v=${v#1.} ;; esac
  v=${v%%[.+_-]*}
  case $v in ''|*[!0-9]*) return 0 ;; esac
  printf '%s\n' "$v"
}

# Sets JAVA_HOME_25 to a JDK >= 25, found like ./uring-httpd does:
# JAVA_HOME, then the newest under /usr/lib/jvm, then java on PATH.
find_jdk25() {
  local c f best=0 home=""
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    f=$(java_feature "$JAVA_HOME/bin/java")
    if [ -n "$f" ] && [ "$f" -ge 25 ]; then JAVA_HOME_25=$JAVA_HOME; return 0; fi
  fi
  for c in /usr/lib/jvm/*; do
    [ -x "$c/bin/java" ] || continue
    f=$(java_feature "$c/bin/java")
    if [ -n "$f" ] && [ "$f" -gt "$best" ]; then best=$f; home=$c; fi
  done
  if [ "$best" -ge 25 ]; then JAVA_HOME_25=$home; return 0; fi
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)")
    f=$(java_feature "$c")
    if [ -n "$f" ] && [ "$f" -ge 25 ]; then JAVA_HOME_25=$(cd "$(dirname "$c")/.." && pwd); return 0; fi
  fi
  die "uring-httpd needs a JDK 25 or newer: install Temurin 25 (e.g. apt-get install temurin-25-jdk from packages.adoptium.net) or set JAVA_HOME"
}

check_cpus() {
  local n; n=$(nproc --all)
  if [ "$SERVER_CPU" -ge "$n" ] || [ "$CLIENT_CPU" -ge "$n" ]; then die "this machine has $n CPU(s); the bench pins the server to CPU $SERVER_CPU and the client to CPU $CLIENT_CPU (set SERVER_CPU/CLIENT_CPU)"; fi
}

# Warns when the machine is busy before a measurement: other work on the
# benchmark's CPUs makes every number meaningless.
warn_if_busy() {
  local load1
  load1=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
    say "WARNING: load average is $load1 before the benchmark: something else is running; results will be noisy"
  fi
}

port_free() { ! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }

# Waits until URL answers (any HTTP status); PID, when given, must stay alive.
wait_http() {
  local url=$1 pid=${2:-} _
  for _ in $(seq 300); do
    if curl -s -o /dev/null --max-time 1 "$url"; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

# Creates the docroot with 1k.bin (1024 B), 16k.bin (16384 B), 1m.bin (1 MiB) of random bytes.
make_docroot() {
  local root=$1
  mkdir -p "$root"
  # nginx's workers run as www-data: the root and its parents must be readable.
  chmod 755 "$root" "$(dirname "$root")"
  head -c 1024 /dev/urandom > "$root/1k.bin"
  head -c 16384 /dev/urandom > "$root/16k.bin"
  head -c 1048576 /dev/urandom > "$root/1m.bin"
  printf '<!doctype html><title>bench</title>\n' > "$root/index.html"
}

size_bytes() {
  case $1 in
    1k) echo 1024 ;; 16k) echo 16384 ;; 1m) echo 1048576 ;;
    *) die "unknown size '$1' (sizes: 1k 16k 1m)" ;;
  esac
}

# utime+stime of a whole process (all its threads, live and exited), in clock ticks.
# /proc/PID/stat fields 14 and 15; the comm field (2) may contain spaces, so
# count from the last ')': field 3 is the first word after it.
proc_ticks() {
  local stat rest
  stat=$(cat "/proc/$1/stat") || return 1
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo $(( ${12} + ${13} ))
}

# The nginx worker: the child of the master named in the anchor's pid file.
nginx_master_pid() { cat "/tmp/nginx-anchor-$NGINX_PORT/nginx.pid"; }
nginx_worker_pid() {
  local master p ppid rest
  master=$(nginx_master_pid)
  for p in /proc/[0-9]*; do
    rest=$(cat "$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    ppid=$(echo "$rest" | cut -d' ' -f2)
    if [ "$ppid" = "$master" ]; then echo "${p#/proc/}"; return 0; fi
  done
  return 1
}

start_nginx() {
  local root=$1
  [ -f "$NGINX_ANCHOR" ] || die "reference nginx script not found at $NGINX_ANCHOR (expected ../shared/bench/nginx-anchor.sh beside the repository; set NGINX_ANCHOR)"
  port_free "$NGINX_PORT" || die "port $NGINX_PORT is already in use (set NGINX_PORT)"
  bash "$NGINX_ANCHOR" start "$root" "$NGINX_PORT" 1 "$SERVER_CPU" >&2
  wait_http "http://127.0.0.1:$NGINX_PORT/1k.bin" || die "nginx did not answer on port $NGINX_PORT"
  # shellcheck disable=SC2034  # NGINX_PID is read by the scripts that source this file
  NGINX_PID=$(nginx_worker_pid) || die "cannot find the nginx worker (master $(nginx_master_pid))"
}

stop_nginx() {
  local master="" _
  master=$(nginx_master_pid 2>/dev/null) || true
  if [ -f "$NGINX_ANCHOR" ]; then bash "$NGINX_ANCHOR" stop "$NGINX_PORT" >/dev/null 2>&1 || true; fi
  # wait for it to be gone, so that the port is free for the next run
  [ -n "$master" ] || return 0
  for _ in $(seq 50); do kill -0 "$master" 2>/dev/null || return 0; sleep 0.1; done
}

# Server names accepted in SERVERS: nginx; epoll, io_uring, auto (a uring-httpd
# process with that engine); uring-httpd (the engine in ENGINE, or the config's).
# The default list: nginx and each engine in ENGINE (a list), or all three.
default_servers() { echo "nginx ${ENGINE:-epoll io_uring}"; }

# Checks the names in SERVERS (already split on commas/blanks); sets
# uring_servers to the uring-httpd ones, in order.
check_servers() {
  local s seen=" "
  uring_servers=""
  for s in $SERVERS; do
    case $s in
      nginx|epoll|io_uring|auto) ;;
      epoll+*|io_uring+*|auto+*)
        # ENGINE+VARIANT: that engine with URING_SET_VARIANT's --set list on top of URING_SET.
        case ${s#*+} in ''|*[!A-Za-z0-9_]*) die "server '$s': a variant name is letters, digits and '_'" ;; esac
        local var="URING_SET_${s#*+}"
        [ -n "${!var+x}" ] || die "server '$s' needs $var (its --set KEY=VALUE list)" ;;
      uring-httpd)
        case ${ENGINE:-} in *[[:space:],]*) die "SERVERS names uring-httpd but ENGINE is a list ('$ENGINE'): name the engines in SERVERS (e.g. SERVERS='nginx epoll io_uring')" ;; esac ;;
      *) die "unknown server '$s' (servers: nginx epoll io_uring auto uring-httpd, and ENGINE+VARIANT)" ;;
    esac
    case $seen in *" $s "*) die "server '$s' is named twice in SERVERS" ;; esac
    seen="$seen$s "
    is_uring_server "$s" && uring_servers="$uring_servers $s"
  done
  uring_servers=${uring_servers# }
  [ -n "${SERVERS// /}" ] || die "SERVERS is empty"
}

has_server() { case " $SERVERS " in *" $1 "*) return 0 ;; esac; return 1; }
is_uring_server() { [ "$1" != nginx ]; }

# The engine a uring-httpd server name runs ("" = the config's default).
engine_of() {
  case $1 in
    uring-httpd) echo "${ENGINE:-}" ;;
    *) echo "${1%%+*}" ;;
  esac
}

# Starts one uring-httpd process pinned to SERVER_CPU: one event loop, no access
# log, no metrics. Extra JVM options: URING_JAVA_OPTS; extra --set: URING_SET
# (whitespace-separated KEY=VALUE list); ENGINE_ARG "" = the config's engine.
# Several may run at once (different PORT and WORKDIR). Sets URING_PID,
# URING_CMD and URING_STARTED_ENGINE (the engine the server says it started).
# usage: start_uring_engine ENGINE_ARG PORT ROOT WORKDIR LOGFILE [extra JVM options...]
start_uring_engine() {
  local engine=$1 port=$2 root=$3 work=$4 log=$5; shift 5
  [ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package (or run ./uring-httpd once), or set JAR"
  port_free "$port" || die "port $port is already in use (set URING_PORT)"
  find_jdk25
  mkdir -p "$work"
  local conf=$work/uring-httpd.conf
  # URING_METRICS_PORT set: the Prometheus endpoint on that port (bench/compare reads it).
  local metrics="enabled = false"
  [ -n "${URING_METRICS_PORT:-}" ] && metrics="enabled = true, listen = \"127.0.0.1:$URING_METRICS_PORT\""
  cat > "$conf" <<CONF
# generated by bench/${0##*/}
uring-httpd {
  listen = ["127.0.0.1:$port"]
  root = "$root"
  master = off
  workers = 1
  loops-per-worker = 1
  pid-file = "$work/uring-httpd.pid"
  access-log { enabled = false }
  metrics { $metrics }
}
CONF
  local sets=() jopts=() extra=() s _
  [ -n "$engine" ] && sets+=(--set "uring-httpd.engine=$engine")
  read -r -a extra <<< "${URING_SET:-}"
  for s in ${extra[@]+"${extra[@]}"}; do sets+=(--set "$s"); done
  read -r -a jopts <<< "${URING_JAVA_OPTS:-}"
  URING_CMD=(taskset -c "$SERVER_CPU" "$JAVA_HOME_25/bin/java" --enable-native-access=ALL-UNNAMED
             ${jopts[@]+"${jopts[@]}"} "$@" -jar "$JAR" --config "$conf" ${sets[@]+"${sets[@]}"})
  say "starting: ${URING_CMD[*]}"
  "${URING_CMD[@]}" > "$log" 2>&1 &
  URING_PID=$!
  if ! wait_http "http://127.0.0.1:$port/1k.bin" "$URING_PID"; then
    say "uring-httpd did not answer on port $port; its log ($log):"
    tail -n 30 "$log" >&2 || true
    die "uring-httpd failed to start"
  fi
  # "… started: engine io_uring, listen …" (Server's start line): a run that
  # measured another engine than the one asked for would be worthless.
  URING_STARTED_ENGINE=""
  for _ in $(seq 50); do
    URING_STARTED_ENGINE=$(sed -n 's/.* started: engine \([A-Za-z_]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$URING_STARTED_ENGINE" ] && break
    sleep 0.1
  done
  if [ -z "$URING_STARTED_ENGINE" ]; then
    say "warning: no 'started: engine …' line in $log: cannot check the engine"
  elif [ -n "$engine" ] && [ "$engine" != auto ] && [ "$engine" != "$URING_STARTED_ENGINE" ]; then
    tail -n 30 "$log" >&2 || true
    die "uring-httpd was asked for engine $engine but started $URING_STARTED_ENGINE"
  fi
}

# Per server name (nginx, epoll, …): pid (for nginx: its worker), port, log,
# command line, the engine it started.
declare -A SPID=() SPORT=() SLOG=() SCMD=() SENGINE=()
nginx_started=0

# Starts every server in SERVERS, all pinned to SERVER_CPU, each on its own
# port: nginx on NGINX_PORT, the uring-httpd ones on URING_PORT, URING_PORT+1, …
# Logs go to LOGDIR/uring-httpd-NAME.log.
# usage: start_servers ROOT WORKDIR LOGDIR [extra JVM options...]
# shellcheck disable=SC2034  # SCMD, SENGINE: read by the scripts that source this file
start_servers() {
  local root=$1 work=$2 logdir=$3 s port; shift 3
  if has_server nginx; then
    start_nginx "$root"; nginx_started=1
    SPID[nginx]=$NGINX_PID; SPORT[nginx]=$NGINX_PORT
    say "nginx worker pid $NGINX_PID (master $(nginx_master_pid)) on CPU $SERVER_CPU, port $NGINX_PORT"
  fi
  port=$URING_PORT
  for s in $uring_servers; do
    [ "$port" = "$NGINX_PORT" ] && port=$((port + 1))
    SLOG[$s]=$logdir/uring-httpd-$s.log
    local variant_set=""
    case $s in *+*) local var="URING_SET_${s#*+}"; variant_set=${!var} ;; esac
    URING_SET="${URING_SET:-} $variant_set" start_uring_engine "$(engine_of "$s")" "$port" "$root" "$work/$s" "${SLOG[$s]}" "$@"
    SPID[$s]=$URING_PID; SPORT[$s]=$port; SCMD[$s]="${URING_CMD[*]}"; SENGINE[$s]=$URING_STARTED_ENGINE
    say "$s: uring-httpd pid $URING_PID (engine ${URING_STARTED_ENGINE:-?}) on CPU $SERVER_CPU, port $port"
    port=$((port + 1))
  done
}

stop_servers() {
  local s
  for s in "${!SPID[@]}"; do
    [ "$s" = nginx ] || stop_pid "${SPID[$s]}"
  done
  if [ "$nginx_started" = 1 ]; then stop_nginx; nginx_started=0; fi
}

server_pid() { echo "${SPID[$1]}"; }
server_port() { echo "${SPORT[$1]}"; }
alive_or_die() {
  local pid; pid=$(server_pid "$1")
  kill -0 "$pid" 2>/dev/null && return 0
  if is_uring_server "$1"; then tail -n 30 "${SLOG[$1]}" >&2 || true; fi
  die "$1 (pid $pid) is no longer running"
}

# The single-server form: engine ENGINE (default: the config's), port URING_PORT.
# usage: start_uring ROOT WORKDIR LOGFILE [extra JVM options...]
start_uring() {
  local root=$1 work=$2 log=$3; shift 3
  start_uring_engine "${ENGINE:-}" "$URING_PORT" "$root" "$work" "$log" "$@"
}

# The scratch folder of a bench script (work, with the docroot in root) and what to stop when the
# script ends, however it ends: uring-httpd processes in STOP_PIDS (TERM, then KILL), other
# processes in KILL_PIDS, and the reference nginx on NGINX_PORT.
STOP_PIDS=()
KILL_PIDS=()
bench_setup() {
  work=$(mktemp -d /tmp/uring-bench.XXXXXX)
  root=$work/www
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  make_docroot "$root"
}
bench_cleanup() {
  local rc=$? p
  for p in ${KILL_PIDS[@]+"${KILL_PIDS[@]}"}; do kill "$p" 2>/dev/null || true; done
  for p in ${STOP_PIDS[@]+"${STOP_PIDS[@]}"}; do stop_pid "$p"; done
  bash "$NGINX_ANCHOR" stop "$NGINX_PORT" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$rc"
}

# "ROLE PID RSS_KiB PSS_KiB" of a process, from /proc/PID/smaps_rollup (PSS: each page divided
# among the processes that map it).
memory_of() {
  awk -v role="$1" -v pid="$2" '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print role, pid, r, p }' "/proc/$2/smaps_rollup"
}

# Starts a uring-httpd master (not pinned) with WORKERS workers of ENGINE on 127.0.0.1:PORT serving
# ROOT, no access log, no metrics, plus the config lines given; waits until it supervises its
# workers and checks the engine it started. JVM options: URING_JAVA_OPTS. Sets URING_PID (the master).
# usage: start_uring_master ENGINE WORKERS PORT ROOT WORKDIR LOGFILE [config line...]
start_uring_master() {
  local engine=$1 workers=$2 port=$3 root=$4 dir=$5 log=$6 jopts=() line _; shift 6
  mkdir -p "$dir"
  {
    echo "uring-httpd {"
    echo "  listen = [\"127.0.0.1:$port\"]"
    echo "  root = \"$root\""
    echo "  engine = $engine"
    echo "  master = on"
    echo "  workers = $workers"
    echo "  pid-file = \"$dir/uring-httpd.pid\""
    echo "  access-log { enabled = false }"
    echo "  metrics { enabled = false }"
    for line in "$@"; do echo "  $line"; done
    echo "}"
  } > "$dir/uring-httpd.conf"
  find_jdk25
  read -r -a jopts <<< "${URING_JAVA_OPTS:-}"
  "$JAVA_HOME_25/bin/java" ${jopts[@]+"${jopts[@]}"} -jar "$JAR" --config "$dir/uring-httpd.conf" > "$log" 2>&1 &
  URING_PID=$!
  for _ in $(seq 300); do grep -q " supervises " "$log" && break; sleep 0.1; done
  grep -q " supervises " "$log" || { tail -20 "$log" >&2; die "uring-httpd ($engine) did not start"; }
  grep -q "started: engine $engine," "$log" || die "uring-httpd did not start engine $engine (see $log)"
}

# Stops a uring-httpd started by this shell: TERM, up to 5 s, then KILL.
stop_pid() {
  local pid=$1 _
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

stop_uring() {
  stop_pid "${URING_PID:-}"
  URING_PID=""
}

# The collector the JVM picks with URING_JAVA_OPTS when pinned to SERVER_CPU
# (one CPU: the ergonomics pick Serial unless told otherwise).
uring_gc() {
  local jopts=()
  read -r -a jopts <<< "${URING_JAVA_OPTS:-}"
  taskset -c "$SERVER_CPU" "$JAVA_HOME_25/bin/java" ${jopts[@]+"${jopts[@]}"} -XX:+PrintFlagsFinal -version 2>/dev/null \
    | awk '$2 ~ /^Use(G1|Serial|Parallel|Z|Shenandoah|Epsilon)GC$/ && $4 == "true" { sub(/^Use/, "", $2); print $2; exit }'
}

# Thread id of the named thread of PID (from /proc/PID/task/*/comm).
thread_tid() {
  local pid=$1 name=$2 t
  for t in /proc/"$pid"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "$name" ]; then echo "${t##*/}"; return 0; fi
  done
  return 1
}

# Response head size in bytes (status line + headers + the blank line) of a GET.
head_bytes() { curl -s -o /dev/null -D - "$1" | wc -c | tr -d ' '; }

# Checks that URL serves exactly BYTES bytes with status 200.
check_body() {
  local url=$1 want=$2 got
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url")
  [ "$got" = "200 $want" ] || die "$url answered '$got', expected '200 $want'"
}

# wrk output -> "requests rps p99_ms errors" (errors: socket errors + non-2xx/3xx)
parse_wrk() {
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    / requests in / { req = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /^ +99%/ { p99 = ms($2) }
    /Socket errors:/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { err += $5 }
    END { printf "%s %s %s %d\n", req+0, rps+0, (p99 == "" ? "-" : p99), err }'
}

# h2load output -> "requests rps p99_ms errors" (h2load reports no percentiles: p99 is "-")
parse_h2load() {
  awk '
    /^finished in/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^req\/s/) { rps = $i; sub(/,$/, "", rps) } }
    /^requests:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^succeeded/) ok = $i; if ($(i+1) ~ /^(failed|errored|timeout)/) err += $i } }
    /^status codes:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^[345]xx/) err += $i }
    END { printf "%s %s - %d\n", ok+0, rps+0, err }'
}

# Median of the numbers on stdin (one a line); "-" when there are none.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The two loads, for SECONDS: wrk (keep-alive, one request in flight per
# connection) and h2load pipelined (16 in flight per connection); the client on
# CLIENT_CPU. usage: timed_load LOAD URL SECONDS
timed_load() {
  if [ "$1" = wrk ]; then
    taskset -c "$CLIENT_CPU" wrk -t1 -c64 "-d$3s" --latency "$2"
  else
    taskset -c "$CLIENT_CPU" h2load --h1 -c64 -m16 -t1 -D "$3" "$2"
  fi
}

# Client output of LOAD on stdin -> "requests rps p99_ms errors"
parse_load() { if [ "$1" = wrk ]; then parse_wrk; else parse_h2load; fi; }
