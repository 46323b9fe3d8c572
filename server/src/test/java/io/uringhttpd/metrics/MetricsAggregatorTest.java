package io.uringhttpd.metrics;

import static io.uringhttpd.metrics.MetricsSchema.CONNECTIONS_ACTIVE;
import static io.uringhttpd.metrics.MetricsSchema.REQUESTS_2XX;
import static io.uringhttpd.metrics.MetricsSchema.REQUEST_DURATION;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Summing slots per (engine, worker), and counters that never go back while workers come and go. */
class MetricsAggregatorTest {
    private final List<SlotSnapshot> slots = new ArrayList<>();
    private final MetricsAggregator aggregator = new MetricsAggregator(() -> List.copyOf(slots));

    /** A slot whose loop served {@code requests} 2xx, with {@code open} connections and one duration per request in bucket 2. */
    static SlotSnapshot slot(int slot, long incarnation, int worker, String engine, boolean live, long requests, long open) {
        long[] counters = new long[MetricsSchema.COUNTERS.size()];
        counters[REQUESTS_2XX] = requests;
        long[] gauges = new long[MetricsSchema.GAUGES.size()];
        gauges[CONNECTIONS_ACTIVE] = open;
        long[][] buckets = new long[MetricsSchema.HISTOGRAMS.size()][];
        for (int h = 0; h < buckets.length; h++) {
            buckets[h] = new long[MetricsSchema.HISTOGRAMS.get(h).bucketCount()];
        }
        buckets[REQUEST_DURATION][2] = requests;
        double[] sums = new double[MetricsSchema.HISTOGRAMS.size()];
        sums[REQUEST_DURATION] = requests * 0.00004;
        return new SlotSnapshot(slot, incarnation, worker, 0, engine, 1, 1, live, counters, gauges, buckets, sums);
    }

    /** {@link #slot} whose loop served {@code sites} with {@code requests} each. */
    static SlotSnapshot slotWithSites(int slot, long incarnation, List<String> sites, long... requests) {
        SlotSnapshot s = slot(slot, incarnation, 0, "epoll", true, 0, 0);
        return new SlotSnapshot(slot, incarnation, 0, 0, "epoll", 1, 1, true, s.counters(), s.gauges(),
                s.histogramBuckets(), s.histogramSums(), sites, requests);
    }

    @Test
    void siteRequestsAddUpByNameThroughAReloadThatReordersTheSites() {
        slots.add(slotWithSites(0, 1, List.of("_default", "a.test", "b.test"), 10, 20, 30));
        slots.add(slotWithSites(1, 1, List.of("_default", "a.test", "b.test"), 1, 2, 3));
        assertThat(totals("epoll", "0").siteRequests).containsExactlyEntriesOf(
                new java.util.TreeMap<>(Map.of("_default", 11L, "a.test", 22L, "b.test", 33L)));
        // A reload: the new loop has b.test first and a.test gone; a.test keeps what it had.
        slots.set(0, slotWithSites(0, 2, List.of("_default", "b.test", "c.test"), 1, 4, 5));
        assertThat(totals("epoll", "0").siteRequests).containsExactlyEntriesOf(
                new java.util.TreeMap<>(Map.of("_default", 12L, "a.test", 22L, "b.test", 37L, "c.test", 5L)));
    }

    private MetricsAggregator.Totals totals(String engine, String worker) {
        return aggregator.collect().get(new MetricsAggregator.Key(engine, worker));
    }

    @Test
    void loopsOfOneWorkerAddUpAndEnginesStayApart() {
        slots.add(slot(0, 1, 0, "epoll", true, 10, 2));
        slots.add(slot(1, 1, 0, "epoll", true, 5, 1));
        slots.add(slot(2, 1, 1, "io_uring", true, 7, 3));
        Map<MetricsAggregator.Key, MetricsAggregator.Totals> all = aggregator.collect();
        assertThat(all.keySet()).containsExactly(new MetricsAggregator.Key("epoll", "0"), new MetricsAggregator.Key("io_uring", "1"));
        MetricsAggregator.Totals epoll = totals("epoll", "0");
        assertThat(epoll.counters[REQUESTS_2XX]).isEqualTo(15);
        assertThat(epoll.gauges[CONNECTIONS_ACTIVE]).isEqualTo(3);
        assertThat(epoll.histogramBuckets[REQUEST_DURATION][2]).isEqualTo(15);
        assertThat(epoll.histogramSums[REQUEST_DURATION]).isEqualTo(15 * 0.00004, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(totals("io_uring", "1").counters[REQUESTS_2XX]).isEqualTo(7);
    }

    @Test
    void aSlotReusedBetweenScrapesKeepsItsOldIncarnationsLastValues() {
        slots.add(slot(0, 1, 0, "epoll", true, 100, 4));
        assertThat(totals("epoll", "0").counters[REQUESTS_2XX]).isEqualTo(100);
        // The worker died and a new one reclaimed the slot before the next scrape.
        slots.set(0, slot(0, 2, 0, "epoll", true, 3, 1));
        MetricsAggregator.Totals t = totals("epoll", "0");
        assertThat(t.counters[REQUESTS_2XX]).as("100 folded + 3 live").isEqualTo(103);
        assertThat(t.histogramBuckets[REQUEST_DURATION][2]).isEqualTo(103);
        assertThat(t.gauges[CONNECTIONS_ACTIVE]).as("gauges: the live loop only").isEqualTo(1);
        slots.set(0, slot(0, 2, 0, "epoll", true, 9, 1));
        assertThat(totals("epoll", "0").counters[REQUESTS_2XX]).isEqualTo(109);
    }

    @Test
    void aRetiredWorkerCountsOnceAndItsGaugesGo() {
        slots.add(slot(0, 1, 0, "epoll", true, 10, 2));
        aggregator.collect();
        // It served more, published its last values at stop, and exited; the master folds them.
        slots.set(0, slot(0, 1, 0, "epoll", false, 12, 0));
        aggregator.retire(List.of(slots.get(0)));
        MetricsAggregator.Totals t = totals("epoll", "0");
        assertThat(t.counters[REQUESTS_2XX]).as("folded once, though the slot still holds it").isEqualTo(12);
        assertThat(t.live).isFalse();
        assertThat(aggregator.collect().get(new MetricsAggregator.Key("epoll", "0")).counters[REQUESTS_2XX]).isEqualTo(12);
        // A reload gives worker 0 the io_uring engine in the same slot: both series go on.
        slots.set(0, slot(0, 2, 0, "io_uring", true, 4, 1));
        assertThat(totals("epoll", "0").counters[REQUESTS_2XX]).isEqualTo(12);
        assertThat(totals("io_uring", "0").counters[REQUESTS_2XX]).isEqualTo(4);
        assertThat(totals("io_uring", "0").live).isTrue();
    }

    @Test
    void aStoppedButUnfoldedSlotStillCountsWithoutGauges() {
        slots.add(slot(0, 1, 0, "epoll", false, 8, 5));
        MetricsAggregator.Totals t = totals("epoll", "0");
        assertThat(t.counters[REQUESTS_2XX]).isEqualTo(8);
        assertThat(t.live).isFalse();
        assertThat(t.gauges[CONNECTIONS_ACTIVE]).isZero();
    }
}
