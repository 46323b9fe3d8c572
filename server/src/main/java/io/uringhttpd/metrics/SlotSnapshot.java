package io.uringhttpd.metrics;

/**
 * A consistent copy of one loop's shared-memory slot, as the master reads it at scrape time.
 * Arrays follow {@link MetricsSchema}: {@code counters[i]} is {@code COUNTERS.get(i)},
 * {@code gauges[i]} is {@code GAUGES.get(i)}, {@code histogramBuckets[h][b]} is the count of
 * bucket {@code b} of {@code HISTOGRAMS.get(h)} (not cumulative; the last is +Inf) and
 * {@code histogramSums[h]} the sum of the observed values (seconds for durations).
 *
 * @param slot        the slot's index in the metrics file
 * @param incarnation bumped each time the slot is given to a new loop (a respawned worker's
 *                    loop starts from zero: the reader folds the previous incarnation's last values in)
 * @param engine      "epoll" or "io_uring"
 * @param pid         the worker process (for /proc/PID/task/TID)
 * @param tid         the loop thread's kernel thread id
 * @param live        false once the loop has stopped (its last values are final)
 * @param siteNames    the label values of the sites the loop serves ({@link MetricsSchema#SITE_REQUESTS})
 * @param siteRequests requests answered per site, in {@code siteNames} order
 */
public record SlotSnapshot(int slot, long incarnation, int workerIndex, int loopIndex, String engine, int pid, int tid,
        boolean live, long[] counters, long[] gauges, long[][] histogramBuckets, double[] histogramSums,
        java.util.List<String> siteNames, long[] siteRequests) {
    /** A loop that counts no sites. */
    public SlotSnapshot(int slot, long incarnation, int workerIndex, int loopIndex, String engine, int pid, int tid,
            boolean live, long[] counters, long[] gauges, long[][] histogramBuckets, double[] histogramSums) {
        this(slot, incarnation, workerIndex, loopIndex, engine, pid, tid, live, counters, gauges, histogramBuckets,
                histogramSums, java.util.List.of(), new long[0]);
    }
}
