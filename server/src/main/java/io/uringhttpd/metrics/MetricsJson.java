package io.uringhttpd.metrics;

import java.util.List;
import java.util.Map;

/**
 * /metrics.json: the same aggregated slots the Prometheus text exposes, as one small document the
 * engine page reads every second (docs/architecture.md#metrics-path, "The engine page"). Raw counters, not rates:
 * the browser computes rates over its own sliding window, so the master keeps no state per viewer.
 *
 * <pre>{@code
 * {"timeMs": 1764830000123,
 *  "workers": [{"worker": 0, "pid": 4242, "engine": "epoll", "generation": 1, "startedMs": ..., "restarts": 0, "serving": true}],
 *  "series": [{"engine": "epoll", "worker": "0", "live": true,
 *              "counters": {"uringhttpd_loop_wakeups_total": 5120, "uringhttpd_requests_total": {"2xx": 1000, ...}, ...},
 *              "gauges": {"uringhttpd_connections_active": 64, ...},
 *              "histograms": {"uringhttpd_request_duration_seconds": {"le": [1.0E-5, ..., "+Inf"], "counts": [...], "sum": 0.42}},
 *              "sites": {"_default": 1000}}]}
 * }</pre>
 *
 * A series with a label ({@code class}, {@code syscall}, {@code path}, ...) is an object from label
 * value to value; one without is a number. Counters carry the scale Prometheus shows (seconds).
 * Histogram counts are per bucket, not cumulative.
 */
public final class MetricsJson {
    private MetricsJson() {
    }

    public static String render(long timeMs, List<WorkerStatus> workers, Map<MetricsAggregator.Key, MetricsAggregator.Totals> totals) {
        StringBuilder out = new StringBuilder(16 * 1024);
        out.append("{\"timeMs\":").append(timeMs).append(",\"workers\":[");
        for (int i = 0; i < workers.size(); i++) {
            WorkerStatus w = workers.get(i);
            out.append(i == 0 ? "" : ",").append("{\"worker\":").append(w.worker()).append(",\"pid\":").append(w.pid())
                    .append(",\"engine\":");
            string(out, w.engine());
            out.append(",\"generation\":").append(w.generation()).append(",\"startedMs\":").append(w.startedMs())
                    .append(",\"restarts\":").append(w.restarts()).append(",\"serving\":").append(w.serving()).append('}');
        }
        out.append("],\"series\":[");
        boolean first = true;
        for (var entry : totals.entrySet()) {
            MetricsAggregator.Totals t = entry.getValue();
            out.append(first ? "" : ",").append("{\"engine\":");
            first = false;
            string(out, entry.getKey().engine());
            out.append(",\"worker\":");
            string(out, entry.getKey().worker());
            out.append(",\"live\":").append(t.live).append(",\"counters\":");
            series(out, MetricsSchema.COUNTERS, t.counters);
            out.append(",\"gauges\":");
            series(out, MetricsSchema.GAUGES, t.gauges);   // all 0 for a worker that is gone
            out.append(",\"histograms\":{");
            for (int h = 0; h < MetricsSchema.HISTOGRAMS.size(); h++) {
                MetricsSchema.Histogram histogram = MetricsSchema.HISTOGRAMS.get(h);
                out.append(h == 0 ? "" : ",");
                string(out, histogram.name());
                out.append(":{\"le\":[");
                for (double bound : histogram.upperBounds()) {
                    out.append(bound).append(',');
                }
                out.append("\"+Inf\"],\"counts\":[");
                long[] counts = t.histogramBuckets[h];
                for (int b = 0; b < counts.length; b++) {
                    out.append(b == 0 ? "" : ",").append(counts[b]);
                }
                out.append("],\"sum\":");
                number(out, t.histogramSums[h]);
                out.append('}');
            }
            out.append("},\"sites\":{");
            boolean firstSite = true;
            for (var site : t.siteRequests.entrySet()) {
                out.append(firstSite ? "" : ",");
                firstSite = false;
                string(out, site.getKey());
                out.append(':').append(site.getValue());
            }
            out.append("}}");
        }
        return out.append("]}").toString();
    }

    /** name -> number, or name -> {label value -> number} for the series of one labelled family, in schema order. */
    private static void series(StringBuilder out, List<MetricsSchema.Series> schema, long[] values) {
        out.append('{');
        String open = null;   // the labelled family whose object is open
        for (int i = 0; i < schema.size(); i++) {
            MetricsSchema.Series s = schema.get(i);
            if (open != null && !open.equals(s.name())) {
                out.append('}');
                open = null;
            }
            if (s.labelKey() == null) {
                out.append(out.charAt(out.length() - 1) == '{' ? "" : ",");
                string(out, s.name());
                out.append(':');
            } else {
                if (open == null) {
                    out.append(out.charAt(out.length() - 1) == '{' ? "" : ",");
                    string(out, s.name());
                    out.append(":{");
                    open = s.name();
                } else {
                    out.append(',');
                }
                string(out, s.labelValue());
                out.append(':');
            }
            if (s.scale() == 1) {
                out.append(values[i]);
            } else {
                number(out, values[i] * s.scale());
            }
        }
        if (open != null) {
            out.append('}');
        }
        out.append('}');
    }

    private static void number(StringBuilder out, double v) {
        out.append(Double.isFinite(v) ? Double.toString(v) : "0");
    }

    /** A JSON string; names and labels here are ASCII, but any control character or quote is escaped. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }
}
