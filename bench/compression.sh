#!/usr/bin/env bash
# "Static site with compression": uring-httpd against nginx (precompressed
# sidecars, and gzip on the fly) and Caddy, on a site of 20 real files (HTML, CSS,
# JS, SVG, JSON, PNG, WOFF2; 1 KiB to 273 KiB) from pinned npm packages, built and
# precompressed by bench/static-site.sh (FILE.gz, FILE.br, FILE.zst sidecars).
#
# wrk requests the 20 files round-robin (bench/site.lua), once with
# "Accept-Encoding: br;q=1, gzip;q=0.8" (load "compressed") and once without
# Accept-Encoding (load "identity"). Every server runs one worker / one event
# loop pinned to SERVER_CPU, wrk to CLIENT_CPU; warm-up, then alternating runs,
# medians; req/s, p99, server CPU per request (utime+stime deltas of
# /proc/PID/stat), bytes per response, and the Content-Encoding each server sent
# for each file (curl). Also (uring-httpd only): the time until a file first
# requested with Accept-Encoding: br is served as br by a fresh server on the site
# without sidecars, and syscalls per request of the event-loop thread (perf stat).
#
#   bench/compression.sh                                  # 4 kinds of server, 2 engines, 2 loads: ~8 minutes
#   RUNS=1 DURATION=2s WARMUP=1s bench/compression.sh     # smoke run, ~1.5 minutes
#   SERVERS="uring-httpd nginx-precompressed" ENGINES=io_uring bench/compression.sh
#   LOADS=compressed TTC=0 SYSCALLS=0 bench/compression.sh
#   URING_SET='uring-httpd.compression.encodings=[br,zstd,gzip] uring-httpd.compression.sidecars=on' bench/compression.sh
#   bench/static-site.sh precompress DIR                  # precompress any site the same way
#
# The servers (rows):
#   uring-httpd          one process per engine in ENGINES (rows uring-epoll, uring-io_uring),
#                        started like bench/run.sh (lib.sh start_uring_engine: master = off,
#                        workers = 1, loops-per-worker = 1, access log and metrics off), with
#                        its default compression settings; extra --set KEY=VALUE in URING_SET.
#                        A build without compression serves identity: reported, not an error.
#   nginx-precompressed  the reference nginx's configuration (../shared/bench/nginx-anchor.sh:
#                        its nginx.conf is taken from that script, so the tuning is the same:
#                        one worker, sendfile, tcp_nopush, tcp_nodelay, open_file_cache,
#                        reuseport, no access log) plus load_module brotli_static,
#                        gzip_static on, brotli_static on, gzip_vary on; the site with sidecars.
#   nginx-onthefly       the same anchor configuration plus gzip on, gzip_comp_level
#                        NGINX_GZIP_LEVEL (default 1, nginx's default), gzip_types for CSS,
#                        JS, JSON, SVG (text/html is always in), gzip_vary on, gzip_static
#                        off: the sidecars on disk are not used. No brotli on the fly.
#   caddy                Debian's caddy (2.6): file_server { precompressed br zstd gzip },
#                        encode zstd gzip, admin off, no access log, GOMAXPROCS=1.
#
# Environment (defaults):
#   SERVERS="uring-httpd nginx-precompressed nginx-onthefly caddy"   in the order of the runs
#   ENGINES="epoll io_uring"   the uring-httpd engines (one process each)
#   LOADS="compressed identity"
#   ACCEPT_ENCODING="br;q=1, gzip;q=0.8"   the header of the compressed load
#   RUNS=3  DURATION=10s  WARMUP=5s  CONNECTIONS=64   (wrk -t1 -cCONNECTIONS -dDURATION)
#   URING_SIDECARS=1     0: uring-httpd serves the site without sidecars, so the compressed load
#                        gets its variants made on the fly (give WARMUP time to make them all:
#                        brotli 11 of the largest file takes ~1 s on this VM)
#   PIPELINE=1           requests each connection sends at once (site.lua DEPTH); >1 makes the
#                        client cheaper per request, for when wrk, not the server, is the limit
#   NGINX_GZIP_LEVEL=1
#   TTC=1                time-to-compressed test, TTC_PATH=/css/bootstrap.min.css, TTC_TIMEOUT=10 (s)
#   SYSCALLS=auto        perf stat of the loop thread (auto: when root and perf can count; 0: skip)
#   LOOP_THREAD=loop-0
#   SITE_DIR=bench/out/static-site (bench/static-site.sh build SITE_DIR; tarballs cached there)
#   URING_SET URING_JAVA_OPTS JAR SERVER_CPU=1 CLIENT_CPU=0   as in bench/run.sh
#   URING_PORT=18180 (the next engine 18181, …)  NGINX_PRE_PORT=18183  NGINX_FLY_PORT=18184
#   CADDY_PORT=18185  TTC_PORT=18186
#   OUT                  raw results folder (default bench/out/compression-<UTC time>)
set -euo pipefail
URING_PORT=${URING_PORT:-18180}
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

SERVERS=${SERVERS:-uring-httpd nginx-precompressed nginx-onthefly caddy}; SERVERS=${SERVERS//,/ }
ENGINES=${ENGINES:-epoll io_uring}; ENGINES=${ENGINES//,/ }
LOADS=${LOADS:-compressed identity}; LOADS=${LOADS//,/ }
ACCEPT_ENCODING=${ACCEPT_ENCODING:-br;q=1, gzip;q=0.8}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-64}
PIPELINE=${PIPELINE:-1}
URING_SIDECARS=${URING_SIDECARS:-1}
NGINX_GZIP_LEVEL=${NGINX_GZIP_LEVEL:-1}
NGINX_PRE_PORT=${NGINX_PRE_PORT:-18183}
NGINX_FLY_PORT=${NGINX_FLY_PORT:-18184}
CADDY_PORT=${CADDY_PORT:-18185}
TTC=${TTC:-1}
TTC_PORT=${TTC_PORT:-18186}
TTC_PATH=${TTC_PATH:-/css/bootstrap.min.css}
TTC_TIMEOUT=${TTC_TIMEOUT:-10}
SYSCALLS=${SYSCALLS:-auto}
LOOP_THREAD=${LOOP_THREAD:-loop-0}
SITE_DIR=${SITE_DIR:-$bench_dir/out/static-site}

case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer" ;; esac
case $CONNECTIONS in ''|*[!0-9]*|0) die "CONNECTIONS must be a positive integer" ;; esac
case $PIPELINE in ''|*[!0-9]*|0) die "PIPELINE must be a positive integer" ;; esac
case $DURATION in *[0-9]s|*[0-9]m) ;; *) die "DURATION must look like 10s or 1m" ;; esac
case $WARMUP in *[0-9]s) ;; *) die "WARMUP must look like 5s" ;; esac
case $TTC_TIMEOUT in ''|*[!0-9]*|0) die "TTC_TIMEOUT must be a whole number of seconds" ;; esac
case $NGINX_GZIP_LEVEL in [1-9]) ;; *) die "NGINX_GZIP_LEVEL must be 1..9" ;; esac
for l in $LOADS; do case $l in compressed|identity) ;; *) die "unknown load '$l' (loads: compressed identity)" ;; esac; done
[ -n "$LOADS" ] || die "LOADS is empty"

# The rows: uring-httpd expands to uring-ENGINE for each engine in ENGINES.
ROWS=""; uring_rows=""
for s in $SERVERS; do
  case $s in
    uring-httpd)
      [ -n "$ENGINES" ] || die "ENGINES is empty"
      for e in $ENGINES; do
        case $e in epoll|io_uring|auto) ;; *) die "unknown engine '$e' (engines: epoll io_uring auto)" ;; esac
        ROWS="$ROWS uring-$e"; uring_rows="$uring_rows uring-$e"
      done ;;
    nginx-precompressed|nginx-onthefly|caddy) ROWS="$ROWS $s" ;;
    *) die "unknown server '$s' (servers: uring-httpd nginx-precompressed nginx-onthefly caddy)" ;;
  esac
done
ROWS=${ROWS# }; uring_rows=${uring_rows# }
[ -n "$ROWS" ] || die "SERVERS is empty"
[ "$(echo "$ROWS" | tr ' ' '\n' | sort | uniq -d)" = "" ] || die "a server or engine is named twice (SERVERS='$SERVERS' ENGINES='$ENGINES')"
has_row() { case " $ROWS " in *" $1 "*) return 0 ;; esac; return 1; }
is_uring_row() { case $1 in uring-*) return 0 ;; esac; return 1; }
has_nginx() { has_row nginx-precompressed || has_row nginx-onthefly; }

check_cpus
need_tools curl:curl taskset:util-linux getconf:libc-bin wrk:wrk cmp:diffutils \
  gzip:gzip brotli:brotli zstd:zstd
has_nginx && need_tools nginx:nginx
has_row caddy && need_tools caddy:caddy
BROTLI_MODULE=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
if has_row nginx-precompressed && [ ! -f "$BROTLI_MODULE" ]; then
  [ "$(id -u)" = 0 ] || die "nginx-precompressed needs $BROTLI_MODULE: apt-get install libnginx-mod-http-brotli-static (needs root)"
  say "installing libnginx-mod-http-brotli-static (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    libnginx-mod-http-brotli-static >&2 || true
  [ -f "$BROTLI_MODULE" ] || die "no $BROTLI_MODULE after apt-get install libnginx-mod-http-brotli-static: run without nginx-precompressed (SERVERS=...)"
fi
if has_nginx; then
  [ -f "$NGINX_ANCHOR" ] || die "reference nginx script not found at $NGINX_ANCHOR (expected ../shared/bench/nginx-anchor.sh beside the repository; set NGINX_ANCHOR): the nginx rows take its configuration"
fi
if [ -n "$uring_rows" ]; then
  [ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package, or set JAR; SERVERS without uring-httpd runs the others alone"
  find_jdk25
fi
case $SYSCALLS in
  0|no|off) SYSCALLS=0 ;;
  1|yes|on|auto)
    want=$SYSCALLS; SYSCALLS=0
    if [ -n "$uring_rows" ]; then
      if [ "$(id -u)" = 0 ]; then
        [ "$want" = auto ] || need_tools perf:linux-perf
        if command -v perf >/dev/null 2>&1 && perf stat -e raw_syscalls:sys_enter -x, -o /dev/null -- true 2>/dev/null; then
          SYSCALLS=1
        fi
      fi
      [ "$SYSCALLS" = 1 ] || { [ "$want" = auto ] || die "perf cannot count raw_syscalls:sys_enter here (needs root, linux-perf, tracefs)"; say "note: syscalls per request skipped (needs root and perf stat -e raw_syscalls:sys_enter)"; }
    fi ;;
  *) die "SYSCALLS must be auto, 1 or 0" ;;
esac

warn_if_busy
clk_tck=$(getconf CLK_TCK)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$bench_dir/out/compression-$stamp}
mkdir -p "$OUT/raw"
work=$(mktemp -d /tmp/uring-bench-compression.XXXXXX)

# ---- every process this script starts is recorded here and stopped on exit
declare -A SPID=() SPORT=() SCMD=() SENGINE=() SLOG=() NGINX_DIR=()
extra_pids=""
stop_nginx_dir() { # stop_nginx_dir DIR: TERM to the master in DIR/nginx.pid, wait up to 5 s
  local master _
  master=$(cat "$1/nginx.pid" 2>/dev/null) || return 0
  kill -TERM "$master" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$master" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$master" 2>/dev/null || true
}
cleanup() {
  local rc=$? s p
  trap - EXIT INT TERM
  for p in $extra_pids; do kill -INT "$p" 2>/dev/null || true; done
  for s in "${!SPID[@]}"; do
    case $s in
      nginx-*) stop_nginx_dir "${NGINX_DIR[$s]}" ;;
      *) stop_pid "${SPID[$s]}" ;;
    esac
  done
  for p in $extra_pids; do stop_pid "$p"; done
  stop_pid "${URING_PID:-}"   # a uring-httpd whose start failed half-way
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the site: bench/out/static-site/www (cached), served from copies in $work
say "== the site (bench/static-site.sh build $SITE_DIR)"
bash "$bench_dir/static-site.sh" build "$SITE_DIR" | tee "$OUT/site.txt" >&2
root=$work/www          # with sidecars
plain=$work/www-plain   # without: the time-to-compressed test, nginx-onthefly does not read them anyway
cp -a "$SITE_DIR/www" "$root"
cp -a "$SITE_DIR/www" "$plain"
bash "$bench_dir/static-site.sh" strip "$plain"
if [ "$URING_SIDECARS" = 1 ]; then uring_root=$root; else uring_root=$plain; fi
chmod 755 "$work"
paths=$OUT/paths.txt
bash "$bench_dir/static-site.sh" paths "$root" > "$paths"
[ "$(wc -l < "$paths")" -gt 0 ] || die "the site has no files"

# children_of PID: the pids whose parent is PID
children_of() {
  local p rest ppid
  for p in /proc/[0-9]*; do
    rest=$(cat "$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    ppid=$(echo "$rest" | cut -d' ' -f2)
    [ "$ppid" = "$1" ] && echo "${p#/proc/}"
  done
  return 0
}

# nginx_conf MODE DIR PORT ROOT: the anchor's nginx.conf (the heredoc in
# nginx-anchor.sh, variables filled in) plus the MODE's compression directives.
# shellcheck disable=SC2016  # the anchor's literal $dir, $port, … are matched, not expanded
nginx_conf() {
  local mode=$1 dir=$2 port=$3 www=$4 base extra
  base=$(sed -n '/^cat > "\$dir\/nginx.conf" <<CONF$/,/^CONF$/p' "$NGINX_ANCHOR" | sed '1d;$d')
  case $base in *"sendfile on"*'listen 127.0.0.1:$port'*) ;;
    *) die "cannot find the nginx.conf heredoc in $NGINX_ANCHOR: the nginx rows copy the anchor's configuration" ;; esac
  base=$(printf '%s\n' "$base" | sed -e 's|\$workers|1|g' -e "s|\\\$dir|$dir|g" -e "s|\\\$port|$port|g" -e "s|\\\$root|$www|g")
  case $mode in
    precompressed)
      extra="  gzip_static on; brotli_static on; gzip_vary on;" ;;
    onthefly)
      extra="  gzip on; gzip_comp_level $NGINX_GZIP_LEVEL; gzip_vary on; gzip_static off;\\n  gzip_types text/css application/javascript application/json image/svg+xml;" ;;
  esac
  {
    echo "# generated by bench/${0##*/}: the configuration of $NGINX_ANCHOR"
    echo "# (same tuning as the reference nginx) plus $mode compression"
    [ "$mode" = precompressed ] && echo "load_module $BROTLI_MODULE;"
    printf '%s\n' "$base" | awk -v extra="$extra" '{ print } /access_log off;/ { print extra }'
  }
}

start_nginx_row() { # start_nginx_row ROW MODE PORT
  local row=$1 mode=$2 port=$3 dir=$work/$1 master="" w _
  port_free "$port" || die "port $port is already in use ($row; set NGINX_PRE_PORT / NGINX_FLY_PORT)"
  mkdir -p "$dir/logs"
  nginx_conf "$mode" "$dir" "$port" "$root" > "$dir/nginx.conf"
  cp "$dir/nginx.conf" "$OUT/$row-nginx.conf"
  nginx -t -q -c "$dir/nginx.conf" 2>"$OUT/$row-nginx-t.txt" || { cat "$OUT/$row-nginx-t.txt" >&2; die "nginx -t failed for $OUT/$row-nginx.conf"; }
  NGINX_DIR[$row]=$dir; SPID[$row]=""
  SCMD[$row]="taskset -c $SERVER_CPU nginx -c $dir/nginx.conf (copy: $OUT/$row-nginx.conf)"
  say "starting $row: ${SCMD[$row]}"
  taskset -c "$SERVER_CPU" nginx -c "$dir/nginx.conf"
  for _ in $(seq 50); do master=$(cat "$dir/nginx.pid" 2>/dev/null) && [ -n "$master" ] && break; sleep 0.1; done
  [ -n "$master" ] || die "$row: no pid file $dir/nginx.pid (see $dir/logs/error.log)"
  wait_http "http://127.0.0.1:$port/index.html" || die "$row did not answer on port $port (see $dir/logs/error.log)"
  w=$(children_of "$master")
  [ "$(echo "$w" | wc -w)" = 1 ] || die "$row: expected one nginx worker under master $master, found: $w"
  SPID[$row]=$w; SPORT[$row]=$port; SLOG[$row]=$dir/logs/error.log
  say "$row: nginx worker pid $w (master $master) on CPU $SERVER_CPU, port $port"
}

start_caddy_row() {
  local port=$CADDY_PORT dir=$work/caddy
  port_free "$port" || die "port $port is already in use (caddy; set CADDY_PORT)"
  mkdir -p "$dir"
  cat > "$dir/Caddyfile" <<CADDY
# generated by bench/${0##*/}
{
	admin off
	auto_https off
	log {
		level ERROR
	}
}
:$port {
	bind 127.0.0.1
	root * $root
	encode zstd gzip
	file_server {
		precompressed br zstd gzip
	}
}
CADDY
  cp "$dir/Caddyfile" "$OUT/caddy.Caddyfile"
  SCMD[caddy]="taskset -c $SERVER_CPU env GOMAXPROCS=1 caddy run --config $dir/Caddyfile --adapter caddyfile (copy: $OUT/caddy.Caddyfile)"
  say "starting caddy: ${SCMD[caddy]}"
  SLOG[caddy]=$OUT/caddy.log
  HOME=$dir XDG_DATA_HOME=$dir/data XDG_CONFIG_HOME=$dir/config \
    taskset -c "$SERVER_CPU" env GOMAXPROCS=1 caddy run --config "$dir/Caddyfile" --adapter caddyfile > "${SLOG[caddy]}" 2>&1 &
  SPID[caddy]=$!; SPORT[caddy]=$port
  if ! wait_http "http://127.0.0.1:$port/index.html" "${SPID[caddy]}"; then
    tail -n 30 "${SLOG[caddy]}" >&2 || true
    die "caddy did not answer on port $port (log: ${SLOG[caddy]})"
  fi
  say "caddy: pid ${SPID[caddy]} on CPU $SERVER_CPU, port $port"
}

start_rows() {
  local row port=$URING_PORT
  for row in $ROWS; do
    case $row in
      uring-*)
        while [ "$port" = "$NGINX_PRE_PORT" ] || [ "$port" = "$NGINX_FLY_PORT" ] || [ "$port" = "$CADDY_PORT" ] || [ "$port" = "$TTC_PORT" ]; do port=$((port + 1)); done
        SLOG[$row]=$OUT/$row.log
        SPID[$row]=""
        start_uring_engine "${row#uring-}" "$port" "$uring_root" "$work/$row" "${SLOG[$row]}"
        SPID[$row]=$URING_PID; SPORT[$row]=$port; SCMD[$row]="${URING_CMD[*]}"; SENGINE[$row]=$URING_STARTED_ENGINE
        cp "$work/$row/uring-httpd.conf" "$OUT/$row.conf"
        say "$row: uring-httpd pid $URING_PID (engine ${URING_STARTED_ENGINE:-?}) on CPU $SERVER_CPU, port $port"
        port=$((port + 1)) ;;
      nginx-precompressed) start_nginx_row "$row" precompressed "$NGINX_PRE_PORT" ;;
      nginx-onthefly) start_nginx_row "$row" onthefly "$NGINX_FLY_PORT" ;;
      caddy) start_caddy_row ;;
    esac
  done
}

alive_or_die() {
  local pid=${SPID[$1]}
  kill -0 "$pid" 2>/dev/null && return 0
  tail -n 30 "${SLOG[$1]}" >&2 || true
  die "$1 (pid $pid) is no longer running (log: ${SLOG[$1]})"
}

start_rows

# ---- record the setup
# shellcheck disable=SC2016  # the single quotes are literal, the variables inside expand
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%SZ')"
  echo "command: SERVERS='$SERVERS' ENGINES='$ENGINES' LOADS='$LOADS' RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS PIPELINE=$PIPELINE URING_SIDECARS=$URING_SIDECARS ${URING_SET:+URING_SET='$URING_SET' }${URING_JAVA_OPTS:+URING_JAVA_OPTS='$URING_JAVA_OPTS' }bench/compression.sh"
  echo "git: $(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo_dir" diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
  echo "kernel: $(uname -r)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) x $(nproc --all)"
  echo "server cpu: $SERVER_CPU, client cpu: $CLIENT_CPU, CLK_TCK: $clk_tck"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk: $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'), -t1 -c$CONNECTIONS, bench/site.lua, Accept-Encoding of the compressed load: $ACCEPT_ENCODING"
  echo "site: $(tail -n 1 "$OUT/site.txt") ($SITE_DIR/www, sidecars by bench/static-site.sh precompress: gzip -9 -n, brotli -q 11, zstd -19)"
  echo "tools: $(gzip --version | head -n 1), $(brotli --version 2>&1 | head -n 1), $(zstd --version | head -n 1)"
  if has_nginx; then
    echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), configuration from $NGINX_ANCHOR"
    has_row nginx-precompressed && echo "brotli_static: libnginx-mod-http-brotli-static $(dpkg-query -W -f '${Version}' libnginx-mod-http-brotli-static 2>/dev/null || echo '?')"
    has_row nginx-onthefly && echo "nginx-onthefly: gzip_comp_level $NGINX_GZIP_LEVEL"
  fi
  has_row caddy && echo "caddy: $(caddy version 2>/dev/null | head -n 1), GOMAXPROCS=1"
  if [ -n "$uring_rows" ]; then
    echo "java: $("$JAVA_HOME_25/bin/java" -version 2>&1 | sed -n 2p), GC: $(uring_gc)"
    echo "uring-httpd jar: $JAR ($(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%SZ'))"
  fi
  for row in $ROWS; do
    echo "$row: port ${SPORT[$row]}, pid ${SPID[$row]}${SENGINE[$row]:+, engine ${SENGINE[$row]}}: ${SCMD[$row]}"
  done
} > "$OUT/setup.txt"
cat "$OUT/setup.txt" >&2

# ---- what each server sends: every file, both loads, with curl (status,
# Content-Encoding, body bytes, head bytes); the body decoded must equal the file.
# check_row ROW TAG -> appends to $OUT/sent-TAG.tsv
ae_of() { if [ "$1" = compressed ]; then echo "$ACCEPT_ENCODING"; else echo ""; fi; }
check_row() {
  local row=$1 tag=$2 load p url ae hdr body code ce bytes head dec
  hdr=$work/check.head; body=$work/check.body; dec=$work/check.decoded
  for load in $LOADS; do
    ae=$(ae_of "$load")
    while IFS= read -r p; do
      url="http://127.0.0.1:${SPORT[$row]}$p"
      if [ -n "$ae" ]; then
        code=$(curl -s -o "$body" -D "$hdr" -w '%{http_code}' -H "Accept-Encoding: $ae" "$url") || die "$row: curl $url failed"
      else
        code=$(curl -s -o "$body" -D "$hdr" -w '%{http_code}' "$url") || die "$row: curl $url failed"
      fi
      [ "$code" = 200 ] || die "$row: $url answered $code"
      ce=$(tr -d '\r' < "$hdr" | awk -F': *' 'tolower($1) == "content-encoding" { print tolower($2) }' | tail -n 1)
      case ${ce:-identity} in
        identity) cp "$body" "$dec" ;;
        br) brotli -d -c < "$body" > "$dec" || die "$row: $p: the br body does not decode" ;;
        gzip) gzip -d -c < "$body" > "$dec" || die "$row: $p: the gzip body does not decode" ;;
        zstd) zstd -d -q -c < "$body" > "$dec" || die "$row: $p: the zstd body does not decode" ;;
        *) die "$row: $p: unexpected Content-Encoding '$ce'" ;;
      esac
      [ "$load" = identity ] && [ -n "$ce" ] && die "$row: $p without Accept-Encoding came with Content-Encoding: $ce"
      cmp -s "$dec" "$root$p" || die "$row: $p ($load, Content-Encoding ${ce:-identity}) decoded differs from the file"
      bytes=$(stat -c %s "$body"); head=$(stat -c %s "$hdr")
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$load" "$p" "${ce:-identity}" "$bytes" "$head" >> "$OUT/sent-$tag.tsv"
    done < "$paths"
  done
}
say "== checking every file on every server (curl; decoded bodies compared with the files)"
for tag in before after; do printf 'server\tload\tpath\tcontent_encoding\tbody_bytes\thead_bytes\n' > "$OUT/sent-$tag.tsv"; done
for row in $ROWS; do check_row "$row" before; done

# ---- the runs
results=$OUT/results.tsv
printf 'load\tserver\trun\trequests\treq_per_s\tp99_ms\tcpu_ticks\tcpu_us_per_req\twire_bytes\terrors\n' > "$results"
wrk_cmd() { # wrk_cmd ROW LOAD DURATION -> CMD
  CMD=(taskset -c "$CLIENT_CPU" wrk -t1 "-c$CONNECTIONS" "-d$3" --latency -s "$bench_dir/site.lua"
       "http://127.0.0.1:${SPORT[$1]}" -- "$paths" "$(ae_of "$2")" "$PIPELINE")
}
site_totals() { # wrk output with site.lua's line -> "requests bytes errors"
  awk '/^site.lua: requests/ { print $3, $5, $7; found = 1 } END { if (!found) print "0 0 0" }'
}
measure() {
  local row=$1 load=$2 run=$3 raw t0 t1 requests rps p99 errors bytes _ cpu
  raw=$OUT/raw/$load-$row-$run.txt
  wrk_cmd "$row" "$load" "$DURATION"
  printf '# %q ' "${CMD[@]}" > "$raw"; echo >> "$raw"
  t0=$(proc_ticks "${SPID[$row]}")
  timeout 900 "${CMD[@]}" >> "$raw" 2>&1 || say "warning: wrk exited with $? (see $raw)"
  t1=$(proc_ticks "${SPID[$row]}") || alive_or_die "$row"
  read -r requests rps p99 errors <<< "$(parse_wrk < "$raw")"
  # wrk records no latency for pipelined requests (its percentiles read 0): none is reported.
  [ "$PIPELINE" = 1 ] || p99=-
  read -r _ bytes _ <<< "$(site_totals < "$raw")"
  if [ "$requests" -gt 0 ]; then
    cpu=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { printf "%.3f", d / hz * 1e6 / n }')
  else cpu=-; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$load" "$row" "$run" "$requests" "$rps" "$p99" "$((t1 - t0))" "$cpu" "$bytes" "$errors" >> "$results"
  printf '  %-10s %-20s run %s: %9.0f req/s  p99 %-7s ms  %7s us CPU/req  %6s B/resp%s\n' "$load" "$row" "$run" "$rps" "$p99" "$cpu" \
    "$(awk -v b="$bytes" -v n="$requests" 'BEGIN { if (n > 0) printf "%.0f", b / n; else print "-" }')" \
    "$([ "$errors" = 0 ] || echo "  ERRORS: $errors")" >&2
  alive_or_die "$row"
}
for load in $LOADS; do
  say "== load $load$([ "$load" = compressed ] && echo " (Accept-Encoding: $ACCEPT_ENCODING)"): warm-up $WARMUP per server (discarded), then $RUNS alternating run(s) each"
  for row in $ROWS; do
    wrk_cmd "$row" "$load" "$WARMUP"
    timeout 300 "${CMD[@]}" > "$OUT/raw/$load-$row-warmup.txt" 2>&1 || say "warning: warm-up wrk exited with $?"
    alive_or_die "$row"
  done
  for run in $(seq "$RUNS"); do
    for row in $ROWS; do measure "$row" "$load" "$run"; done
  done
done

# What the servers sent after the runs (a server that compresses in the background may differ from before).
say "== checking every file again after the runs"
for row in $ROWS; do check_row "$row" after; done

# ---- (b) syscalls per request of the uring-httpd loop threads, per load
syscalls=$OUT/syscalls.tsv
printf 'load\tserver\trequests\treq_per_s\tsyscalls\tsyscalls_per_req\n' > "$syscalls"
if [ "$SYSCALLS" = 1 ]; then
  for row in $uring_rows; do
    tid=""
    for _ in $(seq 50); do tid=$(thread_tid "${SPID[$row]}" "$LOOP_THREAD") && break; sleep 0.1; done
    [ -n "$tid" ] || die "no thread named $LOOP_THREAD in $row (pid ${SPID[$row]}); set LOOP_THREAD"
    for load in $LOADS; do
      csv=$OUT/raw/syscalls-$load-$row.csv
      raw=$OUT/raw/syscalls-$load-$row.txt
      say "== $row, $load: $DURATION of wrk while perf stat -e raw_syscalls:sys_enter -t $tid ($LOOP_THREAD) counts"
      perf stat -x, -o "$csv" -e raw_syscalls:sys_enter -t "$tid" 2>/dev/null &
      perf_pid=$!; extra_pids="$extra_pids $perf_pid"
      sleep 0.5
      wrk_cmd "$row" "$load" "$DURATION"
      timeout 900 "${CMD[@]}" > "$raw" 2>&1 || say "warning: wrk exited with $? (see $raw)"
      kill -INT "$perf_pid" 2>/dev/null || true
      wait "$perf_pid" 2>/dev/null || true
      extra_pids=${extra_pids% "$perf_pid"}
      alive_or_die "$row"
      read -r requests rps _ _ <<< "$(parse_wrk < "$raw")"
      n=$(awk -F, '$3 == "raw_syscalls:sys_enter" && $1 ~ /^[0-9]+$/ { print $1; exit }' "$csv")
      per=$(awk -v n="${n:-0}" -v r="$requests" 'BEGIN { if (r > 0 && n > 0) printf "%.3f", n / r; else print "-" }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$load" "$row" "$requests" "$rps" "${n:--}" "$per" >> "$syscalls"
      say "  $row $load: $per syscalls/request (${n:-?} syscalls, $requests requests)"
    done
  done
fi

# ---- (a) time until a file first requested with Accept-Encoding: br is served as br,
# by a fresh uring-httpd on the site without sidecars (one per engine, one at a time)
ttc=$OUT/time-to-compressed.tsv
printf 'server\tpath\tresult\tms\tpolls\n' > "$ttc"
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
# probe_ce PORT PATH: the Content-Encoding of a GET with Accept-Encoding: br ("" = none),
# in bash alone (/dev/tcp, no fork per poll): reads the response head, then closes.
probe_ce() {
  local fd line ce=""
  exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 0
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n' "$2" "$1" >&"$fd"
  while IFS= read -r -t 2 -u "$fd" line; do
    line=${line%$'\r'}
    [ -z "$line" ] && break
    case ${line,,} in content-encoding:*) ce=${line#*:}; ce=${ce// /}; ce=${ce,,} ;; esac
  done
  exec {fd}>&-
  echo "$ce"
}
if [ "$TTC" = 1 ] && [ -n "$uring_rows" ]; then
  grep -qx "$TTC_PATH" "$paths" || die "TTC_PATH $TTC_PATH is not a file of the site"
  for row in $uring_rows; do
    # the load servers are idle now; the fresh one gets its own port
    start_uring_engine "${row#uring-}" "$TTC_PORT" "$plain" "$work/ttc-$row" "$OUT/ttc-$row.log"
    extra_pids="$extra_pids $URING_PID"
    url="http://127.0.0.1:$TTC_PORT$TTC_PATH"
    # the first request: complete, with curl; then polls every 10 ms (plus the poll's own time)
    t0=$(now_us)
    curl -s -o /dev/null -H 'Accept-Encoding: br' "$url" || die "ttc-$row: curl $url failed"
    polls=0; result=timeout; ms=-
    while :; do
      ce=$(probe_ce "$TTC_PORT" "$TTC_PATH")
      polls=$((polls + 1))
      t1=$(now_us)
      if [ "$ce" = br ]; then result=br; ms=$(( (t1 - t0) / 1000 )); break; fi
      [ $(( t1 - t0 )) -lt $((TTC_TIMEOUT * 1000000)) ] || break
      sleep 0.01
    done
    stop_pid "$URING_PID"; extra_pids=${extra_pids% "$URING_PID"}
    printf '%s\t%s\t%s\t%s\t%s\n' "$row" "$TTC_PATH" "$result" "$ms" "$polls" >> "$ttc"
    if [ "$result" = br ]; then
      say "  $row: $TTC_PATH served as br $ms ms after the first request (poll $polls)"
    else
      say "  $row: $TTC_PATH not served as br within $TTC_TIMEOUT s ($polls polls every 10 ms): this build does not compress it"
    fi
  done
fi

# ---- summary
med() { # med LOAD ROW COLUMN -> median over the runs
  awk -F'\t' -v l="$1" -v s="$2" -v c="$3" 'NR > 1 && $1 == l && $2 == s && $c != "-" { print $c }' "$results" | median
}
wire() { # wire LOAD ROW -> wire bytes per response over all runs (site.lua totals)
  awk -F'\t' -v l="$1" -v s="$2" 'NR > 1 && $1 == l && $2 == s { b += $9; n += $4 } END { if (n > 0) printf "%.0f", b / n; else print "-" }' "$results"
}
errs() { awk -F'\t' -v l="$1" -v s="$2" 'NR > 1 && $1 == l && $2 == s { e += $10 } END { print e + 0 }' "$results"; }
body() { # body LOAD ROW -> mean body bytes over the files (round-robin: each file equally often), after the runs
  awk -F'\t' -v l="$1" -v s="$2" 'NR > 1 && $1 == s && $2 == l { b += $5; n++ } END { if (n > 0) printf "%.0f", b / n; else print "-" }' "$OUT/sent-after.tsv"
}
encodings() { # encodings LOAD ROW -> "br 15, identity 5"
  awk -F'\t' -v l="$1" -v s="$2" 'NR > 1 && $1 == s && $2 == l { c[$4]++ } END { for (e in c) printf "%s %d\n", e, c[e] }' "$OUT/sent-after.tsv" \
    | sort | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'
}
fmt() { case $1 in -|'') echo - ;; *) awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f", d, x }' ;; esac; }
ratio() { case "$1$2" in *-*|'') echo - ;; *) awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2fx", a / b }' ;; esac; }
sys_of() { awk -F'\t' -v l="$1" -v s="$2" 'NR > 1 && $1 == l && $2 == s { print $6 }' "$syscalls"; }

summary=$OUT/summary.md
{
  echo "Static site with compression: $(wc -l < "$paths") files round-robin (bench/site.lua), wrk -t1 -c$CONNECTIONS -d$DURATION, pipeline depth $PIPELINE; medians of $RUNS run(s);"
  echo "server on CPU $SERVER_CPU (one worker / one loop), wrk on CPU $CLIENT_CPU. CPU/request: utime+stime of the server process"
  echo "(nginx: its worker) / requests. Wire B/resp: every byte wrk read (heads + bodies, site.lua's exact total) / requests,"
  echo "all runs. Body B/resp: curl's body bytes per file with the same Accept-Encoding, after the runs, mean over the files."
  echo "Content-Encoding: what each server sent for the $(wc -l < "$paths") files (curl, after the runs)."
  for load in $LOADS; do
    echo
    if [ "$load" = compressed ]; then echo "### compressed: Accept-Encoding: $ACCEPT_ENCODING"; else echo "### identity: no Accept-Encoding"; fi
    echo
    echo "| server | req/s | p99 ms | CPU us/req | wire B/resp | body B/resp | Content-Encoding sent | errors |"
    echo "|---|---:|---:|---:|---:|---:|---|---:|"
    for row in $ROWS; do
      echo "| $row | $(fmt "$(med "$load" "$row" 5)" 0) | $(fmt "$(med "$load" "$row" 6)" 2) | $(fmt "$(med "$load" "$row" 8)" 2) | $(wire "$load" "$row") | $(body "$load" "$row") | $(encodings "$load" "$row") | $(errs "$load" "$row") |"
    done
  done
  if [ -n "$uring_rows" ] && { has_nginx || has_row caddy; }; then
    echo
    echo "### Ratios (uring-httpd / other, req/s and CPU per request; bytes per response on the wire side by side)"
    echo
    echo "| load | uring-httpd | vs | req/s | CPU us/req | wire B/resp (uring / other) |"
    echo "|---|---|---|---:|---:|---:|"
    for load in $LOADS; do
      for u in $uring_rows; do
        for o in nginx-precompressed nginx-onthefly caddy; do
          has_row "$o" || continue
          echo "| $load | $u | $o | **$(ratio "$(med "$load" "$u" 5)" "$(med "$load" "$o" 5)")** | $(ratio "$(med "$load" "$u" 8)" "$(med "$load" "$o" 8)") | $(wire "$load" "$u") / $(wire "$load" "$o") |"
        done
      done
    done
  fi
  if [ -n "$uring_rows" ]; then
    if [ "$SYSCALLS" = 1 ]; then
      echo
      echo "### Syscalls per request, thread $LOOP_THREAD (perf stat -e raw_syscalls:sys_enter -t TID, $DURATION of wrk per load; perf slows the server)"
      echo
      echo "| server |$(for load in $LOADS; do printf ' %s |' "$load"; done)"
      echo "|---|$(for _ in $LOADS; do printf -- '---:|'; done)"
      for u in $uring_rows; do
        echo "| $u |$(for load in $LOADS; do printf ' %s |' "$(sys_of "$load" "$u")"; done)"
      done
    fi
    if [ "$TTC" = 1 ]; then
      echo
      echo "### Time to compressed: a fresh uring-httpd on the site without sidecars; $TTC_PATH requested once with Accept-Encoding: br, then polled every 10 ms until Content-Encoding: br (timeout $TTC_TIMEOUT s)"
      echo
      awk -F'\t' -v to="$TTC_TIMEOUT" 'NR > 1 { if ($3 == "br") printf "- %s: %s ms (%s polls)\n", $1, $4, $5; else printf "- %s: not served as br within %s s (%s polls)\n", $1, to, $5 }' "$ttc"
    fi
  fi
  for u in $uring_rows; do
    case " $LOADS " in *" compressed "*) ;; *) continue ;; esac
    [ "$(encodings compressed "$u")" = "identity $(wc -l < "$paths")" ] || continue
    echo
    echo "**$u sent every file as identity under the compressed load: this build does not compress (its compressed row measures identity responses).**"
  done
  errors=$(awk -F'\t' 'NR > 1 { e += $10 } END { print e + 0 }' "$results")
  [ "$errors" = 0 ] || { echo; echo "**$errors client errors in the runs: see $results and $OUT/raw.**"; }
  echo
  echo "Command: \`$(sed -n 's/^command: //p' "$OUT/setup.txt")\` at $(sed -n 's/^git: //p' "$OUT/setup.txt"); raw results: $OUT"
} > "$summary"
echo
cat "$summary"
