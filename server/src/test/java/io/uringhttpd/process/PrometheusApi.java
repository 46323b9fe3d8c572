package io.uringhttpd.process;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus's HTTP API as an engineer asks it: an instant query, its values by engine label. */
final class PrometheusApi {
    /** The question the metrics exist for: syscalls per request, by engine. */
    static final String SYSCALLS_PER_REQUEST = "sum by (engine) (rate(uringhttpd_syscalls_total[10s]))"
            + " / sum by (engine) (rate(uringhttpd_requests_total[10s]))";

    /** Debian's package prometheus (installed by .ci/run). */
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    private PrometheusApi() {
    }

    /** A Prometheus on 127.0.0.1:{@code port} scraping 127.0.0.1:{@code metricsPort}/metrics every second, its data in {@code dir}. */
    static Child start(Path dir, int metricsPort, int port) throws IOException {
        Path yml = dir.resolve("prometheus.yml");
        Files.writeString(yml, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: uring-httpd
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(metricsPort));
        return Child.start(List.of(PROMETHEUS.toString(), "--config.file=" + yml,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port),
                dir, dir, "prometheus", env -> {});
    }

    /** Instant query on 127.0.0.1:{@code port}: value by engine label (empty when the query failed or has no finite value yet). */
    static Map<String, Double> byEngine(HttpClient http, int port, String promql) throws Exception {
        return byEngine(http, port, promql, "");
    }

    /** The same, evaluated at {@code epochSeconds}. */
    static Map<String, Double> byEngine(HttpClient http, int port, String promql, double epochSeconds) throws Exception {
        return byEngine(http, port, promql, "&time=" + epochSeconds);
    }

    private static Map<String, Double> byEngine(HttpClient http, int port, String promql, String time) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + time))
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
