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
        endpoint = MetricsEndpoint.start(config, new MetricsAggregator(() -> List.copyOf(slots)), List::of, "master");
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
