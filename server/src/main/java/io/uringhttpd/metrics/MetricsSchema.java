package io.uringhttpd.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Every series an event loop publishes, in the order of its shared-memory slot: the contract
 * between the loops (writers, one per slot) and the master (the reader that exports them).
 * Prometheus naming, units last; the exporter adds the labels {@code engine} and {@code worker}
 * to every series, and here at most one more label per series (never a path).
 *
 * <p>Indexes are positions in {@link #COUNTERS}, {@link #GAUGES} and {@link #HISTOGRAMS}; the
 * constants below name the ones the loops write, so a writer does {@code counters[REQUESTS_2XX]++}
 * style work with no lookup on the hot path.
 */
public final class MetricsSchema {
    /**
     * A series: metric name, help text, one optional label (null key = none), and the factor from
     * the whole number a slot holds to the unit the name says (1e-6: microseconds to seconds).
     */
    public record Series(String name, String help, String labelKey, String labelValue, double scale) {}

    /** A histogram with fixed upper bounds (the +Inf bucket is implicit). */
    public record Histogram(String name, String help, double[] upperBounds) {
        public int bucketCount() {
            return upperBounds.length + 1;
        }
    }

    public static final List<Series> COUNTERS;
    public static final List<Series> GAUGES;
    public static final List<Histogram> HISTOGRAMS;

    // ---- counter indexes
    public static final int REQUESTS_1XX;
    public static final int REQUESTS_2XX;
    public static final int REQUESTS_3XX;
    public static final int REQUESTS_4XX;
    public static final int REQUESTS_5XX;
    public static final int RESPONSE_BYTES;
    public static final int CONNECTIONS_ACCEPTED;
    public static final int CLOSED_PEER;
    public static final int CLOSED_TIMEOUT;
    public static final int CLOSED_ERROR;
    public static final int CLOSED_LIMIT;
    public static final int CLOSED_SHUTDOWN;
    public static final int WAKEUPS;
    public static final int EAGAIN_READ;
    public static final int EAGAIN_WRITE;
    public static final int PARTIAL_WRITES;
    public static final int BODY_BYTES_SENDFILE;
    public static final int BODY_BYTES_SEND_ZC;
    public static final int BODY_BYTES_SEND_ZC_COPIED;
    public static final int BODY_BYTES_SPLICE;
    public static final int BODY_BYTES_COPY;
    public static final int ZEROCOPY_NOTIFICATIONS;
    public static final int BUFFER_RING_EXHAUSTED;
    public static final int CQ_OVERFLOWS;
    public static final int ACCESS_LOG_LINES_LOST;
    public static final int ACCEPT_PAUSES;
    /** The loop thread's CPU time (microseconds in the slot) and context switches, from getrusage(RUSAGE_THREAD). */
    public static final int LOOP_CPU_USER;
    public static final int LOOP_CPU_SYSTEM;
    public static final int CONTEXT_SWITCHES_VOLUNTARY;
    public static final int CONTEXT_SWITCHES_INVOLUNTARY;
    /**
     * Written by loop 0 of each worker only: the whole process's CPU time (microseconds in the slot),
     * loops plus io_uring's io-wq workers (where splice runs), JIT and GC: what nginx's figures compare with.
     */
    public static final int WORKER_CPU_USER;
    public static final int WORKER_CPU_SYSTEM;
    /** Written by loop 0 of each worker only: its JVM's collections and their time (milliseconds in the slot). */
    public static final int JVM_GC_COLLECTIONS;
    public static final int JVM_GC_PAUSE;
    /**
     * The loop's open-file cache (files.FileService): lookups answered from it, lookups that opened
     * the file, entries re-checked with statx after open-file-cache.valid, entries evicted (LRU).
     */
    public static final int OPEN_FILE_CACHE_HITS;
    public static final int OPEN_FILE_CACHE_MISSES;
    public static final int OPEN_FILE_CACHE_REVALIDATIONS;
    public static final int OPEN_FILE_CACHE_EVICTIONS;
    /** First of the invalidation counters, in FileCacheCounters.INVALIDATION_CAUSES order. */
    public static final int OPEN_FILE_CACHE_INVALIDATIONS_FIRST;
    /** First of the fallback counters, in FileCacheCounters.FALLBACK_REASONS order. */
    public static final int OPEN_FILE_CACHE_FALLBACKS_FIRST;
    public static final int OPEN_FILE_CACHE_QUEUE_OVERFLOWS;
    /** First of the encoded-body-bytes series ({@link CompressionCounters#ENCODINGS} order) and of the variants-made ones ({@link CompressionCounters#CODINGS}). */
    public static final int ENCODED_BODY_BYTES_FIRST;
    public static final int VARIANTS_MADE_FIRST;
    public static final int VARIANT_CACHE_HITS;
    public static final int VARIANT_CACHE_MISSES;
    public static final int VARIANT_CACHE_EVICTIONS;
    public static final int COMPRESSION_POOL_REJECTIONS;
    public static final int COMPRESSION_CPU;
    public static final int SIDECARS_STALE;
    public static final int SITE_TRY_FILES_FALLBACKS;
    public static final int SITE_REDIRECTS;
    public static final int SITE_ERROR_PAGES;
    /** First of the syscall counters, in {@link #SYSCALL_NAMES} order. */
    public static final int SYSCALLS_FIRST;

    /**
     * Requests by site: a block of its own in each slot, after the histograms, because its label
     * values (the sites' names) come from the configuration the loop runs, not from this schema;
     * the loop writes them into its slot when it claims it, so a reload's new sites and the old
     * workers' old ones are told apart. At most {@link #SITES_MAX} sites (the configuration's cap).
     */
    public static final Series SITE_REQUESTS = new Series("uringhttpd_site_requests_total",
            "Requests answered, by the site their Host chose (its first host name; _default: the top-level"
                    + " site); requests refused before their head was read belong to none", "site", null, 1);
    /** The default site and at most 63 listed ones: what the configuration allows. */
    public static final int SITES_MAX = 64;
    /** The default site's label value: '_' is in no host name, so it cannot be a site's first host. */
    public static final String DEFAULT_SITE = "_default";

    /** The syscalls counted by name, as {@code io.uringhttpd.sys.SyscallCounts.forEach} names them. */
    public static final List<String> SYSCALL_NAMES = List.of(
            "socket", "setsockopt", "getsockopt", "bind", "listen", "getsockname", "getpeername", "accept4",
            "shutdown", "close", "epoll_create1", "epoll_ctl", "epoll_wait", "eventfd", "read", "recv", "write",
            "writev", "send", "sendfile", "pread", "openat", "openat2", "statx", "io_uring_setup", "io_uring_enter",
            "io_uring_register", "mmap", "munmap", "madvise", "pipe2", "splice", "fcntl", "getrusage",
            "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "statfs");

    // ---- gauge indexes
    public static final int CONNECTIONS_ACTIVE;
    /** Written by loop 0 of each worker only: the worker JVM's own figures. */
    public static final int JVM_HEAP_USED_BYTES;
    public static final int JVM_NONHEAP_USED_BYTES;
    public static final int JVM_THREADS_LIVE;
    /** Entries in the loop's open-file cache now. */
    public static final int OPEN_FILE_CACHE_ENTRIES;
    /** inotify watches the loop's open-file cache holds now. */
    public static final int OPEN_FILE_CACHE_WATCHES;
    public static final int VARIANT_CACHE_MEMORY_BYTES;
    public static final int VARIANT_CACHE_DISK_BYTES;

    // ---- histogram indexes
    public static final int REQUEST_DURATION;
    public static final int EVENTS_PER_WAKEUP;
    public static final int SQES_PER_SUBMIT;

    static {
        List<Series> c = new ArrayList<>();
        REQUESTS_1XX = add(c, "uringhttpd_requests_total", "Requests answered, by status class", "class", "1xx");
        REQUESTS_2XX = add(c, "uringhttpd_requests_total", "Requests answered, by status class", "class", "2xx");
        REQUESTS_3XX = add(c, "uringhttpd_requests_total", "Requests answered, by status class", "class", "3xx");
        REQUESTS_4XX = add(c, "uringhttpd_requests_total", "Requests answered, by status class", "class", "4xx");
        REQUESTS_5XX = add(c, "uringhttpd_requests_total", "Requests answered, by status class", "class", "5xx");
        RESPONSE_BYTES = add(c, "uringhttpd_response_bytes_total", "Response bytes handed to the kernel (heads and bodies)", null, null);
        CONNECTIONS_ACCEPTED = add(c, "uringhttpd_connections_accepted_total", "Connections accepted", null, null);
        String closed = "Connections closed, by reason";
        CLOSED_PEER = add(c, "uringhttpd_connections_closed_total", closed, "reason", "peer");
        CLOSED_TIMEOUT = add(c, "uringhttpd_connections_closed_total", closed, "reason", "timeout");
        CLOSED_ERROR = add(c, "uringhttpd_connections_closed_total", closed, "reason", "error");
        CLOSED_LIMIT = add(c, "uringhttpd_connections_closed_total", closed, "reason", "limit");
        CLOSED_SHUTDOWN = add(c, "uringhttpd_connections_closed_total", closed, "reason", "shutdown");
        WAKEUPS = add(c, "uringhttpd_loop_wakeups_total", "Returns from the kernel wait (epoll_wait, io_uring_enter with GETEVENTS)", null, null);
        EAGAIN_READ = add(c, "uringhttpd_eagain_total", "Readiness that led nowhere: EAGAIN results", "op", "read");
        EAGAIN_WRITE = add(c, "uringhttpd_eagain_total", "Readiness that led nowhere: EAGAIN results", "op", "write");
        PARTIAL_WRITES = add(c, "uringhttpd_partial_writes_total", "Writes that moved fewer bytes than asked", null, null);
        String body = "Response body bytes, by how they reached the socket (send_zc_copied: SEND_ZC that the kernel copied after all)";
        BODY_BYTES_SENDFILE = add(c, "uringhttpd_body_bytes_total", body, "path", "sendfile");
        BODY_BYTES_SEND_ZC = add(c, "uringhttpd_body_bytes_total", body, "path", "send_zc");
        BODY_BYTES_SEND_ZC_COPIED = add(c, "uringhttpd_body_bytes_total", body, "path", "send_zc_copied");
        BODY_BYTES_SPLICE = add(c, "uringhttpd_body_bytes_total", body, "path", "splice");
        BODY_BYTES_COPY = add(c, "uringhttpd_body_bytes_total", body, "path", "copy");
        ZEROCOPY_NOTIFICATIONS = add(c, "uringhttpd_zerocopy_notifications_total", "SEND_ZC notifications", null, null);
        BUFFER_RING_EXHAUSTED = add(c, "uringhttpd_buffer_ring_exhausted_total", "Multishot receives ended by an empty provided-buffer ring (ENOBUFS)", null, null);
        CQ_OVERFLOWS = add(c, "uringhttpd_cq_overflows_total", "Times the completion queue overflowed into the kernel's backlog", null, null);
        ACCESS_LOG_LINES_LOST = add(c, "uringhttpd_access_log_lines_lost_total",
                "Access-log lines lost: failed writes (ENOSPC, EIO, ...) and short writes", null, null);
        ACCEPT_PAUSES = add(c, "uringhttpd_accept_pauses_total", "Times a loop stopped accepting because descriptors"
                + " ran out (the open-file limit, less the loop's reserve); it accepts again once connections have closed",
                null, null);
        String cpu = "CPU time of the event loop threads";
        LOOP_CPU_USER = add(c, "uringhttpd_loop_cpu_seconds_total", cpu, "mode", "user", 1e-6);
        LOOP_CPU_SYSTEM = add(c, "uringhttpd_loop_cpu_seconds_total", cpu, "mode", "system", 1e-6);
        String switches = "Context switches of the event loop threads (voluntary: the loop waited)";
        CONTEXT_SWITCHES_VOLUNTARY = add(c, "uringhttpd_loop_context_switches_total", switches, "kind", "voluntary");
        CONTEXT_SWITCHES_INVOLUNTARY = add(c, "uringhttpd_loop_context_switches_total", switches, "kind", "involuntary");
        String workerCpu = "CPU time of the whole worker process (event loops, io_uring io-wq workers, JIT, GC)";
        WORKER_CPU_USER = add(c, "uringhttpd_worker_cpu_seconds_total", workerCpu, "mode", "user", 1e-6);
        WORKER_CPU_SYSTEM = add(c, "uringhttpd_worker_cpu_seconds_total", workerCpu, "mode", "system", 1e-6);
        JVM_GC_COLLECTIONS = add(c, "uringhttpd_jvm_gc_collections_total", "The worker JVMs' garbage collections", null, null);
        JVM_GC_PAUSE = add(c, "uringhttpd_jvm_gc_pause_seconds_total", "The worker JVMs' time in garbage collections", null, null, 1e-3);
        OPEN_FILE_CACHE_HITS = add(c, "uringhttpd_open_file_cache_hits_total",
                "Open-file cache lookups answered from the cache", null, null);
        OPEN_FILE_CACHE_MISSES = add(c, "uringhttpd_open_file_cache_misses_total",
                "Open-file cache lookups that opened the file (not cached, or changed since)", null, null);
        OPEN_FILE_CACHE_REVALIDATIONS = add(c, "uringhttpd_open_file_cache_revalidations_total",
                "Open-file cache entries checked against the file system again (older than open-file-cache.valid)", null, null);
        OPEN_FILE_CACHE_EVICTIONS = add(c, "uringhttpd_open_file_cache_evictions_total",
                "Open-file cache entries evicted to make room (least recently used first)", null, null);
        OPEN_FILE_CACHE_INVALIDATIONS_FIRST = c.size();
        for (String cause : FileCacheCounters.INVALIDATION_CAUSES) {
            add(c, "uringhttpd_open_file_cache_invalidations_total", "Open-file cache entries dropped because the"
                    + " file changed, by cause (an inotify event, a queue overflow, or a statx revalidation)", "cause", cause);
        }
        OPEN_FILE_CACHE_FALLBACKS_FIRST = c.size();
        for (String reason : FileCacheCounters.FALLBACK_REASONS) {
            add(c, "uringhttpd_open_file_cache_fallbacks_total", "Directories (or whole caches) left to statx"
                    + " revalidation every open-file-cache.valid, by why no inotify watch keeps them fresh", "reason", reason);
        }
        OPEN_FILE_CACHE_QUEUE_OVERFLOWS = add(c, "uringhttpd_open_file_cache_queue_overflows_total",
                "inotify queue overflows (events lost): each emptied the loop's open-file cache", null, null);
        ENCODED_BODY_BYTES_FIRST = c.size();
        for (String encoding : CompressionCounters.ENCODINGS) {
            add(c, "uringhttpd_encoded_body_bytes_total", "Response body bytes, by content coding (identity: sent as"
                    + " the file is)", "encoding", encoding);
        }
        VARIANTS_MADE_FIRST = c.size();
        for (String encoding : CompressionCounters.CODINGS) {
            add(c, "uringhttpd_compression_variants_made_total", "Compressed variants made on the fly by the"
                    + " compression pool, by content coding", "encoding", encoding);
        }
        VARIANT_CACHE_HITS = add(c, "uringhttpd_compression_cache_hits_total",
                "Lookups of a cached compressed variant that found it ready", null, null);
        VARIANT_CACHE_MISSES = add(c, "uringhttpd_compression_cache_misses_total",
                "Lookups that found no variant (or one of an older file): its making was queued", null, null);
        VARIANT_CACHE_EVICTIONS = add(c, "uringhttpd_compression_cache_evictions_total",
                "Cached variants dropped to stay within compression.cache-memory-bytes and cache-disk-bytes", null, null);
        COMPRESSION_POOL_REJECTIONS = add(c, "uringhttpd_compression_pool_rejections_total",
                "Files not queued for compression because the queue was full (compression.queue-max)", null, null);
        COMPRESSION_CPU = add(c, "uringhttpd_compression_cpu_seconds_total",
                "CPU time of the compression pool's threads making variants", null, null, 1e-9);
        SIDECARS_STALE = add(c, "uringhttpd_compression_sidecars_stale_total",
                "Lookups that found a sidecar (file.br, .zst, .gz) older than its file, and did not serve it", null, null);
        String rules = "Responses the site rules decided: a later try-files element (fallback), a redirect, a site's error page";
        SITE_TRY_FILES_FALLBACKS = add(c, "uringhttpd_site_rule_responses_total", rules, "rule", "fallback");
        SITE_REDIRECTS = add(c, "uringhttpd_site_rule_responses_total", rules, "rule", "redirect");
        SITE_ERROR_PAGES = add(c, "uringhttpd_site_rule_responses_total", rules, "rule", "error_page");
        SYSCALLS_FIRST = c.size();
        for (String name : SYSCALL_NAMES) {
            add(c, "uringhttpd_syscalls_total", "Syscalls made by the event loop, by name", "syscall", name);
        }
        COUNTERS = List.copyOf(c);

        List<Series> g = new ArrayList<>();
        CONNECTIONS_ACTIVE = add(g, "uringhttpd_connections_active", "Connections open now", null, null);
        JVM_HEAP_USED_BYTES = add(g, "uringhttpd_jvm_memory_used_bytes", "The worker JVM's memory in use", "area", "heap");
        JVM_NONHEAP_USED_BYTES = add(g, "uringhttpd_jvm_memory_used_bytes", "The worker JVM's memory in use", "area", "nonheap");
        JVM_THREADS_LIVE = add(g, "uringhttpd_jvm_threads_live", "The worker JVM's live threads", null, null);
        OPEN_FILE_CACHE_ENTRIES = add(g, "uringhttpd_open_file_cache_entries", "Entries in the open-file caches now", null, null);
        OPEN_FILE_CACHE_WATCHES = add(g, "uringhttpd_open_file_cache_watches", "inotify watches (directories) the open-file caches hold now", null, null);
        VARIANT_CACHE_MEMORY_BYTES = add(g, "uringhttpd_compression_cache_bytes", "Bytes of cached compressed variants now",
                "store", "memory");
        VARIANT_CACHE_DISK_BYTES = add(g, "uringhttpd_compression_cache_bytes", "Bytes of cached compressed variants now",
                "store", "disk");
        GAUGES = List.copyOf(g);

        List<Histogram> h = new ArrayList<>();
        REQUEST_DURATION = h.size();
        h.add(new Histogram("uringhttpd_request_duration_seconds",
                "First request byte read to last response byte handed to the kernel",
                new double[] {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}));
        EVENTS_PER_WAKEUP = h.size();
        h.add(new Histogram("uringhttpd_events_per_wakeup", "Events (epoll) or completions (io_uring) per wakeup",
                new double[] {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512}));
        SQES_PER_SUBMIT = h.size();
        h.add(new Histogram("uringhttpd_sqes_per_submit", "Submission queue entries per io_uring_enter (io_uring only)",
                new double[] {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512}));
        HISTOGRAMS = List.copyOf(h);
    }

    private MetricsSchema() {
    }

    /** A site's label value: its first host name, or {@link #DEFAULT_SITE} for the top-level site (no hosts). */
    public static String siteLabel(List<String> hosts) {
        return hosts.isEmpty() ? DEFAULT_SITE : hosts.getFirst();
    }

    private static int add(List<Series> list, String name, String help, String labelKey, String labelValue) {
        return add(list, name, help, labelKey, labelValue, 1);
    }

    private static int add(List<Series> list, String name, String help, String labelKey, String labelValue,
            double scale) {
        list.add(new Series(name, help, labelKey, labelValue, scale));
        return list.size() - 1;
    }
}
