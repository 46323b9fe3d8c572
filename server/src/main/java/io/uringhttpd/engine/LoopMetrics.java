package io.uringhttpd.engine;

import static io.uringhttpd.metrics.MetricsSchema.*;

import io.uringhttpd.metrics.CompressionCounters;
import io.uringhttpd.metrics.FileCacheCounters;
import io.uringhttpd.metrics.MetricsFile;
import io.uringhttpd.metrics.RuleCounters;
import io.uringhttpd.sys.NativeMemory;
import io.uringhttpd.sys.Rusage;
import io.uringhttpd.sys.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.ObjLongConsumer;

/**
 * Copies one loop's plain counters ({@link LoopCounters}, {@link io.uringhttpd.sys.SyscallCounts}) into its slot of
 * the {@link MetricsFile}, in {@link io.uringhttpd.metrics.MetricsSchema} order. Called by the loop
 * thread only: at its 1 s timer tick and once when it stops. Nothing on the per-request path
 * touches shared memory; the arrays here are allocated once.
 */
public final class LoopMetrics {
    private final MetricsFile file;
    private final int slot;
    private final int workerIndex;
    private final int loopIndex;
    /** The loop's open-file cache, confined to the loop thread like this object; null: none. */
    private final FileCacheCounters files;
    /** The loop's sidecars and cached variants, confined to the loop thread too; null: none. */
    private final CompressionCounters compression;
    private final RuleCounters rules;
    /** The label values of the sites whose requests {@code rules} counts, in its order. */
    private final List<String> sites;
    private final LongSupplier accessLogLinesLost;
    private static final long[] NO_SITES = new long[0];
    private final long[] counters = new long[COUNTERS.size()];
    private final long[] gauges = new long[GAUGES.size()];
    private final long[][] buckets = new long[HISTOGRAMS.size()][];
    private final double[] sums = new double[HISTOGRAMS.size()];
    private MetricsFile.SlotWriter writer;
    /**
     * getrusage(2) lands here. The segment itself is kept, not only its address: an automatic
     * arena frees its memory once the segment is unreachable, and the kernel would then write
     * into memory the JVM has reused (it did: a worker crashed in the JVM's method resolution).
     */
    private final MemorySegment rusageMemory = NativeMemory.allocate(Arena.ofAuto(), Rusage.BYTES);
    private final long rusage = rusageMemory.address();
    private int syscallIndex;
    private final ObjLongConsumer<String> syscallSink = (name, value) -> counters[SYSCALLS_FIRST + syscallIndex++] = value;

    /**
     * @param slot        the slot this loop writes (claimed on the loop thread at its first publish)
     * @param workerIndex the worker's index (0 with master = off)
     * @param loopIndex   the loop's index in its process; loop 0 also writes the JVM gauges
     */
    public LoopMetrics(MetricsFile file, int slot, int workerIndex, int loopIndex) {
        this(file, slot, workerIndex, loopIndex, null, null, null, List.of(), () -> 0);
    }

    /**
     * What the loop's handler counts, read at each publish on the loop thread that also uses it
     * (the files and log packages know nothing of the engine):
     *
     * @param files              the loop's open-file cache (its FileService); null: the cache series stay 0
     * @param compression        the loop's compressed representations; null: those series stay 0
     * @param rules              what the loop's site rules answered; null: those series stay 0
     * @param sites              the sites' label values (MetricsSchema.siteLabel), in the order {@code rules} counts them
     * @param accessLogLinesLost the lines its access-log writer lost (write errors, short writes)
     */
    public LoopMetrics(MetricsFile file, int slot, int workerIndex, int loopIndex, FileCacheCounters files,
                       CompressionCounters compression, RuleCounters rules, List<String> sites,
                       LongSupplier accessLogLinesLost) {
        this.file = file;
        this.slot = slot;
        this.workerIndex = workerIndex;
        this.loopIndex = loopIndex;
        this.files = files;
        this.compression = compression;
        this.rules = rules;
        this.sites = rules == null ? List.of() : List.copyOf(sites);
        this.accessLogLinesLost = accessLogLinesLost;
        for (int h = 0; h < buckets.length; h++) {
            buckets[h] = new long[HISTOGRAMS.get(h).bucketCount()];
        }
    }

    /**
     * Claims the slot for this loop (a new incarnation): call it from the loop's own thread when
     * it starts, so the slot records its tid.
     */
    public void start(String engine) {
        writer = file.claim(slot, workerIndex, loopIndex, engine, sites);
    }

    /** Publishes the loop's figures now; {@code last}: the loop has stopped. */
    public void publish(LoopCounters c, Syscalls sys, boolean last) {
        if (writer == null) {
            return;
        }
        if (sys.getrusage(Rusage.RUSAGE_THREAD, rusage) == 0) {
            counters[LOOP_CPU_USER] = Rusage.userMicros(rusage);
            counters[LOOP_CPU_SYSTEM] = Rusage.systemMicros(rusage);
            counters[CONTEXT_SWITCHES_VOLUNTARY] = Rusage.voluntarySwitches(rusage);
            counters[CONTEXT_SWITCHES_INVOLUNTARY] = Rusage.involuntarySwitches(rusage);
        }
        if (loopIndex == 0 && sys.getrusage(Rusage.RUSAGE_SELF, rusage) == 0) {
            counters[WORKER_CPU_USER] = Rusage.userMicros(rusage);
            counters[WORKER_CPU_SYSTEM] = Rusage.systemMicros(rusage);
        }
        counters[REQUESTS_1XX] = c.responsesByClass[1];
        counters[REQUESTS_2XX] = c.responsesByClass[2];
        counters[REQUESTS_3XX] = c.responsesByClass[3];
        counters[REQUESTS_4XX] = c.responsesByClass[4];
        counters[REQUESTS_5XX] = c.responsesByClass[5];
        counters[RESPONSE_BYTES] = c.bytesFromMemory + c.bytesFromFile;
        // accept4 handed them over; a connection refused for the limit is accepted, then closed.
        counters[CONNECTIONS_ACCEPTED] = c.accepted + c.connectionsOverLimit;
        counters[CLOSED_PEER] = c.closedByReason[LoopCounters.CLOSE_PEER];
        counters[CLOSED_TIMEOUT] = c.closedByReason[LoopCounters.CLOSE_TIMEOUT];
        counters[CLOSED_ERROR] = c.closedByReason[LoopCounters.CLOSE_ERROR];
        counters[CLOSED_LIMIT] = c.closedByReason[LoopCounters.CLOSE_LIMIT] + c.connectionsOverLimit;
        counters[CLOSED_SHUTDOWN] = c.closedByReason[LoopCounters.CLOSE_SHUTDOWN];
        counters[WAKEUPS] = c.wakeups;
        counters[EAGAIN_READ] = c.readEagain;
        counters[EAGAIN_WRITE] = c.writeEagain;
        counters[PARTIAL_WRITES] = c.partialWrites;
        long fileOther = c.bytesFromFile - c.bytesSendZc - c.bytesSplice;
        counters[BODY_BYTES_SENDFILE] = fileOther;
        counters[BODY_BYTES_SEND_ZC] = c.bytesSendZc - c.bytesSendZcCopied;
        counters[BODY_BYTES_SEND_ZC_COPIED] = c.bytesSendZcCopied;
        counters[BODY_BYTES_SPLICE] = c.bytesSplice;
        counters[BODY_BYTES_COPY] = c.bytesFromMemory - c.headBytes;
        counters[ZEROCOPY_NOTIFICATIONS] = c.zeroCopyNotifications;
        counters[BUFFER_RING_EXHAUSTED] = c.bufferRingExhausted;
        counters[CQ_OVERFLOWS] = c.cqOverflows;
        counters[ACCEPT_PAUSES] = c.acceptPauses;
        if (files != null) {
            counters[OPEN_FILE_CACHE_HITS] = files.hits();
            counters[OPEN_FILE_CACHE_MISSES] = files.misses();
            counters[OPEN_FILE_CACHE_REVALIDATIONS] = files.revalidations();
            counters[OPEN_FILE_CACHE_EVICTIONS] = files.evictions();
            gauges[OPEN_FILE_CACHE_ENTRIES] = files.cachedEntries();
            gauges[OPEN_FILE_CACHE_WATCHES] = files.watches();
            for (int i = 0; i < FileCacheCounters.INVALIDATION_CAUSES.size(); i++) {
                counters[OPEN_FILE_CACHE_INVALIDATIONS_FIRST + i] = files.invalidations(i);
            }
            for (int i = 0; i < FileCacheCounters.FALLBACK_REASONS.size(); i++) {
                counters[OPEN_FILE_CACHE_FALLBACKS_FIRST + i] = files.fallbacks(i);
            }
            counters[OPEN_FILE_CACHE_QUEUE_OVERFLOWS] = files.queueOverflows();
        }
        if (compression != null) {
            for (int i = 0; i < CompressionCounters.ENCODINGS.size(); i++) {
                counters[ENCODED_BODY_BYTES_FIRST + i] = compression.bodyBytes(i);
            }
            for (int i = 0; i < CompressionCounters.CODINGS.size(); i++) {
                counters[VARIANTS_MADE_FIRST + i] = compression.variantsMade(i);
            }
            counters[VARIANT_CACHE_HITS] = compression.cacheHits();
            counters[VARIANT_CACHE_MISSES] = compression.cacheMisses();
            counters[VARIANT_CACHE_EVICTIONS] = compression.cacheEvictions();
            counters[COMPRESSION_POOL_REJECTIONS] = compression.poolRejections();
            counters[COMPRESSION_CPU] = compression.compressionCpuNanos();
            counters[SIDECARS_STALE] = compression.staleSidecars();
            gauges[VARIANT_CACHE_MEMORY_BYTES] = compression.cacheMemoryBytes();
            gauges[VARIANT_CACHE_DISK_BYTES] = compression.cacheDiskBytes();
        }
        if (rules != null) {
            counters[SITE_TRY_FILES_FALLBACKS] = rules.tryFilesFallbacks();
            counters[SITE_REDIRECTS] = rules.redirects();
            counters[SITE_ERROR_PAGES] = rules.errorPages();
        }
        counters[ACCESS_LOG_LINES_LOST] = accessLogLinesLost.getAsLong();
        syscallIndex = 0;
        sys.counts.forEach(syscallSink); // in SYSCALL_NAMES order (a test checks it)

        gauges[CONNECTIONS_ACTIVE] = c.connectionsOpen;
        if (loopIndex == 0) {
            jvmGauges();
        }
        copy(c.requestDurationNs, REQUEST_DURATION);
        copy(c.eventsPerWakeup, EVENTS_PER_WAKEUP);
        copy(c.sqesPerSubmit, SQES_PER_SUBMIT);
        writer.publish(counters, gauges, buckets, sums, rules == null ? NO_SITES : rules.siteRequests(), last);
    }

    private void copy(LoopHistogram h, int index) {
        System.arraycopy(h.buckets, 0, buckets[index], 0, h.buckets.length);
        sums[index] = h.sum * h.scale;
    }

    /** Once a second on loop 0: the MXBeans allocate a little, which is fine off the request path. */
    private void jvmGauges() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        gauges[JVM_HEAP_USED_BYTES] = memory.getHeapMemoryUsage().getUsed();
        gauges[JVM_NONHEAP_USED_BYTES] = memory.getNonHeapMemoryUsage().getUsed();
        long collections = 0;
        long pauseMs = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, gc.getCollectionCount());
            pauseMs += Math.max(0, gc.getCollectionTime());
        }
        counters[JVM_GC_COLLECTIONS] = collections;
        counters[JVM_GC_PAUSE] = pauseMs;
        gauges[JVM_THREADS_LIVE] = ManagementFactory.getThreadMXBean().getThreadCount();
    }

}
