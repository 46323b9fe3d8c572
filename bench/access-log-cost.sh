#!/usr/bin/env bash
# What the access log costs (target: at most +10% server CPU per request, as nginx's
# "access_log ... buffer=64k" costs it): per engine, two uring-httpd processes on the same
# CPU, one with the access log off and one with it on (Combined Log Format, to a file on
# disk, the default buffer-bytes 64k and flush-interval 1s); the same load on each in turn,
# alternating, RUNS times; the median requests/s and server CPU per request (utime+stime of
# the whole process from /proc/PID/stat, per request) of each, and their on/off ratios.
# The log file is emptied between runs (truncate: the server appends with O_APPEND, so its
# next write lands at the new end) and its lines are counted against wrk's requests.
#
# nginx is not measured here: ../shared/bench/nginx-anchor.sh writes "access_log off;" into
# the configuration it generates and takes no option to change that, and this script does not
# edit the anchor's files. nginx measured by hand on this machine kind for the same load, with
# "access_log ... buffer=64k" against off: 16.9 -> 18.5 us per request (+9.5%).
#
#   bench/access-log-cost.sh
#   ENGINES=io_uring RUNS=3 DURATION=5 bench/access-log-cost.sh
#
# Environment (defaults): ENGINES="io_uring epoll" RUNS=5 DURATION=10 (seconds) WARMUP=5
#   (wrk -t1 -c64 on 1k.bin) and those of bench/run.sh: JAR URING_PORT SERVER_CPU CLIENT_CPU OUT
#   LOG_DIR (where the access logs go; default: the work folder under /tmp, which must be a
#   disk, not a tmpfs: the script checks)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

ENGINES=${ENGINES:-io_uring epoll}; ENGINES=${ENGINES//,/ }
RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
check_cpus
need_tools curl:curl taskset:util-linux wrk:wrk
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
warn_if_busy

OUT=${OUT:-$bench_dir/out/access-log-cost-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
LOG_DIR=${LOG_DIR:-$work/logs}
mkdir -p "$LOG_DIR"
# findmnt names ext4 as such (stat -f says "ext2/ext3" for every ext*)
fstype=$(findmnt -n -o FSTYPE --target "$LOG_DIR" 2>/dev/null || stat -f -c %T "$LOG_DIR")
case $fstype in tmpfs|ramfs) die "LOG_DIR $LOG_DIR is on $fstype: the access log must go to a disk (set LOG_DIR)" ;; esac
declare -A PID=() PORT=() ACCESS=()
cleanup() {
  local rc=$? s
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
      ACCESS[$e]=$LOG_DIR/access-$e.log
      URING_SET="uring-httpd.access-log.enabled=true uring-httpd.access-log.path=\"${ACCESS[$e]}\"" \
        start_uring_engine "$e" "$port" "$work/www" "$work/$e-$m" "$OUT/uring-httpd-$e-$m.log"
    else
      start_uring_engine "$e" "$port" "$work/www" "$work/$e-$m" "$OUT/uring-httpd-$e-$m.log"
    fi
    PID[$e-$m]=$URING_PID; PORT[$e-$m]=$port
    port=$((port + 1))
  done
done

clk_tck=$(getconf CLK_TCK)
rows=$OUT/rows.tsv
: > "$rows"
for e in $ENGINES; do
  for m in off on; do
    timed_load wrk "http://127.0.0.1:${PORT[$e-$m]}/1k.bin" "$WARMUP" > /dev/null 2>&1 || true
  done
  for run in $(seq "$RUNS"); do
    for m in off on; do
      [ $m = on ] && truncate -s 0 "${ACCESS[$e]}"
      raw=$OUT/$e-$m-$run.txt
      t0=$(proc_ticks "${PID[$e-$m]}")
      timed_load wrk "http://127.0.0.1:${PORT[$e-$m]}/1k.bin" "$DURATION" > "$raw" 2>&1 || say "warning: wrk exited with $?"
      t1=$(proc_ticks "${PID[$e-$m]}")
      read -r requests rps _ errors <<< "$(parse_load wrk < "$raw")"
      cpu=$(awk -v t="$((t1 - t0))" -v r="$requests" -v k="$((1000000 / clk_tck))" 'BEGIN { printf "%.3f", (r > 0 ? t * k / r : 0) }')
      logged=-
      if [ $m = on ]; then
        sleep 2   # the idle loop's last buffer reaches the file within flush-interval + one tick
        logged=$(wc -l < "${ACCESS[$e]}")
      fi
      say "$e access log $m, run $run: $rps req/s, $cpu us CPU/request ($errors errors; $logged lines logged for $requests requests)"
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$e" "$m" "$rps" "$cpu" "$requests" "$logged" >> "$rows"
    done
  done
done

{
  echo "Access log cost: on (Combined Log Format to a file on $fstype, buffer-bytes 64k, flush-interval 1s) against off, 1k.bin, wrk -t1 -c64, medians of $RUNS alternating ${DURATION}s runs after a ${WARMUP}s warm-up; one event loop on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU; CPU per request: utime+stime of the server process. nginx: not measured (the anchor has no access-log option)."
  echo
  echo "| engine | off req/s | on req/s | off CPU us/req | on CPU us/req | on/off CPU |"
  echo "|---|---:|---:|---:|---:|---:|"
  for e in $ENGINES; do
    pick() { awk -F'\t' -v e="$e" -v m="$1" -v c="$2" '$1 == e && $2 == m { print $c }' "$rows" | median; }
    off=$(pick off 3); on=$(pick on 3); offc=$(pick off 4); onc=$(pick on 4)
    printf '| %s | %.0f | %.0f | %s | %s | %s |\n' "$e" "$off" "$on" "$offc" "$onc" \
      "$(awk -v a="$onc" -v b="$offc" 'BEGIN { printf "%.3f", a / b }')"
  done
  echo
  echo "Command: \`ENGINES='$ENGINES' RUNS=$RUNS DURATION=$DURATION bench/access-log-cost.sh\` at $(git -C "$repo_dir" rev-parse --short HEAD); raw: $OUT"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
