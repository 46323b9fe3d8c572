package io.uringhttpd.process;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus's HTTP API as an engineer asks it: an instant query, its values by engine label. */
final class PrometheusApi {
    /** The question the metrics exist for: syscalls per request, by engine. */
    static final String SYSCALLS_PER_REQUEST = "sum by (engine) (rate(uringhttpd_syscalls_total[10s]))"
            + " / sum by (engine) (rate(uringhttpd_requests_total[10s]))";

    private PrometheusApi() {
    }

    /** Instant query on 127.0.0.1:{@code port}: value by engine label (empty when the query failed or has no finite value yet). */
    static Map<String, Double> byEngine(HttpClient http, int port, String promql) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Double> out = new TreeMap<>();
        if (r.statusCode() != 200) {
            return out;
        }
        // {"metric":{"engine":"epoll"},"value":[1700000000.123,"2.31"]}
        Matcher m = Pattern.compile("\"engine\":\"([a-z_]+)\"[^\\]]*\"value\":\\[[0-9.]+,\"([^\"]+)\"").matcher(r.body());
        while (m.find()) {
            try {
                double v = Double.parseDouble(m.group(2));
                if (Double.isFinite(v)) {
                    out.put(m.group(1), v);
                }
            } catch (NumberFormatException notANumber) {
                // NaN while a rate has only one sample
            }
        }
        return out;
    }
}
