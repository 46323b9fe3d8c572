package io.uringhttpd.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Sums the loops' slots into one set of series per (engine, worker) and keeps the counters
 * monotonic while workers come and go. A slot is reused by a new loop (a respawned worker, a
 * reload) under a new incarnation that starts from zero; before that happens the values of the
 * old incarnation are folded into a per-(engine, worker) base, so what Prometheus sees never goes
 * back. Two ways an incarnation is folded: the master calls {@link #retire} when a worker has
 * exited (its loops' final values, before its slots are handed out again), and {@link #collect}
 * folds any incarnation it finds replaced (a slot reused between two scrapes).
 *
 * <p>Counters and histograms are base + live; gauges are the live slots only (a gone worker has
 * no connections). Called from the scrape thread and the master's event thread: synchronized.
 * Allocates per scrape, which is once every few seconds and off the loops' path.
 */
public final class MetricsAggregator {
    /** The labels every series gets. */
    public record Key(String engine, String worker) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = Integer.compare(worker.length(), o.worker.length()); // "2" before "10"
            c = c != 0 ? c : worker.compareTo(o.worker);
            return c != 0 ? c : engine.compareTo(o.engine);
        }

        static Key of(SlotSnapshot s) {
            return new Key(s.engine(), Integer.toString(s.workerIndex()));
        }
    }

    /** The sums for one key; {@code live} says whether any loop behind it is running (gauges are present). */
    public static final class Totals {
        public final long[] counters = new long[MetricsSchema.COUNTERS.size()];
        public final long[] gauges = new long[MetricsSchema.GAUGES.size()];
        public final long[][] histogramBuckets = new long[MetricsSchema.HISTOGRAMS.size()][];
        public final double[] histogramSums = new double[MetricsSchema.HISTOGRAMS.size()];
        /** Requests by site label: summed by name, so a reload that reorders the sites keeps each count with its site. */
        public final Map<String, Long> siteRequests = new TreeMap<>();
        public boolean live;

        Totals() {
            for (int h = 0; h < histogramBuckets.length; h++) {
                histogramBuckets[h] = new long[MetricsSchema.HISTOGRAMS.get(h).bucketCount()];
            }
        }

        void add(SlotSnapshot s) {
            add(s.counters(), s.histogramBuckets(), s.histogramSums());
            for (int i = 0; i < s.siteNames().size(); i++) {
                siteRequests.merge(s.siteNames().get(i), s.siteRequests()[i], Long::sum);
            }
        }

        void add(Totals t) {
            add(t.counters, t.histogramBuckets, t.histogramSums);
            t.siteRequests.forEach((site, n) -> siteRequests.merge(site, n, Long::sum));
        }

        private void add(long[] moreCounters, long[][] moreBuckets, double[] moreSums) {
            for (int i = 0; i < counters.length; i++) {
                counters[i] += moreCounters[i];
            }
            for (int h = 0; h < histogramBuckets.length; h++) {
                for (int b = 0; b < histogramBuckets[h].length; b++) {
                    histogramBuckets[h][b] += moreBuckets[h][b];
                }
                histogramSums[h] += moreSums[h];
            }
        }
    }

    private final Supplier<List<SlotSnapshot>> slots;
    /** Everything folded so far, per key. */
    private final Map<Key, Totals> base = new HashMap<>();
    /** Per slot, the last snapshot seen of an incarnation not folded yet. */
    private final Map<Integer, SlotSnapshot> current = new HashMap<>();
    /** Per slot, the incarnation last folded: still in shared memory until the slot is reused, not counted twice. */
    private final Map<Integer, Long> folded = new HashMap<>();

    /** @param slots every claimed slot, live or stopped (e.g. {@link MetricsFile#snapshots()}) */
    public MetricsAggregator(Supplier<List<SlotSnapshot>> slots) {
        this.slots = slots;
    }

    /** The series now, one entry per (engine, worker) ever seen, in worker order. */
    public synchronized Map<Key, Totals> collect() {
        for (SlotSnapshot s : slots.get()) {
            see(s);
        }
        Map<Key, Totals> out = new TreeMap<>();
        base.forEach((key, totals) -> out.computeIfAbsent(key, k -> new Totals()).add(totals));
        for (SlotSnapshot s : current.values()) {
            Totals t = out.computeIfAbsent(Key.of(s), k -> new Totals());
            t.add(s);
            if (s.live()) {
                t.live = true;
                for (int i = 0; i < t.gauges.length; i++) {
                    t.gauges[i] += s.gauges()[i];
                }
            }
        }
        return out;
    }

    /**
     * A worker has exited: folds the final values of its loops' slots (read now, after its
     * loops' last publish) before the master hands the slots to a new worker.
     */
    public synchronized void retire(List<SlotSnapshot> finals) {
        for (SlotSnapshot s : finals) {
            see(s);
            SlotSnapshot last = current.remove(s.slot());
            if (last != null) {
                fold(last);
            }
        }
    }

    private void see(SlotSnapshot s) {
        Long foldedIncarnation = folded.get(s.slot());
        if (foldedIncarnation != null && foldedIncarnation == s.incarnation()) {
            return;
        }
        SlotSnapshot previous = current.put(s.slot(), s);
        if (previous != null && previous.incarnation() != s.incarnation()) {
            // Reused between two looks: the old incarnation's last values seen are all it gets.
            fold(previous);
        }
    }

    private void fold(SlotSnapshot s) {
        base.computeIfAbsent(Key.of(s), k -> new Totals()).add(s);
        folded.put(s.slot(), s.incarnation());
    }
}
