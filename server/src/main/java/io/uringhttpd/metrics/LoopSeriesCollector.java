package io.uringhttpd.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loops' series, as Micrometer's Prometheus registry renders them: a Prometheus client
 * collector registered on that registry ({@code PrometheusMeterRegistry.getPrometheusRegistry()}).
 * Why not Micrometer meters: those are registered once with fixed tags, while these series appear
 * as workers come and go (and change engine on a reload), and the histograms arrive already
 * bucketed from the loops; Micrometer has no meter that takes buckets from elsewhere. A collector
 * builds everything from {@link MetricsAggregator#collect()} at scrape time, so there is no meter
 * lifecycle to keep in step with the workers.
 */
public final class LoopSeriesCollector implements MultiCollector {
    private static final String TOTAL = "_total";

    private final MetricsAggregator aggregator;

    public LoopSeriesCollector(MetricsAggregator aggregator) {
        this.aggregator = aggregator;
    }

    @Override
    public MetricSnapshots collect() {
        Map<MetricsAggregator.Key, MetricsAggregator.Totals> totals = aggregator.collect();
        List<MetricSnapshot> out = new ArrayList<>();
        counters(totals, out);
        gauges(totals, out);
        histograms(totals, out);
        return new MetricSnapshots(out);
    }

    private static void counters(Map<MetricsAggregator.Key, MetricsAggregator.Totals> totals, List<MetricSnapshot> out) {
        Map<String, CounterSnapshot.Builder> families = new LinkedHashMap<>();
        for (int i = 0; i < MetricsSchema.COUNTERS.size(); i++) {
            MetricsSchema.Series series = MetricsSchema.COUNTERS.get(i);
            // The client library adds _total itself: a counter family is named without it.
            String family = series.name().endsWith(TOTAL)
                    ? series.name().substring(0, series.name().length() - TOTAL.length()) : series.name();
            CounterSnapshot.Builder builder = families.computeIfAbsent(family,
                    f -> CounterSnapshot.builder().name(f).help(series.help()));
            for (var entry : totals.entrySet()) {
                builder.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(labels(entry.getKey(), series))
                        .value(entry.getValue().counters[i] * series.scale())
                        .build());
            }
        }
        families.values().forEach(b -> out.add(b.build()));
        siteRequests(totals, out);
    }

    /** One series per (engine, worker, site): the sites are whatever the loops' configurations named. */
    private static void siteRequests(Map<MetricsAggregator.Key, MetricsAggregator.Totals> totals, List<MetricSnapshot> out) {
        MetricsSchema.Series series = MetricsSchema.SITE_REQUESTS;
        CounterSnapshot.Builder builder = CounterSnapshot.builder()
                .name(series.name().substring(0, series.name().length() - TOTAL.length())).help(series.help());
        for (var entry : totals.entrySet()) {
            MetricsAggregator.Key key = entry.getKey();
            entry.getValue().siteRequests.forEach((site, n) -> builder.dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder()
                            .labels(Labels.of("engine", key.engine(), "worker", key.worker(), series.labelKey(), site))
                            .value(n)
                            .build()));
        }
        out.add(builder.build());
    }

    private static void gauges(Map<MetricsAggregator.Key, MetricsAggregator.Totals> totals, List<MetricSnapshot> out) {
        Map<String, GaugeSnapshot.Builder> families = new LinkedHashMap<>();
        for (int i = 0; i < MetricsSchema.GAUGES.size(); i++) {
            MetricsSchema.Series series = MetricsSchema.GAUGES.get(i);
            GaugeSnapshot.Builder builder = families.computeIfAbsent(series.name(),
                    f -> GaugeSnapshot.builder().name(f).help(series.help()));
            for (var entry : totals.entrySet()) {
                if (entry.getValue().live) { // a worker that is gone has no gauges
                    builder.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                            .labels(labels(entry.getKey(), series))
                            .value(entry.getValue().gauges[i] * series.scale())
                            .build());
                }
            }
        }
        families.values().forEach(b -> out.add(b.build()));
    }

    private static void histograms(Map<MetricsAggregator.Key, MetricsAggregator.Totals> totals, List<MetricSnapshot> out) {
        for (int h = 0; h < MetricsSchema.HISTOGRAMS.size(); h++) {
            MetricsSchema.Histogram histogram = MetricsSchema.HISTOGRAMS.get(h);
            double[] bounds = new double[histogram.bucketCount()];
            System.arraycopy(histogram.upperBounds(), 0, bounds, 0, histogram.upperBounds().length);
            bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
            HistogramSnapshot.Builder builder = HistogramSnapshot.builder().name(histogram.name()).help(histogram.help());
            for (var entry : totals.entrySet()) {
                builder.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .labels(labels(entry.getKey(), null))
                        // Per-bucket counts, as the loops keep them: the writer makes them cumulative.
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, entry.getValue().histogramBuckets[h]))
                        .sum(entry.getValue().histogramSums[h])
                        .build());
            }
            out.add(builder.build());
        }
    }

    private static Labels labels(MetricsAggregator.Key key, MetricsSchema.Series series) {
        if (series == null || series.labelKey() == null) {
            return Labels.of("engine", key.engine(), "worker", key.worker());
        }
        return Labels.of("engine", key.engine(), "worker", key.worker(), series.labelKey(), series.labelValue());
    }
}
