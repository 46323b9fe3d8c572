#!/usr/bin/env bash
# A deploy storm under load: does the open-file cache, kept fresh by inotify, still serve at
# full speed, and only current bodies, while every file of the site is replaced every second?
# (Results in bench/RESULTS.md#freshness-inotify-invalidation; the model in docs/freshness.md.)
#
# A docroot of FILES small files (1-2 KiB each, f/0/000.html … f/9/999.html: DIRS directories),
# one uring-httpd per engine in turn (master off, one event loop on SERVER_CPU, metrics on), and
# wrk requesting the files round-robin (bench/paths.lua: each request a different file than the
# one before). Per engine, after a warm-up (every file once, WARMUP seconds of wrk alone and
# WARMUP seconds with the storm, so that the JIT has compiled the miss and invalidation paths):
# RUNS rounds of three DURATION-second wrk runs, in this order: off (no storm); elsewhere (the
# control: the same storm on a copy of the files outside the docroot, so the client loses the same
# CPU and the server gets no event); on (the storm on the docroot). Per run: req/s, p99, errors
# (socket errors and non-2xx), server CPU per request (utime+stime of the process over the wrk
# run) and the loop thread's (uringhttpd_loop_cpu_seconds_total); medians and the ratios on/off,
# on/elsewhere.
#
# The storm: a python3 process, pinned with wrk to STORM_CPU (default CLIENT_CPU: the fsnotify
# work runs inside the deployer's own syscalls, so on the server's CPU it would charge the
# server for the deployer's writes; beside wrk it takes some of the client's CPU instead, which
# the control run measures), replaces every file once per pass, RATE files per second, as a
# deploy should: the new version written to a temporary name in the same directory (.NAME.tmp)
# and renamed over the old one. Each body carries its version (the pass number). Every
# CHECK_EVERY-th replaced file is requested right after its rename returns (one keep-alive
# connection): on the docroot it must already be the new version. Told to stop when wrk ends, the
# storm finishes its pass; then every file is requested once (one keep-alive connection) and must
# carry the last version written (0 old bodies), and the server's counters over the run are read
# from /metrics: invalidations by cause, queue overflows, misses, inotify_add_watch/rm_watch,
# fallbacks, and the watches, entries and direct-buffer gauges (small bodies live there), the GCs
# and VmRSS.
#
#   bench/deploy-storm.sh                         # epoll and io_uring, one round of 3 runs of 30 s: ~4 minutes
#   ENGINES=io_uring RUNS=3 DURATION=10 bench/deploy-storm.sh
#
# Environment (defaults): ENGINES="epoll io_uring" RUNS=1 DURATION=30 (seconds) WARMUP=5
#   FILES=1000 DIRS=10 RATE=1000 (files replaced per second) CHECK_EVERY=10 (0: no
#   read-after-rename checks) STORM_CPU=$CLIENT_CPU METRICS_PORT=19246
#   and those of bench/run.sh: URING_SET URING_JAVA_OPTS JAR URING_PORT SERVER_CPU CLIENT_CPU OUT
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

ENGINES=${ENGINES:-epoll io_uring}; ENGINES=${ENGINES//,/ }
RUNS=${RUNS:-1}
DURATION=${DURATION:-30}; DURATION=${DURATION%s}
WARMUP=${WARMUP:-5}; WARMUP=${WARMUP%s}
FILES=${FILES:-1000}
DIRS=${DIRS:-10}
RATE=${RATE:-1000}
CHECK_EVERY=${CHECK_EVERY:-10}
STORM_CPU=${STORM_CPU:-$CLIENT_CPU}
METRICS_PORT=${METRICS_PORT:-19246}
for v in RUNS DURATION WARMUP FILES DIRS RATE; do
  case ${!v} in ''|*[!0-9]*|0) die "$v must be a positive integer" ;; esac
done
case $CHECK_EVERY in ''|*[!0-9]*) die "CHECK_EVERY must be a whole number" ;; esac
[ $((FILES % DIRS)) = 0 ] || die "FILES ($FILES) must be a multiple of DIRS ($DIRS)"
for e in $ENGINES; do case $e in epoll|io_uring) ;; *) die "unknown engine '$e' (engines: epoll io_uring)" ;; esac; done

check_cpus
[ "$STORM_CPU" -lt "$(nproc --all)" ] || die "STORM_CPU $STORM_CPU: this machine has $(nproc --all) CPU(s)"
need_tools curl:curl taskset:util-linux getconf:libc-bin wrk:wrk python3:python3
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
find_jdk25
warn_if_busy

clk_tck=$(getconf CLK_TCK)
OUT=${OUT:-$bench_dir/out/deploy-storm-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
root=$work/www
storm_pid=""
cleanup() {
  local rc=$?
  [ -n "$storm_pid" ] && kill -TERM "$storm_pid" 2>/dev/null && wait "$storm_pid" 2>/dev/null
  stop_uring
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the docroot, the storm and the checker (one python3 file, three modes)
cat > "$work/storm.py" <<'PY'
import http.client, os, re, signal, sys, time

mode, root, files, dirs, manifest = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
per_dir = files // dirs
width = max(3, len(str(files - 1)))
VERSION = re.compile(rb"version (\d+)")

def rel(i):
    return "f/%d/%0*d.html" % (i // per_dir, width, i)

def body(i, v):
    head = b"<!doctype html><title>%s</title>\n<p>version %d</p>\n" % (rel(i).encode(), v)
    size = 1024 + (i * 37) % 1024          # 1-2 KiB, the same for every version of a file
    return head + b"x" * (size - len(head) - 1) + b"\n"

def write_manifest(v):
    with open(manifest + ".tmp", "w") as f:
        f.write("%d\n" % v)
    os.rename(manifest + ".tmp", manifest)

def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read()

def version_of(data):
    m = VERSION.search(data)
    return int(m.group(1)) if m else -1

if mode == "init":
    # init PATHS_FILE: version 0 of every file, and the list of their URL paths
    with open(sys.argv[6], "w") as p:
        for i in range(files):
            path = os.path.join(root, rel(i))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(body(i, 0))
            p.write("/" + rel(i) + "\n")
    write_manifest(0)

elif mode == "storm":
    # storm PORT RATE CHECK_EVERY COMPARE: passes until SIGTERM, each replacing every file under
    # ROOT; every CHECK_EVERY-th file is requested right after its rename, and with COMPARE=1
    # (ROOT is the server's docroot) its answer must be the version just written.
    port, rate, check_every, compare = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]), sys.argv[9] == "1"
    stop = False
    def on_term(*_):
        global stop
        stop = True
    signal.signal(signal.SIGTERM, on_term)
    v = int(open(manifest).read())
    conn = http.client.HTTPConnection("127.0.0.1", port) if check_every else None
    written = checks = stale = errors = 0
    lag_max = 0.0
    t0 = time.monotonic()
    while not stop:
        v += 1
        for i in range(files):
            target = t0 + written / rate
            now = time.monotonic()
            if target > now:
                time.sleep(target - now)
            else:
                lag_max = max(lag_max, now - target)
            path = os.path.join(root, rel(i))
            tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
            with open(tmp, "wb") as f:
                f.write(body(i, v))
            os.rename(tmp, path)
            written += 1
            if check_every and written % check_every == 0:
                # sent after rename(2) returned: the answer must be the new version
                status, data = get(conn, "/" + rel(i))
                checks += 1
                if status != 200:
                    errors += 1
                    print("error: /%s answered %d" % (rel(i), status), file=sys.stderr)
                elif compare and version_of(data) != v:
                    stale += 1
                    print("stale: /%s answered version %d, %d written" % (rel(i), version_of(data), v), file=sys.stderr)
        write_manifest(v)       # whole passes only: every file now carries version v
    elapsed = time.monotonic() - t0
    cpu = sum(os.times()[:2])
    print("storm: passes %d (last version %d), files replaced %d in %.1f s = %.0f/s, max lag %.3f s, "
          "storm CPU %.2f s; requests right after a rename %d (%s), stale %d, errors %d"
          % (written // files, v, written, elapsed, written / elapsed, lag_max, cpu, checks,
             "compared" if compare else "not compared: the files are not the server's", stale, errors))
    print("STORM %d %d %.1f %.0f %.3f %.2f %d %s %d"
          % (written // files, v, elapsed, written / elapsed, lag_max, cpu, checks, stale if compare else "-", errors))

elif mode == "verify":
    # verify PORT: every file once over one keep-alive connection, against the manifest's version
    port = int(sys.argv[6])
    want = int(open(manifest).read())
    conn = http.client.HTTPConnection("127.0.0.1", port)
    current = old = errors = 0
    for i in range(files):
        status, data = get(conn, "/" + rel(i))
        got = version_of(data)
        if status != 200 or (got == want and data != body(i, want)):
            errors += 1
            print("error: /%s answered %d, %d bytes" % (rel(i), status, len(data)), file=sys.stderr)
        elif got == want:
            current += 1
        else:
            old += 1
            print("old body: /%s answered version %d, last written %d" % (rel(i), got, want), file=sys.stderr)
    print("verify: %d files against version %d: %d current, %d old, %d errors" % (files, want, current, old, errors))
    print("VERIFY %d %d %d %d %d" % (files, want, current, old, errors))
PY

mkdir -p "$root" "$work/elsewhere"
paths=$work/paths.txt
python3 "$work/storm.py" init "$root" "$FILES" "$DIRS" "$work/manifest" "$paths"
# The control storm's tree: the same files, the same file system, outside the docroot.
python3 "$work/storm.py" init "$work/elsewhere" "$FILES" "$DIRS" "$work/elsewhere-manifest" /dev/null

# shellcheck disable=SC2016  # the single quotes are literal, the variables inside expand
command="ENGINES='$ENGINES' RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP FILES=$FILES DIRS=$DIRS RATE=$RATE CHECK_EVERY=$CHECK_EVERY STORM_CPU=$STORM_CPU ${URING_SET:+URING_SET='$URING_SET' }${URING_JAVA_OPTS:+URING_JAVA_OPTS='$URING_JAVA_OPTS' }JAR=$JAR bench/deploy-storm.sh"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%SZ')"
  echo "command: $command"
  echo "git: $(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo_dir" diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
  echo "kernel: $(uname -r)"
  echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1) x $(nproc --all)"
  echo "server cpu: $SERVER_CPU, client cpu: $CLIENT_CPU, storm cpu: $STORM_CPU, CLK_TCK: $clk_tck"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "docroot: $root on $(findmnt -n -o FSTYPE --target "$root" 2>/dev/null || stat -f -c %T "$root"), $FILES files in $DIRS directories"
  echo "wrk: $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'), python3: $(python3 -V 2>&1)"
  echo "java: $("$JAVA_HOME_25/bin/java" -version 2>&1 | sed -n 2p)"
  echo "uring-httpd jar: $JAR ($(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%SZ'))"
} > "$OUT/setup.txt"
cat "$OUT/setup.txt" >&2

# metric FILE NAME [LABEL="VALUE"]: the sum of NAME's series (with that label) in a /metrics dump
metric() {
  awk -v n="$2" -v l="${3:-}" '
    /^#/ { next }
    { name = $1; sub(/\{.*/, "", name); if (name != n) next
      if (l != "" && index($1, l) == 0) next
      s += $NF; found = 1 }
    END { if (found) printf "%.6f\n", s; else print "-" }' "$1"
}
delta() { # delta FILE0 FILE1 NAME [LABEL]: the counter's increase, a whole number
  awk -v a="$(metric "$1" "$3" "${4:-}")" -v b="$(metric "$2" "$3" "${4:-}")" \
    'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.0f\n", b - a }'
}
gauge() { awk -v v="$(metric "$@")" 'BEGIN { if (v == "-") print "-"; else printf "%.0f\n", v }'; }
scrape() { curl -s --max-time 5 "http://127.0.0.1:$mport/metrics" > "$1"; }
# The loop publishes its metrics once a second.
settle() { sleep 1.5; }

rows=$OUT/rows.tsv
printf 'engine\trun\tstorm\trequests\treq_per_s\tp99_ms\terrors\tcpu_us_per_req\tloop_cpu_us_per_req\n' > "$rows"
storms=$OUT/storms.tsv
printf 'engine\trun\tstorm\tpasses\tlast_version\tseconds\tfiles_per_s\tmax_lag_s\tstorm_cpu_s\tchecks\tstale\tcheck_errors\tverified\tcurrent\told\tverify_errors\tinv_changed\tinv_created\tinv_removed\tinv_directory\tinv_overflow\tinv_revalidated\tqueue_overflows\tmisses\tinotify_add_watch\tinotify_rm_watch\tfallbacks\twatches\tentries\tgcs\tdirect_mib\trss_mib\n' > "$storms"

wrk_cmd() { # wrk_cmd SECONDS
  CMD=(taskset -c "$CLIENT_CPU" wrk -t1 -c64 "-d$1s" --latency -s "$bench_dir/paths.lua" "http://127.0.0.1:$port" -- "$paths")
}

# storm_start WHERE(docroot|elsewhere) LOG: the storm in the background (storm_pid)
storm_start() {
  local dir=$root manifest=$work/manifest compare=1
  if [ "$1" = elsewhere ]; then dir=$work/elsewhere; manifest=$work/elsewhere-manifest; compare=0; fi
  taskset -c "$STORM_CPU" python3 "$work/storm.py" storm "$dir" "$FILES" "$DIRS" "$manifest" "$port" "$RATE" "$CHECK_EVERY" "$compare" \
    > "$2.txt" 2> "$2-stderr.txt" &
  storm_pid=$!
}
# storm_stop LOG: it finishes its pass and reports
storm_stop() {
  kill -TERM "$storm_pid"
  wait "$storm_pid" || die "the storm failed (see $1-stderr.txt)"
  storm_pid=""
}
verify() { # verify LOG: every file once, each must carry the last version written
  python3 "$work/storm.py" verify "$root" "$FILES" "$DIRS" "$work/manifest" "$port" > "$1" 2>&1 \
    || die "the check of every file failed (see $1)"
}

# load ENGINE RUN STORM(off|elsewhere|on) TAG: one wrk run between two scrapes; a row in rows.tsv.
# A storm started before it is stopped when wrk ends (it finishes its pass, under a second), and
# after the storm on the docroot every file is checked at once. Server CPU per request is the
# wrk run's exactly (/proc); the loop thread's is from the metrics, published once a second,
# so it also holds the storm's last pass and the check (~1% of a 30 s run).
load() {
  local e=$1 run=$2 storm=$3 tag=$4 raw t0 t1 requests rps p99 errors cpu loopcpu
  raw=$OUT/$tag-wrk.txt
  wrk_cmd "$DURATION"
  echo "# ${CMD[*]}" > "$raw"
  scrape "$OUT/$tag-load-before.prom"
  t0=$(proc_ticks "$URING_PID")
  timeout $((DURATION + 60)) "${CMD[@]}" >> "$raw" 2>&1 || say "warning: wrk exited with $? (see $raw)"
  t1=$(proc_ticks "$URING_PID") || die "$e: uring-httpd (pid $URING_PID) is no longer running"
  if [ "$storm" != off ]; then storm_stop "$OUT/$tag-storm"; fi
  # right after the storm's last rename: every file must be the last version
  if [ "$storm" = on ]; then verify "$OUT/$tag-verify.txt"; fi
  settle; scrape "$OUT/$tag-load-after.prom"
  read -r requests rps p99 errors <<< "$(parse_wrk < "$raw")"
  cpu=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$requests" 'BEGIN { if (n > 0) printf "%.3f", d / hz * 1e6 / n; else print "-" }')
  loopcpu=$(awk -v a="$(metric "$OUT/$tag-load-before.prom" uringhttpd_loop_cpu_seconds_total)" \
    -v b="$(metric "$OUT/$tag-load-after.prom" uringhttpd_loop_cpu_seconds_total)" -v n="$requests" \
    'BEGIN { if (n > 0 && a != "-" && b != "-") printf "%.3f", (b - a) * 1e6 / n; else print "-" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$e" "$run" "$storm" "$requests" "$rps" "$p99" "$errors" "$cpu" "$loopcpu" >> "$rows"
  say "  $e run $run, storm $storm: $rps req/s, p99 $p99 ms, $errors errors, $cpu us CPU/request (loop thread $loopcpu)"
}

# storm_row ENGINE RUN STORM TAG: the storm's report, the check after it, the counters over it
storm_row() {
  local e=$1 run=$2 storm=$3 tag=$4 b a c inv=() passes version secs fps lag scpu checks stale cerr
  local verified=- current=- old=- verr=-
  read -r _ passes version secs fps lag scpu checks stale cerr <<< "$(grep '^STORM ' "$OUT/$tag-storm.txt")"
  [ -f "$OUT/$tag-verify.txt" ] && read -r _ verified _ current old verr <<< "$(grep '^VERIFY ' "$OUT/$tag-verify.txt")"
  b=$OUT/$tag-before.prom; a=$OUT/$tag-after.prom
  for c in changed created removed directory overflow revalidated; do
    inv+=("$(delta "$b" "$a" uringhttpd_open_file_cache_invalidations_total "cause=\"$c\"")")
  done
  printf '%s\t' "$e" "$run" "$storm" "$passes" "$version" "$secs" "$fps" "$lag" "$scpu" "$checks" "$stale" "$cerr" \
    "$verified" "$current" "$old" "$verr" "${inv[@]}" \
    "$(delta "$b" "$a" uringhttpd_open_file_cache_queue_overflows_total)" \
    "$(delta "$b" "$a" uringhttpd_open_file_cache_misses_total)" \
    "$(delta "$b" "$a" uringhttpd_syscalls_total 'syscall="inotify_add_watch"')" \
    "$(delta "$b" "$a" uringhttpd_syscalls_total 'syscall="inotify_rm_watch"')" \
    "$(delta "$b" "$a" uringhttpd_open_file_cache_fallbacks_total)" \
    "$(gauge "$a" uringhttpd_open_file_cache_watches)" "$(gauge "$a" uringhttpd_open_file_cache_entries)" \
    "$(delta "$b" "$a" uringhttpd_jvm_gc_collections_total)" \
    "$(awk -v v="$(metric "$a" jvm_buffer_memory_used_bytes 'id="direct"')" 'BEGIN { if (v == "-") print "-"; else printf "%.1f", v / 1048576 }')" >> "$storms"
  awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$URING_PID/status" >> "$storms"
  say "  $e run $run, storm $storm: $(sed -n 's/^storm: //p' "$OUT/$tag-storm.txt")"
  [ -f "$OUT/$tag-verify.txt" ] && say "  $e run $run, after the storm: $(sed -n 's/^verify: //p' "$OUT/$tag-verify.txt")"
  return 0
}

port=$URING_PORT
mport=$METRICS_PORT
for e in $ENGINES; do
  say "== $e"
  URING_METRICS_PORT=$mport start_uring_engine "$e" "$port" "$root" "$work/$e" "$OUT/uring-httpd-$e.log"
  echo "$e: engine ${URING_STARTED_ENGINE:-?}, port $port, metrics port $mport: ${URING_CMD[*]}" >> "$OUT/setup.txt"
  wait_http "http://127.0.0.1:$mport/metrics" "$URING_PID" || die "no /metrics on port $mport (see $OUT/uring-httpd-$e.log)"
  # warm-up (discarded): every file once, wrk alone, then wrk with the storm (the JIT compiles
  # the miss and invalidation paths here, not in a measured run), then every file again
  verify "$OUT/$e-warmup-verify.txt"
  wrk_cmd "$WARMUP"
  "${CMD[@]}" > "$OUT/$e-warmup.txt" 2>&1 || say "warning: warm-up wrk exited with $?"
  storm_start docroot "$OUT/$e-warmup-storm"
  "${CMD[@]}" > "$OUT/$e-warmup-storm-wrk.txt" 2>&1 || say "warning: warm-up wrk exited with $?"
  storm_stop "$OUT/$e-warmup-storm"
  verify "$OUT/$e-warmup-storm-verify.txt"
  grep -q '^VERIFY [0-9]* [0-9]* [0-9]* 0 0$' "$OUT/$e-warmup-storm-verify.txt" \
    || say "WARNING: $e served old bodies or errors after the warm-up storm: see $OUT/$e-warmup-storm-verify.txt"
  for run in $(seq "$RUNS"); do
    # without a storm (the metrics published first: the warm-up's last check lands before it)
    settle
    load "$e" "$run" off "$e-$run-off"
    # the control: the same storm on a copy of the files outside the docroot (no inotify event
    # reaches the server; the storm takes the same share of the client's CPU)
    tag=$e-$run-elsewhere
    scrape "$OUT/$tag-before.prom"
    storm_start elsewhere "$OUT/$tag-storm"
    load "$e" "$run" elsewhere "$tag"
    cp "$OUT/$tag-load-after.prom" "$OUT/$tag-after.prom"
    storm_row "$e" "$run" elsewhere "$tag"
    # the storm on the docroot
    tag=$e-$run-on
    scrape "$OUT/$tag-before.prom"
    storm_start docroot "$OUT/$tag-storm"
    load "$e" "$run" on "$tag"
    cp "$OUT/$tag-load-after.prom" "$OUT/$tag-after.prom"
    storm_row "$e" "$run" on "$tag"
    kill -0 "$URING_PID" 2>/dev/null || die "$e: uring-httpd (pid $URING_PID) is no longer running"
  done
  stop_uring
  port=$((port + 1)); mport=$((mport + 1))
done

# ---- summary
col() { # col ENGINE STORM COLUMN: the median over the runs
  awk -F'\t' -v e="$1" -v s="$2" -v c="$3" 'NR > 1 && $1 == e && $3 == s && $c != "-" { print $c }' "$rows" | median
}
spread() { # spread ENGINE STORM COLUMN: " (min-max)" over the runs, when there are several
  awk -F'\t' -v e="$1" -v s="$2" -v c="$3" 'NR > 1 && $1 == e && $3 == s && $c != "-" { v = $c + 0
    if (n++ == 0 || v < lo) lo = v; if (n == 1 || v > hi) hi = v } END { if (n > 1) printf " (%s-%s)", lo, hi }' "$rows"
}
sumcol() { awk -F'\t' -v e="$1" -v s="$2" -v c="$3" 'NR > 1 && $1 == e && $3 == s { t += $c } END { print t + 0 }' "$rows"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.3f", a / b }'; }
{
  echo "Deploy storm: $FILES files (1-2 KiB, $DIRS directories) requested round-robin by \`wrk -t1 -c64 -d${DURATION}s --latency -s bench/paths.lua\`; storm: every file replaced once a second ($RATE files/s, written to a temporary name and renamed over), python3 on CPU $STORM_CPU beside wrk; elsewhere: the same storm on a copy outside the docroot (the control: the client loses the same CPU, the server gets no event). Medians of $RUNS run(s)$([ "$RUNS" -gt 1 ] && echo ' (min-max)'), alternating off, elsewhere, on, after a ${WARMUP}s warm-up with and without the storm; one event loop on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU; server CPU per request: utime+stime of the process (/proc), loop thread: uringhttpd_loop_cpu_seconds_total."
  echo
  echo "| engine | storm | req/s | p99 ms | errors | server CPU us/req | loop thread CPU us/req | req/s × off | p99 × off | CPU × off | req/s × elsewhere | CPU × elsewhere |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for e in $ENGINES; do
    for s in off elsewhere on; do
      rps=$(col "$e" "$s" 5); p99=$(col "$e" "$s" 6); cpu=$(col "$e" "$s" 8); lcpu=$(col "$e" "$s" 9)
      r=("" "" "" "" "")
      if [ "$s" != off ]; then
        r[0]=$(ratio "$rps" "$(col "$e" off 5)"); r[1]=$(ratio "$p99" "$(col "$e" off 6)"); r[2]=$(ratio "$cpu" "$(col "$e" off 8)")
      fi
      if [ "$s" = on ]; then
        r[3]=$(ratio "$rps" "$(col "$e" elsewhere 5)"); r[4]=$(ratio "$cpu" "$(col "$e" elsewhere 8)")
      fi
      printf '| %s | %s | %.0f%s | %s%s | %s | %s%s | %s%s | %s | %s | %s | %s | %s |\n' "$e" "$s" \
        "$rps" "$(spread "$e" "$s" 5)" "$p99" "$(spread "$e" "$s" 6)" "$(sumcol "$e" "$s" 7)" \
        "$cpu" "$(spread "$e" "$s" 8)" "$lcpu" "$(spread "$e" "$s" 9)" "${r[@]}"
    done
  done
  echo
  echo "Each storm run: files replaced (the rate kept), requests sent right after a rename returned (every ${CHECK_EVERY}th file; on the docroot each must answer the new version), every file requested once right after the storm ended (each must carry the last version written), and the server's counters over the run (deltas of /metrics, the check after the storm included; watches, entries and the direct (off-heap) buffer memory that holds the small bodies: the gauges at the end; GCs: collections during the run; VmRSS at the end):"
  echo
  echo "| engine | run | storm | passes | files/s | storm CPU s | right-after-rename requests / stale / errors | after: files / old bodies / errors | invalidations changed / created / removed / directory / overflow / revalidated | queue overflows | cache misses | inotify_add_watch / rm_watch | fallbacks | watches | entries | GCs | direct MiB | VmRSS MiB |"
  echo "|---|---:|---|---:|---:|---:|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s / %s / %s | %s / %s / %s | %s / %s / %s / %s / %s / %s | %s | %s | %s / %s | %s | %s | %s | %s | %s | %s |\n",
    $1, $2, $3, $4, $7, $9, $10, $11, $12, $13, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32 }' "$storms"
  echo
  bad=$(awk -F'\t' 'NR > 1 { b += $11 + $12 + $15 + $16 } END { print b + 0 }' "$storms")
  errs=$(awk -F'\t' 'NR > 1 { b += $7 } END { print b + 0 }' "$rows")
  if [ "$bad" != 0 ] || [ "$errs" != 0 ]; then
    echo "**$bad stale or old bodies and check errors, $errs wrk errors: see $OUT.**"
    echo
  fi
  echo "Command: \`$command\` at $(sed -n 's/^git: //p' "$OUT/setup.txt"); raw: $OUT"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
