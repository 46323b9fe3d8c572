#!/usr/bin/env bash
# Compares uring-httpd's engines with the reference nginx
# (../shared/bench/nginx-anchor.sh) on the same files, in one run: one nginx
# worker and one uring-httpd process per engine (one event loop each), all on
# CPU 1 but only one under load at a time, the client on CPU 0; warm-up, then
# alternating runs (nginx, epoll, io_uring, nginx, …); medians, and the ratios
# to nginx of requests/s, p99 (wrk) and server CPU per request (utime+stime
# deltas of /proc/PID/stat over the run), with each server's response-head size.
#
#   bench/run.sh                                   # nginx, epoll, io_uring: ~15 minutes
#   SIZES=1k LOADS=wrk RUNS=1 DURATION=3s bench/run.sh
#   SERVERS="nginx io_uring" bench/run.sh          # any subset, in the order given
#   ENGINE=epoll bench/run.sh                      # = SERVERS="nginx epoll"
#   SERVERS="nginx uring-httpd" bench/run.sh       # the config's engine (auto)
#   SERVERS=nginx bench/run.sh                     # nginx only (no jar needed)
#
# Environment (defaults):
#   SIZES="1k 16k 1m"      files served: 1k.bin 16k.bin 1m.bin (random bytes)
#   LOADS="wrk h2load"     wrk: taskset -c 0 wrk -t1 -c64 -dDURATION --latency URL
#                          h2load: taskset -c 0 h2load --h1 -c64 -m16 -t1 -n N URL (pipelined)
#   RUNS=3                 measured runs per server, alternating
#   DURATION=10s           wrk run length;  WARMUP=5s  discarded run before each size/load
#   H2LOAD_N               h2load requests per run (default 1000000; 20000 for 1m so a run stays ~10 s)
#   SERVERS="nginx epoll io_uring"
#                          nginx; epoll, io_uring, auto: a uring-httpd process with
#                          that engine; uring-httpd: the engine in ENGINE, else the config's;
#                          ENGINE+VARIANT (e.g. epoll+sites): that engine with the --set list
#                          in URING_SET_VARIANT as well, to compare configurations run by run
#   ENGINE                 engine(s) when SERVERS is unset (SERVERS="nginx $ENGINE"),
#                          or the engine of the server named uring-httpd
#   URING_SET              more --set KEY=VALUE for uring-httpd, whitespace-separated
#   URING_JAVA_OPTS        JVM options for uring-httpd
#   JAR                    default server/target/uring-httpd.jar
#   NGINX_PORT=18080 URING_PORT=18081 (the next uring-httpd gets 18082, …) SERVER_CPU=1 CLIENT_CPU=0
#   OUT                    raw results folder (default bench/out/<UTC time>)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

SIZES=${SIZES:-1k 16k 1m}
LOADS=${LOADS:-wrk h2load}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
SERVERS=${SERVERS:-$(default_servers)}
CONNECTIONS=64
PIPELINE=16
SIZES=${SIZES//,/ }; LOADS=${LOADS//,/ }; SERVERS=${SERVERS//,/ }

for s in $SIZES; do size_bytes "$s" >/dev/null; done
for l in $LOADS; do case $l in wrk|h2load) ;; *) die "unknown load '$l' (loads: wrk h2load)" ;; esac; done
check_servers
case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer" ;; esac
case $DURATION in *[0-9]s|*[0-9]m) ;; *) die "DURATION must look like 10s or 1m" ;; esac
case $WARMUP in *[0-9]s) ;; *) die "WARMUP must look like 5s" ;; esac

has_load() { case " $LOADS " in *" $1 "*) return 0 ;; esac; return 1; }

check_cpus
need_tools curl:curl taskset:util-linux getconf:libc-bin wrk:wrk h2load:nghttp2-client nginx:nginx
if [ -n "$uring_servers" ]; then
  [ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package (or run ./uring-httpd --version once), or set JAR; SERVERS=nginx runs nginx alone"
  find_jdk25
fi
if has_server nginx; then
  [ -f "$NGINX_ANCHOR" ] || die "reference nginx script not found at $NGINX_ANCHOR (expected ../shared/bench/nginx-anchor.sh beside the repository; set NGINX_ANCHOR)"
fi

warn_if_busy
clk_tck=$(getconf CLK_TCK)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$bench_dir/out/$stamp}
mkdir -p "$OUT/raw"
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

# ---- servers: all started before the first run and kept running, so each
# stays warm; the idle ones sleep in epoll_wait / io_uring_enter.
start_servers "$root" "$work" "$OUT"

h2load_n() {
  if [ -n "${H2LOAD_N:-}" ]; then echo "$H2LOAD_N"; return; fi
  case $1 in 1m) echo 20000 ;; *) echo 1000000 ;; esac
}

# The exact client command for LOAD SIZE URL [warmup]
client_cmd() {
  local load=$1 size=$2 url=$3 warm=${4:-}
  if [ "$load" = wrk ]; then
    CMD=(taskset -c "$CLIENT_CPU" wrk -t1 "-c$CONNECTIONS" "-d${warm:-$DURATION}" --latency "$url")
  elif [ -n "$warm" ]; then
    CMD=(taskset -c "$CLIENT_CPU" h2load --h1 "-c$CONNECTIONS" "-m$PIPELINE" -t1 -D "${warm%s}" "$url")
  else
    CMD=(taskset -c "$CLIENT_CPU" h2load --h1 "-c$CONNECTIONS" "-m$PIPELINE" -t1 -n "$(h2load_n "$size")" "$url")
  fi
}

# ---- record the setup
# shellcheck disable=SC2016  # the single quotes are literal, the variables inside expand
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%SZ')"
  echo "command: SIZES='$SIZES' LOADS='$LOADS' RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP SERVERS='$SERVERS' ${ENGINE:+ENGINE='$ENGINE' }${URING_SET:+URING_SET='$URING_SET' }${URING_JAVA_OPTS:+URING_JAVA_OPTS='$URING_JAVA_OPTS' }${H2LOAD_N:+H2LOAD_N=$H2LOAD_N }bench/run.sh"
  echo "git: $(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo_dir" diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
  echo "kernel: $(uname -r)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) x $(nproc --all)"
  echo "server cpu: $SERVER_CPU, client cpu: $CLIENT_CPU, CLK_TCK: $clk_tck"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //')"
  echo "wrk: $(wrk -v 2>&1 | head -n 1 | awk '{print $2}')"
  echo "h2load: $(h2load --version 2>&1 | head -n 1)"
  if [ -n "$uring_servers" ]; then
    echo "java: $("$JAVA_HOME_25/bin/java" -version 2>&1 | sed -n 2p), GC: $(uring_gc)"
    echo "uring-httpd jar: $JAR ($(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%SZ'))"
    for s in $uring_servers; do
      echo "$s: engine ${SENGINE[$s]:-?}, port ${SPORT[$s]}: ${SCMD[$s]}"
    done
  fi
} > "$OUT/setup.txt"
cat "$OUT/setup.txt" >&2

results=$OUT/results.tsv
printf 'size\tload\tserver\trun\trequests\treq_per_s\tp99_ms\tcpu_ticks\tcpu_us_per_req\terrors\n' > "$results"
heads=$OUT/heads.tsv
printf 'size\tserver\thead_bytes\n' > "$heads"

# ---- correctness first: every server answers 200 with the exact file, and the head sizes
for size in $SIZES; do
  for server in $SERVERS; do
    url="http://127.0.0.1:$(server_port "$server")/$size.bin"
    check_body "$url" "$(size_bytes "$size")"
    printf '%s\t%s\t%s\n' "$size" "$server" "$(head_bytes "$url")" >> "$heads"
  done
done

measure() {
  local server=$1 size=$2 load=$3 run=$4 url pid t0 t1 raw parsed requests rps p99 errors cpu
  url="http://127.0.0.1:$(server_port "$server")/$size.bin"
  pid=$(server_pid "$server")
  raw="$OUT/raw/$size-$load-$server-$run.txt"
  client_cmd "$load" "$size" "$url"
  echo "# ${CMD[*]}" > "$raw"
  t0=$(proc_ticks "$pid")
  timeout 900 "${CMD[@]}" >> "$raw" 2>&1 || say "warning: client exited with $? (see $raw)"
  t1=$(proc_ticks "$pid") || alive_or_die "$server"
  if [ "$load" = wrk ]; then parsed=$(parse_wrk < "$raw"); else parsed=$(parse_h2load < "$raw"); fi
  read -r requests rps p99 errors <<< "$parsed"
  if [ "$requests" -gt 0 ]; then
    cpu=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { printf "%.3f", d / hz * 1e6 / n }')
  else
    cpu=-
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$size" "$load" "$server" "$run" "$requests" "$rps" "$p99" "$((t1 - t0))" "$cpu" "$errors" >> "$results"
  printf '  %-4s %-6s %-11s run %s: %10.0f req/s  p99 %-7s ms  %7s us CPU/req%s\n' \
    "$size" "$load" "$server" "$run" "$rps" "$p99" "$cpu" "$([ "$errors" = 0 ] || echo "  ERRORS: $errors")" >&2
  alive_or_die "$server"
}

for size in $SIZES; do
  for load in $LOADS; do
    say "== $size.bin, $load: warm-up $WARMUP per server (discarded), then $RUNS alternating run(s) each"
    for server in $SERVERS; do
      client_cmd "$load" "$size" "http://127.0.0.1:$(server_port "$server")/$size.bin" "$WARMUP"
      timeout 300 "${CMD[@]}" > "$OUT/raw/$size-$load-$server-warmup.txt" 2>&1 || say "warning: warm-up client exited with $?"
      alive_or_die "$server"
    done
    for run in $(seq "$RUNS"); do
      for server in $SERVERS; do
        measure "$server" "$size" "$load" "$run"
      done
    done
  done
done

# ---- summary
# med SIZE LOAD SERVER COLUMN -> median of that column over the runs
med() {
  awk -F'\t' -v s="$1" -v l="$2" -v v="$3" -v c="$4" \
    'NR > 1 && $1 == s && $2 == l && $3 == v && $c != "-" { print $c }' "$results" | median
}
errs() {
  awk -F'\t' -v s="$1" -v l="$2" -v v="$3" 'NR > 1 && $1 == s && $2 == l && $3 == v { e += $10 } END { print e + 0 }' "$results"
}
head_of() { awk -F'\t' -v s="$1" -v v="$2" 'NR > 1 && $1 == s && $2 == v { h = $3 } END { print (h == "" ? "-" : h) }' "$heads"; }
fmt() { # fmt VALUE DECIMALS
  case $1 in -|'') echo - ;; *) awk -v x="$1" -v d="$2" 'BEGIN { printf "%.*f", d, x }' ;; esac
}
ratio() { # ratio A B -> A/B as 1.23x
  case "$1$2" in *-*|'') echo - ;; *) awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2fx", a / b }' ;; esac
}
load_label() {
  if [ "$1" = wrk ]; then echo "wrk -t1 -c$CONNECTIONS -d$DURATION"
  else echo "h2load --h1 -c$CONNECTIONS -m$PIPELINE -t1 -n $(h2load_n "$2")"; fi
}

others=""   # the servers compared with nginx
for s in $SERVERS; do [ "$s" = nginx ] || others="$others $s"; done
others=${others# }
# Two uring-httpd engines side by side: also their ratio (second / first).
read -r -a u <<< "$uring_servers"
pair=""; [ "${#u[@]}" = 2 ] && pair="${u[1]} ${u[0]}"
load_short() { if [ "$1" = wrk ]; then echo "wrk -c$CONNECTIONS"; else echo "h2load -m$PIPELINE"; fi; }
# table_row SIZE LOAD COLUMN DECIMALS: the servers' medians, then the ratios to nginx (and of the pair)
table_row() {
  local size=$1 load=$2 col=$3 dec=$4 s n row a b
  row="| $size | $(load_short "$load") |"
  for s in $SERVERS; do row="$row $(fmt "$(med "$size" "$load" "$s" "$col")" "$dec") |"; done
  if has_server nginx; then
    n=$(med "$size" "$load" nginx "$col")
    for s in $others; do row="$row **$(ratio "$(med "$size" "$load" "$s" "$col")" "$n")** |"; done
  fi
  if [ -n "$pair" ]; then
    read -r a b <<< "$pair"
    row="$row $(ratio "$(med "$size" "$load" "$a" "$col")" "$(med "$size" "$load" "$b" "$col")") |"
  fi
  echo "$row"
}
table_head() { # table_head UNIT
  local s a b h="| file | load |" r="|---|---|"
  for s in $SERVERS; do h="$h $s $1 |"; r="$r---:|"; done
  if has_server nginx; then for s in $others; do h="$h $s / nginx |"; r="$r---:|"; done; fi
  if [ -n "$pair" ]; then read -r a b <<< "$pair"; h="$h $a / $b |"; r="$r---:|"; fi
  echo "$h"; echo "$r"
}
joined() { # joined FUNCTION ARGS…: FUNCTION ARGS… SERVER for each server, joined by " / "
  local s out=""
  for s in $SERVERS; do out="$out / $("$@" "$s")"; done
  echo "${out# / }"
}
p99_of() { fmt "$(med "$1" wrk "$2" 7)" 2; }

summary=$OUT/summary.md
{
  echo "Medians of $RUNS run(s) each; server on CPU $SERVER_CPU, client on CPU $CLIENT_CPU; CPU/request = utime+stime of the server process / requests."
  echo
  for size in $SIZES; do
    for load in $LOADS; do
      echo "### $size.bin · $(load_label "$load" "$size")"
      echo
      echo "| server | req/s | × nginx | p99 ms | CPU us/req | CPU × nginx | head bytes | errors |"
      echo "|---|---:|---:|---:|---:|---:|---:|---:|"
      n_rps=$(med "$size" "$load" nginx 6); n_cpu=$(med "$size" "$load" nginx 9)
      for server in $SERVERS; do
        rps=$(med "$size" "$load" "$server" 6); cpu=$(med "$size" "$load" "$server" 9)
        if [ "$server" = nginx ] || ! has_server nginx; then rr=""; cr=""; else rr=$(ratio "$rps" "$n_rps"); cr=$(ratio "$cpu" "$n_cpu"); fi
        echo "| $server | $(fmt "$rps" 0) | $rr | $(fmt "$(med "$size" "$load" "$server" 7)" 2) | $(fmt "$cpu" 2) | $cr | $(head_of "$size" "$server") | $(errs "$size" "$load" "$server") |"
      done
      echo
    done
  done
  echo "### For bench/RESULTS.md"
  echo
  echo "Requests/s (medians) and ratios:"
  echo
  table_head "req/s"
  for size in $SIZES; do for load in $LOADS; do table_row "$size" "$load" 6 0; done; done
  echo
  echo "Server CPU per request (us, utime+stime of the whole process / requests) and ratios:"
  echo
  table_head "us/req"
  for size in $SIZES; do for load in $LOADS; do table_row "$size" "$load" 9 2; done; done
  echo
  echo "Response head bytes$(has_load wrk && echo " and wrk p99 latency (ms)"), $(joined echo):"
  echo
  if has_load wrk; then
    echo "| file | head bytes | wrk p99 ms |"; echo "|---|---:|---:|"
    for size in $SIZES; do echo "| $size | $(joined head_of "$size") | $(joined p99_of "$size") |"; done
  else
    echo "| file | head bytes |"; echo "|---|---:|"
    for size in $SIZES; do echo "| $size | $(joined head_of "$size") |"; done
  fi
  total_errors=$(awk -F'\t' 'NR > 1 { e += $10 } END { print e + 0 }' "$results")
  if [ "$total_errors" != 0 ]; then echo; echo "**$total_errors client errors in the runs: see $results and $OUT/raw.**"; fi
  echo
  echo "Command: \`$(sed -n 's/^command: //p' "$OUT/setup.txt")\` at $(sed -n 's/^git: //p' "$OUT/setup.txt"); raw results: $OUT"
} > "$summary"

echo
cat "$summary"
