package io.uringhttpd.metrics;

import io.uringhttpd.sys.Processes;
import io.uringhttpd.sys.SharedMemory;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The metrics slots in shared memory: one slot per event loop, written by that loop only,
 * read by the master at scrape time (docs/architecture.md#metrics-path). The file is a memfd the master
 * creates and its workers inherit; with master = off the single process creates it for itself.
 *
 * <p>Layout, all little-endian longs (offsets in bytes):
 * <pre>
 *   0    file header: MAGIC, VERSION, slot count, slot bytes, counters, gauges, histogram buckets, histograms
 *   64   slot 0, then slot 1 at 64 + slotBytes, ...; each slot (64-byte aligned):
 *        +0  sequence: odd while the writer is publishing (a seqlock)
 *        +8  incarnation: bumped when a loop claims the slot (0 = never used)
 *        +16 worker index   +24 loop index   +32 engine (1 epoll, 2 io_uring)
 *        +40 pid            +48 tid          +56 live (1 until the loop's final publish)
 *        +64 counters (MetricsSchema.COUNTERS order), gauges, histogram buckets (per histogram,
 *            per bucket, not cumulative, +Inf last), histogram sums (double bits), then the sites:
 *            their count, SITES_MAX request counters, and SITES_MAX names (each a byte length and
 *            up to 256 bytes of UTF-8, written once when the loop claims the slot)
 * </pre>
 *
 * <p>Consistency without locks or atomics on the hot path: a loop counts in its own plain
 * fields and copies them here from its timer tick (once a second) and when it stops; the copy is
 * bracketed by the slot's sequence number (odd, release fence, data, even with release), and a
 * reader retries until it saw the same even number before and after (acquire, data, acquire fence).
 */
public final class MetricsFile implements AutoCloseable {
    static final long MAGIC = 0x3143_5254_4D48_5255L;   // "URHMTRC1" read as little-endian bytes
    static final long VERSION = 2;
    static final int HEADER_BYTES = 64;
    static final int SLOT_HEADER_BYTES = 64;
    static final int ENGINE_EPOLL = 1;
    static final int ENGINE_IO_URING = 2;

    private static final int BUCKETS;
    static {
        int b = 0;
        for (MetricsSchema.Histogram h : MetricsSchema.HISTOGRAMS) {
            b += h.bucketCount();
        }
        BUCKETS = b;
    }
    /** A site's name: a length, then 256 bytes (a host name has at most 253). */
    static final int SITE_NAME_BYTES_MAX = 256;
    private static final int SITE_NAME_LONGS = 1 + SITE_NAME_BYTES_MAX / 8;
    /** Where the sites' block starts in a slot. */
    private static final int SITES_OFFSET = SLOT_HEADER_BYTES + 8 * (MetricsSchema.COUNTERS.size()
            + MetricsSchema.GAUGES.size() + BUCKETS + MetricsSchema.HISTOGRAMS.size());
    /** One slot: header, counters, gauges, buckets, sums, sites; rounded up to a cache line. */
    static final int SLOT_BYTES = (SITES_OFFSET + 8 * (1 + MetricsSchema.SITES_MAX * (1 + SITE_NAME_LONGS)) + 63) & ~63;

    private final SharedMemory memory;
    private final int slotCount;

    private MetricsFile(SharedMemory memory, int slotCount) {
        this.memory = memory;
        this.slotCount = slotCount;
    }

    /** Bytes of a file with {@code slotCount} slots: what a worker passes to {@link #attach}. */
    public static long bytesFor(int slotCount) {
        return HEADER_BYTES + (long) slotCount * SLOT_BYTES;
    }

    /** A new file with {@code slotCount} unused slots (the master, or the single process). */
    public static MetricsFile create(int slotCount) throws IOException {
        if (slotCount <= 0) {
            throw new IllegalArgumentException("slotCount must be positive, got " + slotCount);
        }
        SharedMemory memory = SharedMemory.create("uring-httpd-metrics", bytesFor(slotCount));
        memory.putLong(8, VERSION);
        memory.putLong(16, slotCount);
        memory.putLong(24, SLOT_BYTES);
        memory.putLong(32, MetricsSchema.COUNTERS.size());
        memory.putLong(40, MetricsSchema.GAUGES.size());
        memory.putLong(48, BUCKETS);
        memory.putLong(56, MetricsSchema.HISTOGRAMS.size());
        memory.putLongRelease(0, MAGIC);
        return new MetricsFile(memory, slotCount);
    }

    /**
     * Maps an inherited file (a worker). Refuses a file of another layout: a worker must not
     * scribble over slots its master reads differently.
     */
    public static MetricsFile attach(int fd, int slotCount) throws IOException {
        SharedMemory memory = SharedMemory.attach(fd, bytesFor(slotCount));
        if (memory.getLongAcquire(0) != MAGIC || memory.getLong(8) != VERSION || memory.getLong(16) != slotCount
                || memory.getLong(24) != SLOT_BYTES || memory.getLong(32) != MetricsSchema.COUNTERS.size()
                || memory.getLong(40) != MetricsSchema.GAUGES.size() || memory.getLong(48) != BUCKETS) {
            memory.close();
            throw new IOException("fd " + fd + " is not a metrics file of this version (" + slotCount + " slots)");
        }
        return new MetricsFile(memory, slotCount);
    }

    public int fd() {
        return memory.fd();
    }

    public int slotCount() {
        return slotCount;
    }

    private long slotOffset(int slot) {
        if (slot < 0 || slot >= slotCount) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + slotCount);
        }
        return HEADER_BYTES + (long) slot * SLOT_BYTES;
    }

    /**
     * Claims {@code slot} for a loop: a new incarnation, starting from zero. Call it from the loop's
     * own thread (its tid is recorded for per-thread CPU figures).
     */
    public SlotWriter claim(int slot, int workerIndex, int loopIndex, String engine) {
        return claim(slot, workerIndex, loopIndex, engine, List.of());
    }

    /**
     * Claims {@code slot} for a loop serving {@code sites} (their label values, in the order of the
     * request counts it will publish; at most {@link MetricsSchema#SITES_MAX}).
     */
    public SlotWriter claim(int slot, int workerIndex, int loopIndex, String engine, List<String> sites) {
        if (sites.size() > MetricsSchema.SITES_MAX) {
            throw new IllegalArgumentException(sites.size() + " sites, at most " + MetricsSchema.SITES_MAX);
        }
        long base = slotOffset(slot);
        long sequence = memory.getLong(base);
        memory.putLong(base, sequence + 1);
        VarHandle.releaseFence();
        memory.putLong(base + 8, memory.getLong(base + 8) + 1);
        memory.putLong(base + 16, workerIndex);
        memory.putLong(base + 24, loopIndex);
        memory.putLong(base + 32, "io_uring".equals(engine) ? ENGINE_IO_URING : ENGINE_EPOLL);
        memory.putLong(base + 40, Processes.getpid());
        memory.putLong(base + 48, Processes.gettid());
        memory.putLong(base + 56, 1);
        for (long o = base + SLOT_HEADER_BYTES; o < base + SLOT_BYTES; o += 8) {
            memory.putLong(o, 0);
        }
        long sitesBase = base + SITES_OFFSET;
        memory.putLong(sitesBase, sites.size());
        for (int i = 0; i < sites.size(); i++) {
            writeName(sitesBase + 8 * (1 + MetricsSchema.SITES_MAX + (long) i * SITE_NAME_LONGS), sites.get(i));
        }
        memory.putLongRelease(base, sequence + 2);
        return new SlotWriter(memory, base);
    }

    private void writeName(long at, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(bytes.length, SITE_NAME_BYTES_MAX);
        memory.putLong(at, length);
        for (int i = 0; i < length; i += 8) {
            long word = 0;
            for (int b = 0; b < 8 && i + b < length; b++) {
                word |= (bytes[i + b] & 0xFFL) << (8 * b);
            }
            memory.putLong(at + 8 + i, word);
        }
    }

    private String readName(long at) {
        int length = (int) Math.min(Math.max(memory.getLong(at), 0), SITE_NAME_BYTES_MAX);
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i += 8) {
            long word = memory.getLong(at + 8 + i);
            for (int b = 0; b < 8 && i + b < length; b++) {
                bytes[i + b] = (byte) (word >>> (8 * b));
            }
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A consistent copy of {@code slot}, or null when no loop ever claimed it. */
    public SlotSnapshot read(int slot) {
        long base = slotOffset(slot);
        int counters = MetricsSchema.COUNTERS.size();
        int gauges = MetricsSchema.GAUGES.size();
        List<MetricsSchema.Histogram> histograms = MetricsSchema.HISTOGRAMS;
        while (true) {
            long before = memory.getLongAcquire(base);
            if ((before & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long incarnation = memory.getLong(base + 8);
            int worker = (int) memory.getLong(base + 16);
            int loop = (int) memory.getLong(base + 24);
            int engine = (int) memory.getLong(base + 32);
            int pid = (int) memory.getLong(base + 40);
            int tid = (int) memory.getLong(base + 48);
            boolean live = memory.getLong(base + 56) == 1;
            long o = base + SLOT_HEADER_BYTES;
            long[] c = new long[counters];
            for (int i = 0; i < counters; i++, o += 8) {
                c[i] = memory.getLong(o);
            }
            long[] g = new long[gauges];
            for (int i = 0; i < gauges; i++, o += 8) {
                g[i] = memory.getLong(o);
            }
            long[][] buckets = new long[histograms.size()][];
            for (int h = 0; h < histograms.size(); h++) {
                buckets[h] = new long[histograms.get(h).bucketCount()];
                for (int b = 0; b < buckets[h].length; b++, o += 8) {
                    buckets[h][b] = memory.getLong(o);
                }
            }
            double[] sums = new double[histograms.size()];
            for (int h = 0; h < sums.length; h++, o += 8) {
                sums[h] = Double.longBitsToDouble(memory.getLong(o));
            }
            int siteCount = (int) Math.min(Math.max(memory.getLong(o), 0), MetricsSchema.SITES_MAX);
            o += 8;
            long[] siteRequests = new long[siteCount];
            for (int i = 0; i < siteCount; i++) {
                siteRequests[i] = memory.getLong(o + 8L * i);
            }
            o += 8L * MetricsSchema.SITES_MAX;
            String[] siteNames = new String[siteCount];
            for (int i = 0; i < siteCount; i++) {
                siteNames[i] = readName(o + 8L * i * SITE_NAME_LONGS);
            }
            // The data loads above must not drift below the second look at the sequence.
            VarHandle.acquireFence();
            if (memory.getLong(base) != before) {
                continue;
            }
            if (incarnation == 0) {
                return null;
            }
            return new SlotSnapshot(slot, incarnation, worker, loop, engine == ENGINE_IO_URING ? "io_uring" : "epoll",
                    pid, tid, live, c, g, buckets, sums, List.of(siteNames), siteRequests);
        }
    }

    /** Every slot ever claimed (live or stopped), in slot order: what the exporter aggregates. */
    public List<SlotSnapshot> snapshots() {
        List<SlotSnapshot> all = new java.util.ArrayList<>();
        for (int i = 0; i < slotCount; i++) {
            SlotSnapshot s = read(i);
            if (s != null) {
                all.add(s);
            }
        }
        return all;
    }

    /**
     * Slots for {@code loopsTotal} loops: four times as many, at least 16, so that a reload's new
     * workers find free slots while the old ones still hold theirs (and a respawn or two more).
     */
    public static int slotsFor(int loopsTotal) {
        return Math.max(16, 4 * loopsTotal);
    }

    @Override
    public void close() {
        memory.close();
    }

    /**
     * One loop's writer: copies the loop's own counters into its slot. Used by that loop's
     * thread only, at its timer tick and when it stops; allocates nothing.
     */
    public static final class SlotWriter {
        private static final long[] NO_SITES = new long[0];
        private final SharedMemory memory;
        private final long base;

        SlotWriter(SharedMemory memory, long base) {
            this.memory = memory;
            this.base = base;
        }

        /**
         * Publishes the loop's figures, arrays in {@link MetricsSchema} order ({@code buckets[h]}
         * not cumulative). {@code last}: the loop has stopped, these are its final values.
         */
        public void publish(long[] counters, long[] gauges, long[][] buckets, double[] sums, boolean last) {
            publish(counters, gauges, buckets, sums, NO_SITES, last);
        }

        /** As above, with the requests of each site the slot was claimed for, in that order. */
        public void publish(long[] counters, long[] gauges, long[][] buckets, double[] sums, long[] siteRequests,
                            boolean last) {
            long sequence = memory.getLong(base);
            memory.putLong(base, sequence + 1);
            // The odd sequence must be visible before any of the data stores below.
            VarHandle.releaseFence();
            long o = base + SLOT_HEADER_BYTES;
            for (long v : counters) {
                memory.putLong(o, v);
                o += 8;
            }
            for (long v : gauges) {
                memory.putLong(o, v);
                o += 8;
            }
            for (long[] histogram : buckets) {
                for (long v : histogram) {
                    memory.putLong(o, v);
                    o += 8;
                }
            }
            for (double s : sums) {
                memory.putLong(o, Double.doubleToRawLongBits(s));
                o += 8;
            }
            o += 8; // the site count, written at claim
            for (int i = 0; i < siteRequests.length; i++) {
                memory.putLong(o + 8L * i, siteRequests[i]);
            }
            if (last) {
                memory.putLong(base + 56, 0);
            }
            memory.putLongRelease(base, sequence + 2);
        }
    }
}
