package io.uringhttpd.engine;

import io.uringhttpd.metrics.MetricsSchema;

/**
 * A fixed-bucket histogram in plain fields, one writer (the loop thread): {@link #observe} is a
 * short scan over at most ~20 bounds, no allocation, no atomics. Bounds are kept in the unit the
 * loop records (nanoseconds for durations) and converted back at publish time by {@link #scale}.
 */
public final class LoopHistogram {
    private final long[] upperBounds;
    /** Per bucket, not cumulative; the last is +Inf. */
    public final long[] buckets;
    /** Sum of the observed values, in the recorded unit. */
    public long sum;
    /** Multiply {@link #sum} by this to get the schema's unit (1e-9 for nanoseconds → seconds). */
    public final double scale;

    private LoopHistogram(long[] upperBounds, double scale) {
        this.upperBounds = upperBounds;
        this.buckets = new long[upperBounds.length + 1];
        this.scale = scale;
    }

    /** A histogram of a schema series in seconds, recorded in nanoseconds. */
    public static LoopHistogram seconds(MetricsSchema.Histogram h) {
        long[] b = new long[h.upperBounds().length];
        for (int i = 0; i < b.length; i++) {
            b[i] = Math.round(h.upperBounds()[i] * 1e9);
        }
        return new LoopHistogram(b, 1e-9);
    }

    /** A histogram of a schema series of whole counts. */
    public static LoopHistogram counts(MetricsSchema.Histogram h) {
        long[] b = new long[h.upperBounds().length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (long) Math.floor(h.upperBounds()[i]);
        }
        return new LoopHistogram(b, 1);
    }

    /** Prometheus buckets are "less than or equal" (le): v lands in the first bound >= v. */
    public void observe(long value) {
        observe(value, 1);
    }

    /** {@code count} observations of the same value (pipelined responses handed over together). */
    public void observe(long value, int count) {
        int i = 0;
        while (i < upperBounds.length && value > upperBounds[i]) {
            i++;
        }
        buckets[i] += count;
        sum += value * count;
    }

    public long count() {
        long n = 0;
        for (long b : buckets) {
            n += b;
        }
        return n;
    }
}
