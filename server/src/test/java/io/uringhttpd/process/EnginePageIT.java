package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.restassured.path.json.JsonPath;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine page in a real browser: a master with an epoll and an io_uring worker under load,
 * the page at / of its metrics listener opened in headless Chromium, its numbers read from the
 * DOM after some refreshes and held against what Prometheus computes from /metrics over the same
 * interval. Saves a screenshot (target/engine-page.png; with -Duringhttpd.screenshot=docs also
 * docs/engine-page.png, the one the README shows).
 */
class EnginePageIT {
    private static final Duration STARTUP = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Child server;
    private Child prometheus;
    private Chromium browser;
    private KeepAliveLoad load;
    private int metricsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Chromium.BINARY), "chromium is not installed (Debian package chromium)");
        int port = Child.freePort();
        metricsPort = Child.freePort();
        Path config = Child.twoEngineConfig(dir, port, metricsPort, null);
        server = Child.start(Child.jarCommand("--config", config.toString()), Child.moduleDir(), dir, "server", env -> {});
        server.awaitLine(" supervises ", STARTUP);
        load = new KeepAliveLoad(port, 16);
    }

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        if (browser != null) {
            browser.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The value of a measure in the page's table, for one engine (NaN when it shows none). */
    private double shown(String engine, String metric) throws Exception {
        String v = browser.evaluate("document.querySelector('#now td[data-engine=\"" + engine + "\"][data-metric=\""
                + metric + "\"]').dataset.value");
        return v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    @Test
    void bothEnginesShowLiveAndAgreeWithPrometheus() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PrometheusApi.PROMETHEUS), "prometheus is not installed (Debian package prometheus)");
        int prometheusPort = Child.freePort();
        prometheus = PrometheusApi.start(dir, metricsPort, prometheusPort);

        browser = Chromium.start(dir, 1400, 1000);
        browser.navigate("http://127.0.0.1:" + metricsPort + "/");
        // The page's window and Prometheus's rate() range: 30 s. Loops publish once a second, so the
        // page and Prometheus may see the counters one publish apart at either end of the window:
        // up to 2 of 30 s (over 10 s, that alone could be 20%).
        browser.await("Number(document.body.dataset.samples) >= 1", Duration.ofSeconds(20));
        browser.evaluate("(() => { const w = document.getElementById('window'); w.value = '30';"
                + " w.dispatchEvent(new Event('change')); return true; })()");
        browser.await("Number(document.body.dataset.samples) >= 34", Duration.ofSeconds(70));
        assertThat(browser.evaluate("document.querySelectorAll('#charts canvas').length")).as("charts drawn")
                .isNotEqualTo("0");
        assertThat(browser.evaluate("document.getElementById('raw').hidden")).isEqualTo("true");

        // Read the page, then ask Prometheus about the 30 s that end at the page's last sample.
        Map<String, Double> syscallsShown = Map.of("epoll", shown("epoll", "syscalls_per_request"),
                "io_uring", shown("io_uring", "syscalls_per_request"));
        Map<String, Double> requestsShown = Map.of("epoll", shown("epoll", "requests_per_second"),
                "io_uring", shown("io_uring", "requests_per_second"));
        double at = Double.parseDouble(browser.evaluate("document.body.dataset.sampleTime"));
        Map<String, Double> syscallsProm = awaitPrometheus(prometheusPort,
                "sum by (engine) (rate(uringhttpd_syscalls_total[30s])) / sum by (engine) (rate(uringhttpd_requests_total[30s]))", at);
        Map<String, Double> requestsProm = awaitPrometheus(prometheusPort,
                "sum by (engine) (rate(uringhttpd_requests_total[30s]))", at);

        System.out.printf("engine page vs Prometheus over 30 s: syscalls/request %s vs %s, requests/s %s vs %s%n",
                syscallsShown, syscallsProm, requestsShown, requestsProm);
        for (String engine : new String[] {"epoll", "io_uring"}) {
            assertThat(requestsShown.get(engine)).as("%s requests/s shown", engine).isPositive();
            assertThat(syscallsShown.get(engine)).as("%s syscalls per request shown", engine).isFinite().isPositive();
            for (String metric : new String[] {"wakeups_per_request", "worker_cpu_us_per_request", "latency_p99_ms"}) {
                assertThat(shown(engine, metric)).as("%s %s shown", engine, metric).isFinite().isPositive();
            }
            assertThat(syscallsShown.get(engine)).as("%s syscalls per request: page vs Prometheus", engine)
                    .isCloseTo(syscallsProm.get(engine), within(0.10 * syscallsProm.get(engine)));
            assertThat(requestsShown.get(engine)).as("%s requests/s: page vs Prometheus", engine)
                    .isCloseTo(requestsProm.get(engine), within(0.10 * requestsProm.get(engine)));
        }
        // The point of the page: the proactor needs fewer syscalls per request than the reactor.
        assertThat(syscallsShown.get("io_uring")).isLessThan(syscallsShown.get("epoll"));
        assertThat(shown("io_uring", "sqes_per_submit")).as("SQEs per submit, io_uring").isPositive();
        assertThat(browser.evaluate("document.querySelectorAll('#workers tbody tr').length")).isEqualTo("2");
        assertThat(browser.evaluate("document.querySelector('#workers tbody').textContent")).contains("epoll", "io_uring");
        assertThat(browser.problems()).as("console errors, CSP violations, exceptions").isEmpty();

        byte[] png = browser.screenshot();
        assertThat(png).hasSizeGreaterThan(10_000);
        Files.write(Child.moduleDir().resolve("target/engine-page.png"), png);
        if ("docs".equals(System.getProperty("uringhttpd.screenshot"))) {
            Files.write(Child.repoDir().resolve("docs/engine-page.png"), png);
        }
    }

    /** Prometheus's values at {@code epochSeconds}, waiting for both engines to have one. */
    private Map<String, Double> awaitPrometheus(int port, String promql, double epochSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, Double> values = Map.of();
        while (values.size() < 2 && System.nanoTime() < deadline) {
            try {
                values = PrometheusApi.byEngine(http, port, promql, epochSeconds);
            } catch (java.net.ConnectException notYet) {
                // still starting
            }
            if (values.size() < 2) {
                Thread.sleep(500);
            }
        }
        assertThat(values.keySet()).as("Prometheus on %s; %s", promql, prometheus.output()).containsExactlyInAnyOrder("epoll", "io_uring");
        return values;
    }

    @Test
    void withoutItsChartsThePageStillShowsTheNumbersAndTheJson() throws Exception {
        browser = Chromium.start(dir, 1200, 900);
        browser.call("Network.enable", "{}");
        browser.call("Network.setBlockedURLs", "{\"urls\":[\"*uPlot*\"]}");
        browser.navigate("http://127.0.0.1:" + metricsPort + "/");
        browser.await("Number(document.body.dataset.samples) >= 12", Duration.ofSeconds(40));
        assertThat(browser.evaluate("document.getElementById('raw').hidden")).isEqualTo("false");
        assertThat(browser.evaluate("document.getElementById('status').textContent")).contains("Charts unavailable");
        JsonPath raw = JsonPath.from(browser.evaluate("document.getElementById('raw-json').textContent"));
        assertThat(raw.getList("series.engine", String.class)).contains("epoll", "io_uring");
        assertThat(shown("io_uring", "syscalls_per_request")).isFinite().isPositive();
    }
}
