#!/usr/bin/env bash
# What recording metrics costs (the target: under 3% of requests/s; results in
# bench/RESULTS.md#what-recording-costs): per engine, two uring-httpd
# processes on the same CPU, one with metrics off (no durations, no histograms, no publishing,
# no endpoint) and one with metrics on and scraped every second while it is under load (a
# Prometheus scraping at 1 s, 15 times more often than its default); the same load on each in
# turn, alternating, RUNS times; the median requests/s and server CPU per request (utime+stime
# of the whole process from /proc, per request) of each, and their ratios. On this shared VM,
# requests/s of one 10 s run varies by ~10% (wrk is client-bound): CPU per request is the
# steadier figure. A third row, "page": the metrics-on server with the engine page open as well:
# its /metrics.json fetched once a second next to the scrapes, which is what an open page asks of
# the server (the browser's own drawing runs on the browser's machine).
#
#   bench/metrics-cost.sh
#   ENGINES=io_uring LOADS=h2load RUNS=5 bench/metrics-cost.sh
#
# Environment (defaults): ENGINES="epoll io_uring" LOADS="wrk h2load" (1k.bin; wrk -c64, or
#   h2load pipelined -m16) RUNS=5 DURATION=10 (seconds) WARMUP=5 METRICS_PORT=19245
#   SCRAPE_EVERY=1 (seconds between scrapes of the metrics-on server; 0 = none: recording alone)
#   and those of bench/run.sh: JAR URING_PORT SERVER_CPU CLIENT_CPU OUT
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

ENGINES=${ENGINES:-epoll io_uring}; ENGINES=${ENGINES//,/ }
LOADS=${LOADS:-wrk h2load}; LOADS=${LOADS//,/ }
RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
METRICS_PORT=${METRICS_PORT:-19245}
SCRAPE_EVERY=${SCRAPE_EVERY:-1}
check_cpus
need_tools curl:curl taskset:util-linux wrk:wrk h2load:nghttp2-client
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
warn_if_busy

OUT=${OUT:-$bench_dir/out/metrics-cost-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
declare -A PID=() PORT=()
scraper=""
cleanup() {
  local rc=$? s
  [ -n "$scraper" ] && kill "$scraper" 2>/dev/null
  for s in "${!PID[@]}"; do stop_pid "${PID[$s]}"; done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
make_docroot "$work/www"

port=$URING_PORT
for e in $ENGINES; do
  for m in off on; do
    if [ $m = on ]; then
      URING_METRICS_PORT=$METRICS_PORT start_uring_engine "$e" "$port" "$work/www" "$work/$e-$m" "$OUT/uring-httpd-$e-$m.log"
    else
      start_uring_engine "$e" "$port" "$work/www" "$work/$e-$m" "$OUT/uring-httpd-$e-$m.log"
    fi
    PID[$e-$m]=$URING_PID; PORT[$e-$m]=$port
    port=$((port + 1))
  done
  eval "METRICS_$e=$METRICS_PORT"
  METRICS_PORT=$((METRICS_PORT + 1))
done

clk_tck=$(getconf CLK_TCK)
rows=$OUT/rows.tsv
: > "$rows"
for e in $ENGINES; do
  mport=$(eval echo "\$METRICS_$e")
  for load in $LOADS; do
    for m in off on; do
      timed_load "$load" "http://127.0.0.1:${PORT[$e-$m]}/1k.bin" "$WARMUP" > /dev/null 2>&1 || true
    done
    for run in $(seq "$RUNS"); do
      for m in off on page; do
        s=$e-$m; [ $m = page ] && s=$e-on   # the page is open on the metrics-on server
        if [ $m != off ] && [ "$SCRAPE_EVERY" != 0 ]; then
          # On the server's CPU: what a scrape costs is charged to the server, not to the client
          # (wrk is client-bound: a curl on its CPU would lower requests/s by itself).
          ( while :; do taskset -c "$SERVER_CPU" curl -s -o /dev/null "http://127.0.0.1:$mport/metrics"
                        [ $m = page ] && taskset -c "$SERVER_CPU" curl -s -o /dev/null "http://127.0.0.1:$mport/metrics.json"
                        sleep "$SCRAPE_EVERY"; done ) &
          scraper=$!
        fi
        raw=$OUT/$e-$load-$m-$run.txt
        t0=$(proc_ticks "${PID[$s]}")
        timed_load "$load" "http://127.0.0.1:${PORT[$s]}/1k.bin" "$DURATION" > "$raw" 2>&1 || say "warning: $load exited with $?"
        t1=$(proc_ticks "${PID[$s]}")
        if [ -n "$scraper" ]; then kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null || true; scraper=""; fi
        read -r requests rps _ errors <<< "$(parse_load "$load" < "$raw")"
        cpu=$(awk -v t="$((t1 - t0))" -v r="$requests" -v k="$((1000000 / clk_tck))" 'BEGIN { printf "%.3f", (r > 0 ? t * k / r : 0) }')
        say "$e $load metrics $m, run $run: $rps req/s, $cpu us CPU/request ($errors errors)"
        printf '%s\t%s\t%s\t%s\t%s\n' "$e" "$load" "$m" "$rps" "$cpu" >> "$rows"
      done
    done
  done
done

{
  echo "Metrics cost: metrics on (scraped every ${SCRAPE_EVERY}s, 0 = not scraped) against off, 1k.bin, medians of $RUNS alternating ${DURATION}s runs after a ${WARMUP}s warm-up; one event loop on CPU $SERVER_CPU, client on CPU $CLIENT_CPU; CPU per request: utime+stime of the server process."
  echo
  echo "| engine | load | metrics | off req/s | req/s | / off | off CPU us/req | CPU us/req | / off |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
  for e in $ENGINES; do
    for load in $LOADS; do
      pick() { awk -F'\t' -v e="$e" -v l="$load" -v m="$1" -v c="$2" '$1 == e && $2 == l && $3 == m { print $c }' "$rows" | median; }
      off=$(pick off 4); offc=$(pick off 5)
      for m in on page; do
        on=$(pick $m 4); onc=$(pick $m 5)
        printf '| %s | %s | %s | %.0f | %.0f | %s | %s | %s | %s |\n' "$e" "$load" \
          "$([ $m = on ] && echo "on, scraped" || echo "on, scraped, page open")" "$off" "$on" \
          "$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')" "$offc" "$onc" \
          "$(awk -v a="$onc" -v b="$offc" 'BEGIN { printf "%.3f", a / b }')"
      done
    done
  done
  echo
  echo "Command: \`ENGINES='$ENGINES' LOADS='$LOADS' RUNS=$RUNS DURATION=$DURATION SCRAPE_EVERY=$SCRAPE_EVERY bench/metrics-cost.sh\` at $(git -C "$repo_dir" rev-parse --short HEAD); raw: $OUT"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
