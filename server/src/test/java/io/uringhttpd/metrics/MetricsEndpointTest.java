package io.uringhttpd.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The endpoint over a real socket: formats, methods, paths, and what promtool says of the output. */
class MetricsEndpointTest {
    private final List<SlotSnapshot> slots = new ArrayList<>();
    private MetricsEndpoint endpoint;
    private String url;

    @BeforeEach
    void start() throws IOException {
        slots.add(MetricsAggregatorTest.slot(0, 1, 0, "epoll", true, 10, 2));
        slots.add(MetricsAggregatorTest.slot(1, 1, 1, "io_uring", true, 7, 3));
        EndpointSettings config = new EndpointSettings("127.0.0.1", 0, "/metrics");
        endpoint = MetricsEndpoint.start(config, new MetricsAggregator(() -> List.copyOf(slots)),
                () -> List.of(new WorkerStatus(0, 4242, "epoll", 1, 1_000, 0, true),
                        new WorkerStatus(1, 4243, "io_uring", 2, 2_000, 3, false)), "master");
        url = "http://127.0.0.1:" + endpoint.port() + "/metrics";
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    @Test
    void servesTheTextFormatWithEveryWorkersSeries() {
        String body = given().get(url).then().statusCode(200)
                .header("Content-Type", equalTo(MetricsEndpoint.TEXT_FORMAT))
                .extract().asString();
        assertThat(body)
                .contains("# TYPE uringhttpd_requests_total counter")
                .contains("uringhttpd_requests_total{class=\"2xx\",engine=\"epoll\",worker=\"0\"} 10.0")
                .contains("uringhttpd_requests_total{class=\"2xx\",engine=\"io_uring\",worker=\"1\"} 7.0")
                .contains("uringhttpd_connections_active{engine=\"io_uring\",worker=\"1\"} 3.0")
                .contains("uringhttpd_syscalls_total{engine=\"epoll\",syscall=\"epoll_wait\",worker=\"0\"}")
                .contains("uringhttpd_loop_cpu_seconds_total{engine=\"epoll\",mode=\"user\",worker=\"0\"}")
                .contains("# TYPE uringhttpd_request_duration_seconds histogram")
                // Buckets come out cumulative: the 10 durations sit in the third bucket (<= 50 us).
                .contains("uringhttpd_request_duration_seconds_bucket{engine=\"epoll\",worker=\"0\",le=\"2.5E-5\"} 0")
                .contains("uringhttpd_request_duration_seconds_bucket{engine=\"epoll\",worker=\"0\",le=\"5.0E-5\"} 10")
                .contains("uringhttpd_request_duration_seconds_bucket{engine=\"epoll\",worker=\"0\",le=\"+Inf\"} 10")
                .contains("uringhttpd_request_duration_seconds_count{engine=\"epoll\",worker=\"0\"} 10")
                // The serving JVM's own figures, from Micrometer's binders.
                .contains("jvm_memory_used_bytes{area=\"heap\"")
                .containsPattern("jvm_threads_live_threads\\{worker=\"master\"} \\d");
    }

    @Test
    void servesTheEnginePageFromTheJarWithARestrictiveContentSecurityPolicy() {
        String base = url.replace("/metrics", "");
        String html = given().get(base + "/").then().statusCode(200)
                .header("Content-Type", equalTo("text/html; charset=utf-8"))
                .header("Content-Security-Policy", equalTo(EnginePage.CONTENT_SECURITY_POLICY))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .extract().asString();
        // Every script and style sheet it names is served here, and nothing comes from elsewhere.
        assertThat(html).contains("src=\"page.js\"", "src=\"uPlot.iife.min.js\"", "href=\"page.css\"",
                "href=\"uPlot.min.css\"").doesNotContain("http://", "https://", "<script>", "style=");
        assertThat(EnginePage.CONTENT_SECURITY_POLICY).contains("default-src 'none'", "script-src 'self'")
                .doesNotContain("unsafe");
        given().get(base + "/page.js").then().statusCode(200).header("Content-Type", equalTo("text/javascript; charset=utf-8"))
                .body(containsString("metrics.json"));
        given().get(base + "/uPlot.iife.min.js").then().statusCode(200).body(containsString("uPlot"));
        given().get(base + "/uPlot.min.css").then().statusCode(200).header("Content-Type", equalTo("text/css; charset=utf-8"));
        given().get(base + "/page.css").then().statusCode(200);
        given().head(base + "/").then().statusCode(200).body(emptyString());
        given().post(base + "/").then().statusCode(405);
        given().get(base + "/index.html").then().statusCode(404);
        given().get(base + "/../pom.properties").then().statusCode(404);
    }

    @Test
    void aMetricsPathOfSlashKeepsPrometheusThere() throws IOException {
        try (MetricsEndpoint atRoot = MetricsEndpoint.start(new EndpointSettings("127.0.0.1", 0, "/"),
                new MetricsAggregator(() -> List.copyOf(slots)), List::of, "master")) {
            String base = "http://127.0.0.1:" + atRoot.port();
            given().get(base + "/").then().statusCode(200).header("Content-Type", equalTo(MetricsEndpoint.TEXT_FORMAT));
            given().get(base + "/page.js").then().statusCode(200);
            given().get(base + "/metrics.json").then().statusCode(200).header("Content-Type", equalTo("application/json"));
        }
    }

    @Test
    void metricsJsonHasTheSameCountersAndTheWorkers() {
        String json = given().get(url + ".json").then().statusCode(200)
                .header("Content-Type", equalTo("application/json")).header("Cache-Control", equalTo("no-store"))
                .extract().asString();
        io.restassured.path.json.JsonPath doc = io.restassured.path.json.JsonPath.from(json);
        assertThat(doc.getLong("timeMs")).isCloseTo(System.currentTimeMillis(), org.assertj.core.api.Assertions.within(60_000L));
        assertThat(doc.getList("workers.pid", Integer.class)).containsExactly(4242, 4243);
        assertThat(doc.getList("workers.restarts", Integer.class)).containsExactly(0, 3);
        assertThat(doc.getList("workers.serving", Boolean.class)).containsExactly(true, false);
        assertThat(doc.getList("series.engine", String.class)).containsExactly("epoll", "io_uring");
        assertThat(doc.getLong("series[0].counters.uringhttpd_requests_total.2xx")).isEqualTo(10);
        assertThat(doc.getLong("series[1].counters.uringhttpd_requests_total.2xx")).isEqualTo(7);
        assertThat(doc.getLong("series[1].gauges.uringhttpd_connections_active")).isEqualTo(3);
        assertThat(doc.getMap("series[0].counters.uringhttpd_syscalls_total")).containsKeys("epoll_wait", "io_uring_enter");
        assertThat(doc.getList("series[0].histograms.uringhttpd_request_duration_seconds.counts", Integer.class)
                .stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
        assertThat(doc.getList("series[0].histograms.uringhttpd_request_duration_seconds.le")).last().isEqualTo("+Inf");
        // Every counter of the schema is there, under its Prometheus name.
        for (MetricsSchema.Series series : MetricsSchema.COUNTERS) {
            String path = "series[0].counters." + series.name() + (series.labelKey() == null ? "" : "." + series.labelValue());
            assertThat(doc.get(path) != null).as(path).isTrue();
        }
    }

    @Test
    void servesOpenMetricsWhenAsked() {
        given().header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
                .get(url).then().statusCode(200)
                .header("Content-Type", equalTo(MetricsEndpoint.OPENMETRICS_FORMAT))
                .body(containsString("# TYPE uringhttpd_requests counter"), endsWith("# EOF\n"));
    }

    @Test
    void headHasNoBodyOtherMethodsAndPathsAreRefused() {
        given().head(url).then().statusCode(200).header("Content-Type", equalTo(MetricsEndpoint.TEXT_FORMAT))
                .body(emptyString());
        given().post(url).then().statusCode(405).header("Allow", equalTo("GET, HEAD"));
        given().get(url.replace("/metrics", "/other")).then().statusCode(404);
        given().get(url + "/more").then().statusCode(404);
    }

    @Test
    void promtoolFindsNothingWrong(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")), "promtool not installed (Debian package prometheus)");
        Path scrape = dir.resolve("scrape.txt");
        Files.writeString(scrape, given().get(url).then().statusCode(200).extract().asString());
        Process p = new ProcessBuilder("/usr/bin/promtool", "check", "metrics")
                .redirectInput(scrape.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(said).as("promtool check metrics").isEmpty();
        assertThat(p.exitValue()).isZero();
    }
}
