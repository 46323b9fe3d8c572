#!/usr/bin/env bash
# What the open-file cache's inotify watches cost in memory (results in
# bench/RESULTS.md#freshness-inotify-invalidation; the model in docs/freshness.md).
#
# (a) The kernel's memory per watch: python3 (ctypes) makes WATCHES fresh directories, then adds
#     one watch on each in one inotify instance (the server's mask), and reads the slab counters
#     before and after: the objects of inotify_inode_mark and fsnotify_mark_connector (and the
#     idr's radix_tree_node) from /sys/kernel/slab/NAME/objects times their slab_size, and Slab:
#     and SUnreclaim: of /proc/meminfo; closing the instance must give it back. ROUNDS rounds.
#     (The caches are usually merged with others of their size, e.g. inotify_inode_mark ->
#     :A-0000080: the object counts are those of the merged cache, so the deltas include whatever
#     else allocated from it meanwhile; on a quiet machine that is little against 10,000.)
# (b) Watches in use: one uring-httpd (master off, one event loop on SERVER_CPU, metrics on,
#     engine ENGINE) on the shipped demo site www/, every file of it requested once
#     (find www -type f); then on a generated tree of FILES small files of 256 B (TOP directories
#     x SUB subdirectories x the rest), every file requested once in order by one python3
#     keep-alive connection (pinned to CLIENT_CPU): with the default open-file-cache.entries
#     (10000), with entries=FILES, and with entries=FILES and watches-max=0 (no watches: what the
#     watches themselves add). A cached entry keeps its file open, so entries=FILES needs FILES
#     fds: the script raises the open-file limit to FILES + 10000 where it may (root with
#     CAP_SYS_RESOURCE); where it may not, those runs stop caching at the limit (the server
#     answers 500 to the files it cannot open, and logs EMFILE), and one more run requests only
#     as many files as the limit allows, spread over every directory of the tree (all of them
#     watched). Before and after the requests: the watches and entries gauges, the worker's
#     VmRSS (/proc/PID/status), its live heap (jcmd GC.run, then GC.class_histogram, which runs another
#     full GC first: the total without the GC's filler arrays), the small files' bodies it holds off the
#     heap (jvm_buffer_memory_used_bytes{id="direct"}) and its open fds.
#
#   bench/watch-memory.sh                  # ~3 minutes, ~0.5 GB of small files under /tmp
#   WATCHES=1000 FILES=10000 ENGINE=epoll bench/watch-memory.sh
#
# Environment (defaults): WATCHES=10000 ROUNDS=3 FILES=100000 TOP=10 SUB=100 ENGINE=io_uring
#   METRICS_PORT=19247 SITE=www (the demo site, relative to the repository) TREE_DIR (where the
#   generated tree goes; default the work folder under /tmp)
#   and those of bench/run.sh: URING_SET URING_JAVA_OPTS JAR URING_PORT SERVER_CPU CLIENT_CPU OUT
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname -- "$(readlink -f -- "$0")")/lib.sh"

WATCHES=${WATCHES:-10000}
ROUNDS=${ROUNDS:-3}
FILES=${FILES:-100000}
TOP=${TOP:-10}
SUB=${SUB:-100}
ENGINE=${ENGINE:-io_uring}
METRICS_PORT=${METRICS_PORT:-19247}
SITE=${SITE:-$repo_dir/www}
for v in WATCHES ROUNDS FILES TOP SUB; do
  case ${!v} in ''|*[!0-9]*|0) die "$v must be a positive integer" ;; esac
done
[ $((FILES % (TOP * SUB))) = 0 ] || die "FILES ($FILES) must be a multiple of TOP x SUB ($((TOP * SUB)))"
case $ENGINE in epoll|io_uring) ;; *) die "ENGINE must be epoll or io_uring" ;; esac
[ -d "$SITE" ] || die "no site at $SITE (set SITE)"

check_cpus
need_tools curl:curl taskset:util-linux python3:python3
[ -f "$JAR" ] || die "$JAR is missing: build it first with ./mvnw -q -DskipTests package"
[ -r /sys/kernel/slab/inotify_inode_mark/objects ] || die "no /sys/kernel/slab/inotify_inode_mark/objects (a SLUB kernel with sysfs is needed)"
find_jdk25
warn_if_busy

OUT=${OUT:-$bench_dir/out/watch-memory-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/uring-bench.XXXXXX)
TREE_DIR=${TREE_DIR:-$work/tree}
cleanup() {
  local rc=$?
  stop_uring
  rm -rf "$work"
  [ "$TREE_DIR" = "$work/tree" ] || rm -rf "$TREE_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The cache keeps an fd per entry: FILES entries need FILES fds (the JVM raises its soft limit to
# the hard one). Raised here when the shell may (root); otherwise the entries=FILES runs stop
# caching at the limit (EMFILE, logged by the server).
want_fds=$((FILES + 10000))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want_fds" ]; then
  ulimit -Hn "$want_fds" 2>/dev/null || say "warning: cannot raise the open-file limit to $want_fds (hard limit $(ulimit -Hn))"
fi
ulimit -n "$(ulimit -Hn)"

# shellcheck disable=SC2016  # the single quotes are literal, the variables inside expand
command="WATCHES=$WATCHES ROUNDS=$ROUNDS FILES=$FILES TOP=$TOP SUB=$SUB ENGINE=$ENGINE ${URING_SET:+URING_SET='$URING_SET' }${URING_JAVA_OPTS:+URING_JAVA_OPTS='$URING_JAVA_OPTS' }JAR=$JAR bench/watch-memory.sh"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%SZ')"
  echo "command: $command"
  echo "git: $(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo_dir" diff --quiet HEAD 2>/dev/null || echo ' (dirty)')"
  echo "kernel: $(uname -r)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "inotify limits: max_user_watches $(cat /proc/sys/fs/inotify/max_user_watches), max_user_instances $(cat /proc/sys/fs/inotify/max_user_instances), max_queued_events $(cat /proc/sys/fs/inotify/max_queued_events)"
  echo "open-file limit for the server: $(ulimit -n)"
  for s in inotify_inode_mark fsnotify_mark_connector radix_tree_node; do
    [ -e "/sys/kernel/slab/$s" ] && echo "slab $s -> $(basename "$(readlink -f "/sys/kernel/slab/$s")"): object_size $(cat "/sys/kernel/slab/$s/object_size"), slab_size $(cat "/sys/kernel/slab/$s/slab_size")"
  done
  echo "java: $("$JAVA_HOME_25/bin/java" -version 2>&1 | sed -n 2p)"
  echo "uring-httpd jar: $JAR ($(date -u -r "$JAR" '+%Y-%m-%d %H:%M:%SZ'))"
} > "$OUT/setup.txt"
cat "$OUT/setup.txt" >&2

# ---- (a) the kernel's memory per watch
cat > "$work/watches.py" <<'PY'
import ctypes, os, sys, time

base, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
IN_CLOEXEC = 0o2000000
# the server's mask (files.DirectoryWatches.MASK)
MASK = 0x8 | 0x2 | 0x4 | 0x100 | 0x200 | 0x40 | 0x80 | 0x400 | 0x800 | 0x01000000 | 0x04000000
SLABS = ["inotify_inode_mark", "fsnotify_mark_connector", "radix_tree_node"]

def slab(name):
    try:
        objects = int(open("/sys/kernel/slab/%s/objects" % name).read().split()[0])
        size = int(open("/sys/kernel/slab/%s/slab_size" % name).read())
        return objects, size
    except OSError:
        return None

def meminfo():
    m = {}
    for line in open("/proc/meminfo"):
        k, v = line.split(":")
        m[k] = int(v.split()[0]) * 1024
    return m["Slab"], m["SUnreclaim"]

def snapshot():
    time.sleep(1.0)            # let deferred frees (SRCU, the mark destroy worker) finish
    return {s: slab(s) for s in SLABS}, meminfo()

dirs = [os.path.join(base, "d%06d" % i) for i in range(n)]
for d in dirs:
    os.mkdir(d)
for d in dirs:
    os.stat(d)
print("round\tmark_objects\tconnector_objects\tradix_objects\tslab_bytes_per_watch\tSlab_bytes_per_watch\tSUnreclaim_bytes_per_watch\tfreed_Slab_bytes_per_watch")
for r in range(1, rounds + 1):
    s0, (slab0, unrec0) = snapshot()
    fd = libc.inotify_init1(IN_CLOEXEC)
    if fd < 0:
        sys.exit("inotify_init1: %s" % os.strerror(ctypes.get_errno()))
    for d in dirs:
        if libc.inotify_add_watch(fd, d.encode(), MASK) < 0:
            sys.exit("inotify_add_watch(%s): %s" % (d, os.strerror(ctypes.get_errno())))
    s1, (slab1, unrec1) = snapshot()
    os.close(fd)
    s2, (slab2, unrec2) = snapshot()
    deltas = {}
    by_slab = 0
    for s in SLABS:
        if s0[s] and s1[s]:
            deltas[s] = s1[s][0] - s0[s][0]
            by_slab += deltas[s] * s1[s][1]
        else:
            deltas[s] = "-"
    print("%d\t%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f" % (r, deltas["inotify_inode_mark"], deltas["fsnotify_mark_connector"],
          deltas["radix_tree_node"], by_slab / n, (slab1 - slab0) / n, (unrec1 - unrec0) / n, (slab1 - slab2) / n),
          flush=True)
PY
say "== (a) $WATCHES watches on $WATCHES fresh directories, $ROUNDS rounds"
mkdir -p "$work/dirs"
python3 "$work/watches.py" "$work/dirs" "$WATCHES" "$ROUNDS" > "$OUT/kernel.tsv"
cat "$OUT/kernel.tsv" >&2
rm -rf "$work/dirs"

# ---- (b) watches in use
cat > "$work/client.py" <<'PY'
import http.client, sys, time, urllib.parse
# client PORT PATHS_FILE: every path once, in order, over one keep-alive connection
port, paths = int(sys.argv[1]), [l.rstrip("\n") for l in open(sys.argv[2]) if l.strip()]
conn = http.client.HTTPConnection("127.0.0.1", port)
status = {}
t0 = time.monotonic()
for p in paths:
    conn.request("GET", urllib.parse.quote(p))
    r = conn.getresponse()
    r.read()
    status[r.status] = status.get(r.status, 0) + 1
secs = time.monotonic() - t0
print("requests %d in %.1f s (%.0f/s), status %s" % (len(paths), secs, len(paths) / secs,
      " ".join("%d:%d" % kv for kv in sorted(status.items()))))
PY
cat > "$work/tree.py" <<'PY'
import os, sys
# tree ROOT FILES TOP SUB PATHS_FILE: FILES files of 256 bytes, TOP x SUB directories
root, files, top, sub, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
per = files // (top * sub)
with open(out, "w") as paths:
    n = 0
    for t in range(top):
        for s in range(sub):
            d = os.path.join(root, "t%02d" % t, "s%03d" % s)
            os.makedirs(d)
            for f in range(per):
                name = "%03d.html" % f
                with open(os.path.join(d, name), "wb") as fh:
                    head = b"<!doctype html><p>%d</p>\n" % n
                    fh.write(head + b"x" * (255 - len(head)) + b"\n")
                paths.write("/t%02d/s%03d/%s\n" % (t, s, name))
                n += 1
PY

metric() { # metric FILE NAME [LABEL="VALUE"]: the sum of NAME's series (with that label)
  awk -v n="$2" -v l="${3:-}" '
    /^#/ { next }
    { name = $1; sub(/\{.*/, "", name); if (name != n) next
      if (l != "" && index($1, l) == 0) next
      s += $NF; found = 1 }
    END { if (found) printf "%.0f\n", s; else print "-" }' "$1"
}
mport=$METRICS_PORT
# measure TAG -> "watches entries rss_kib live_heap_bytes direct_bytes fds"
measure() {
  local tag=$1 prom hist
  prom=$OUT/$tag.prom; hist=$OUT/$tag.histogram.txt
  # A full GC, a second for the reference handler to run the cleaners it found (the direct
  # buffers of evicted entries: until then their Cleaner objects are still reachable), then every
  # live object by class after another full GC (filler arrays are dead space the GC leaves).
  "$JAVA_HOME_25/bin/jcmd" "$URING_PID" GC.run > /dev/null 2>&1 || say "warning: jcmd GC.run failed"
  sleep 1
  "$JAVA_HOME_25/bin/jcmd" "$URING_PID" GC.class_histogram > "$hist" 2>&1 || say "warning: jcmd GC.class_histogram failed (see $hist)"
  sleep 2   # the loop publishes its gauges once a second
  curl -s --max-time 5 "http://127.0.0.1:$mport/metrics" > "$prom"
  grep -E '^(VmRSS|RssAnon|RssFile|VmHWM):' "/proc/$URING_PID/status" > "$OUT/$tag.status"
  echo "$(metric "$prom" uringhttpd_open_file_cache_watches) $(metric "$prom" uringhttpd_open_file_cache_entries)" \
       "$(awk '/^VmRSS:/ { print $2 }' "/proc/$URING_PID/status")" \
       "$(awk '$1 == "Total" { t = $3 } /FillerElement|FillerArray/ { f += $3 } END { if (t == "") print "-"; else print t - f }' "$hist")" \
       "$(metric "$prom" jvm_buffer_memory_used_bytes 'id="direct"')" \
       "$(find "/proc/$URING_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
}

rows=$OUT/server.tsv
printf 'case\tfiles_requested\tclient\tnon_200\twatches_before\tentries_before\trss_kib_before\tlive_heap_before\tdirect_before\tfds_before\twatches_after\tentries_after\trss_kib_after\tlive_heap_after\tdirect_after\tfds_after\tevictions\tfallbacks\n' > "$rows"
# server_case NAME ROOT PATHS_FILE [KEY=VALUE...]: the server with those --set, every path once
server_case() {
  local name=$1 root=$2 list=$3 before after client ev fb non200; shift 3
  say "== (b) $name: $(wc -l < "$list") files under $root${*:+, $*}"
  URING_METRICS_PORT=$mport URING_SET="${URING_SET:-} $*" \
    start_uring_engine "$ENGINE" "$URING_PORT" "$root" "$work/$name" "$OUT/uring-httpd-$name.log"
  echo "$name: ${URING_CMD[*]}" >> "$OUT/setup.txt"
  wait_http "http://127.0.0.1:$mport/metrics" "$URING_PID" || die "no /metrics on port $mport (see $OUT/uring-httpd-$name.log)"
  before=$(measure "$name-before")
  client=$(taskset -c "$CLIENT_CPU" python3 "$work/client.py" "$URING_PORT" "$list")
  say "  $client"
  non200=$(sed -n 's/.*status //p' <<< "$client" | tr ' ' '\n' | awk -F: '$1 != 200 { n += $2 } END { print n + 0 }')
  after=$(measure "$name-after")
  ev=$(metric "$OUT/$name-after.prom" uringhttpd_open_file_cache_evictions_total)
  fb=$(metric "$OUT/$name-after.prom" uringhttpd_open_file_cache_fallbacks_total)
  kill -0 "$URING_PID" 2>/dev/null || die "$name: uring-httpd (pid $URING_PID) is no longer running"
  stop_uring
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$(wc -l < "$list")" "$client" "$non200" "${before// /$'\t'}" "${after// /$'\t'}" "$ev" "$fb" >> "$rows"
  say "  before: watches entries rss_kib live_heap direct fds = $before; after: $after; evictions $ev, fallbacks $fb"
}

find "$SITE" -type f | sed "s|^$SITE||" | sort > "$work/site-paths.txt"
server_case site "$SITE" "$work/site-paths.txt"

say "== generating $FILES files in $TOP x $SUB directories under $TREE_DIR"
mkdir -p "$TREE_DIR"
python3 "$work/tree.py" "$TREE_DIR" "$FILES" "$TOP" "$SUB" "$work/tree-paths.txt"
echo "tree: $FILES files of 256 B in $TOP x $SUB directories on $(findmnt -n -o FSTYPE --target "$TREE_DIR" 2>/dev/null || stat -f -c %T "$TREE_DIR")" >> "$OUT/setup.txt"
server_case tree-entries-default "$TREE_DIR" "$work/tree-paths.txt"
server_case "tree-entries-$FILES" "$TREE_DIR" "$work/tree-paths.txt" "uring-httpd.open-file-cache.entries=$FILES"
server_case "tree-entries-$FILES-no-watches" "$TREE_DIR" "$work/tree-paths.txt" \
  "uring-httpd.open-file-cache.entries=$FILES" "uring-httpd.open-file-cache.watches-max=0"
fd_limit=$(ulimit -n)
if [ "$fd_limit" != unlimited ] && [ "$fd_limit" -lt "$want_fds" ]; then
  # what fits under the limit (1000 fds to spare), the same number of files in every directory
  dirs=$((TOP * SUB)); per=$(( (fd_limit - 1000) / dirs ))
  [ "$per" -ge 1 ] || die "the open-file limit ($fd_limit) leaves no file per directory"
  awk -v per="$per" '{ f = $0; sub(/.*\//, "", f); if (f + 0 < per) print }' "$work/tree-paths.txt" > "$work/fit-paths.txt"
  say "the open-file limit is $fd_limit: $((per * dirs)) files ($per in each directory) fit"
  server_case "tree-$((per * dirs))-in-every-directory" "$TREE_DIR" "$work/fit-paths.txt" "uring-httpd.open-file-cache.entries=$FILES"
fi

# ---- summary
med() { awk -F'\t' -v c="$1" 'NR > 1 && $c != "-" { print $c }' "$OUT/kernel.tsv" | median; }
range() { awk -F'\t' -v c="$1" 'NR > 1 { v = $c + 0; if (n++ == 0 || v < lo) lo = v; if (n == 1 || v > hi) hi = v } END { printf "%s-%s", lo, hi }' "$OUT/kernel.tsv"; }
{
  echo "(a) Kernel memory per inotify watch: $WATCHES watches on $WATCHES fresh directories in one instance, $ROUNDS rounds (median, min-max); slab objects from /sys/kernel/slab/NAME/objects x slab_size, and /proc/meminfo."
  echo
  echo "| new objects per round: inotify_inode_mark / fsnotify_mark_connector / radix_tree_node | bytes/watch from those slabs | bytes/watch from Slab: | bytes/watch from SUnreclaim: | given back on close (Slab:) |"
  echo "|---|---:|---:|---:|---:|"
  echo "| $(med 2) / $(med 3) / $(med 4) | $(med 5) ($(range 5)) | $(med 6) ($(range 6)) | $(med 7) ($(range 7)) | $(med 8) ($(range 8)) |"
  echo
  echo "(b) Watches in use: engine $ENGINE, one event loop, the files requested once each in order (one keep-alive connection); after full GCs (jcmd GC.run, GC.class_histogram): the live heap (without the GC's filler arrays), the small files' bodies held off the heap (direct buffers), VmRSS, open fds; open-file limit $(ulimit -n)."
  echo
  echo "| case | files requested | non-200 | watches | entries | VmRSS MiB before -> after | live heap MiB before -> after | heap B per new entry | direct MiB after | open fds before -> after | evictions | fallbacks |"
  echo "|---|---:|---:|---:|---:|---|---|---:|---:|---|---:|---:|"
  awk -F'\t' 'NR > 1 {
    d = $12 - $6
    per = (d >= 1000) ? sprintf("%.0f", ($14 - $8) / d) : "-"   # too few new entries: noise
    printf "| %s | %s | %s | %s | %s | %.1f -> %.1f | %.1f -> %.1f | %s | %.1f | %s -> %s | %s | %s |\n",
      $1, $2, $4, $11, $12, $7 / 1024, $13 / 1024, $8 / 1048576, $14 / 1048576, per, $15 / 1048576, $10, $16, $17, $18 }' "$rows"
  echo
  awk -F'\t' 'NR > 1 { printf "%s client: %s\n\n", $1, $3 }' "$rows"
  echo "Command: \`$command\` at $(sed -n 's/^git: //p' "$OUT/setup.txt"); raw: $OUT"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
