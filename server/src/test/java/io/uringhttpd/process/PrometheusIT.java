package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's package) scraping a real uring-httpd, one epoll and one io_uring
 * worker on the same port, under load: the comparison the metrics exist for, asked through
 * Prometheus's HTTP API as an engineer would ask it.
 */
class PrometheusIT {
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final Duration STARTUP = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Child server;
    private Child prometheus;
    private int port;
    private int metricsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void startServer() throws Exception {
        port = Child.freePort();
        metricsPort = Child.freePort();
        Path config = Child.twoEngineConfig(dir, port, metricsPort, null);
        server = Child.start(Child.jarCommand("--config", config.toString()), Child.moduleDir(), dir, "server", env -> {});
        server.awaitLine(" supervises ", STARTUP);
    }

    private String scrape(String accept) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .header("Accept", accept).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void promtoolFindsTheExpositionClean() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL), "promtool is not installed (Debian package prometheus)");
        startServer();
        for (int i = 0; i < 50; i++) {
            get();
        }
        String text = scrape("text/plain");
        assertThat(text).contains("uringhttpd_requests_total{").contains("engine=\"epoll\"").contains("engine=\"io_uring\"");
        Path file = dir.resolve("metrics.txt");
        Files.writeString(file, text);
        Child.Result r = Child.run(List.of("/bin/sh", "-c", PROMTOOL + " check metrics < " + file), dir, dir, "promtool",
                env -> {}, Duration.ofSeconds(30));
        assertThat(r.exit()).as("promtool check metrics: %s", r).isZero();
        assertThat(r.stdout() + r.stderr()).as("promtool's findings").isBlank();
    }

    /** The 2xx requests of every series in a scrape. */
    private long requestsServed() throws Exception {
        Matcher m = Pattern.compile("(?m)^uringhttpd_requests_total\\{class=\"2xx\"[^}]*} ([0-9.E]+)$").matcher(scrape("text/plain"));
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return (long) sum;
    }

    /** Scrapes until the requests served reach {@code expected} (the loops publish once a second), never seeing them go back. */
    private void awaitServed(long expected, long atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long served;
        while ((served = requestsServed()) != expected) {
            assertThat(served).as("a counter went back").isGreaterThanOrEqualTo(atLeast);
            assertThat(System.nanoTime()).as("requests served: %d of %d", served, expected).isLessThan(deadline);
            atLeast = served;
            Thread.sleep(100);
        }
    }

    /** What happens to the workers, given the master's pid; returns once new workers serve in their place. */
    private interface Disruption {
        void apply(ProcessHandle master) throws Exception;
    }

    /**
     * 100 requests, {@code disruption}, 100 more: the requests served never go back, and the
     * first 100 still count once the workers that served them are gone.
     */
    private void countersSurvive(Disruption disruption, String what) throws Exception {
        startServer();
        for (int i = 0; i < 100; i++) {
            get();
        }
        awaitServed(100, 0);
        long masterPid = Long.parseLong(Files.readString(dir.resolve("uring-httpd.pid")).strip());
        disruption.apply(ProcessHandle.of(masterPid).orElseThrow());
        assertThat(requestsServed()).as("the requests of %s still count", what).isEqualTo(100);
        for (int i = 0; i < 100; i++) {
            get();
        }
        awaitServed(200, 100);
    }

    /** Waits until {@code done}, checking meanwhile that the 100 requests served never go back. */
    private void awaitWhileServedStays(java.util.function.BooleanSupplier done, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            assertThat(requestsServed()).as("requests served while %s", what).isEqualTo(100);
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void countersGoOnWhenAWorkerIsKilledAndRespawned() throws Exception {
        countersSurvive(master -> {
            ProcessHandle victim = master.children().findFirst().orElseThrow();
            victim.destroyForcibly();
            awaitWhileServedStays(() -> master.children().filter(p -> p.pid() != victim.pid()).count() == 2,
                    "the killed worker is replaced");
        }, "the killed worker");
        // The engine page's workers table: the replacement under its own pid, one restart for its index.
        io.restassured.path.json.JsonPath doc = io.restassured.path.json.JsonPath.from(http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics.json")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(doc.getList("workers.restarts", Integer.class)).containsExactlyInAnyOrder(0, 1);
        assertThat(doc.getList("workers.pid", Long.class)).containsExactlyInAnyOrderElementsOf(
                ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("uring-httpd.pid")).strip())).orElseThrow()
                        .children().map(ProcessHandle::pid).toList());
        assertThat(doc.getList("workers.generation", Integer.class)).containsOnly(1);
    }

    @Test
    void countersGoOnAcrossAReload() throws Exception {
        countersSurvive(master -> {
            assertThat(io.uringhttpd.sys.Processes.kill((int) master.pid(), io.uringhttpd.sys.Signals.SIGHUP)).isZero();
            server.awaitLine("reloaded: ", STARTUP);
            // The old workers retire and exit; the new ones claim fresh slots.
            awaitWhileServedStays(() -> master.children().count() == 2, "the old workers retire");
        }, "the retired workers");
    }

    @Test
    void prometheusGetsSyscallsPerRequestForEachEngine() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PrometheusApi.PROMETHEUS), "prometheus is not installed (Debian package prometheus)");
        startServer();
        int prometheusPort = Child.freePort();
        prometheus = PrometheusApi.start(dir, metricsPort, prometheusPort);

        KeepAliveLoad load = new KeepAliveLoad(port, 16);
        String query = PrometheusApi.SYSCALLS_PER_REQUEST;
        Map<String, Double> perRequest = new TreeMap<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (perRequest.size() < 2) {
                if (System.nanoTime() > deadline) {
                    fail("Prometheus gave no syscalls-per-request for both engines: %s; prometheus: %s; server: %s",
                            perRequest, prometheus.output(), server.output());
                }
                Thread.sleep(1000);
                try {
                    perRequest = query(prometheusPort, query);
                } catch (java.net.ConnectException notYet) {
                    // Prometheus still starting (slow on a loaded machine): ask again
                }
            }
            // The compose demo's dashboard asks the same Prometheus: every panel gets data.
            for (String expr : dashboardQueries()) {
                long panelDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                int series;
                while ((series = seriesCount(prometheusPort, expr)) == 0 && System.nanoTime() < panelDeadline) {
                    Thread.sleep(1000);
                }
                assertThat(series).as("series returned for the dashboard's %s", expr).isPositive();
            }
        } finally {
            load.close();
        }
        assertThat(perRequest.keySet()).containsExactly("epoll", "io_uring");
        assertThat(perRequest.values()).allSatisfy(v -> assertThat(v).isFinite().isPositive());
        // The point of the comparison: the proactor needs fewer syscalls per request than the reactor.
        assertThat(perRequest.get("io_uring")).isLessThan(perRequest.get("epoll"));
    }

    /** The PromQL of every panel of docker/grafana/dashboards/uring-httpd.json. */
    @SuppressWarnings("unchecked")
    private static List<String> dashboardQueries() throws IOException {
        // JSON is YAML: SnakeYAML reads the dashboard without another parser.
        Map<String, Object> dashboard = new org.yaml.snakeyaml.Yaml().load(
                Files.readString(Child.repoDir().resolve("docker/grafana/dashboards/uring-httpd.json")));
        List<String> queries = new ArrayList<>();
        for (Map<String, Object> panel : (List<Map<String, Object>>) dashboard.get("panels")) {
            for (Map<String, Object> target : (List<Map<String, Object>>) panel.get("targets")) {
                queries.add((String) target.get("expr"));
            }
        }
        assertThat(queries).hasSizeGreaterThan(5);
        return queries;
    }

    /** Instant query: how many series the result has (0 when the query failed). */
    private int seriesCount(int prometheusPort, String promql) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort
                + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).as("Prometheus on %s", promql).doesNotContain("\"status\":\"error\"");
        Matcher m = Pattern.compile("\"metric\":").matcher(r.body());
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private Map<String, Double> query(int prometheusPort, String promql) throws Exception {
        return PrometheusApi.byEngine(http, prometheusPort, promql);
    }

    private void get() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.getOutputStream().write("GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        }
    }
}
