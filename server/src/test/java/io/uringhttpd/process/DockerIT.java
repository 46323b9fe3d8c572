package io.uringhttpd.process;

import static io.uringhttpd.process.DockerCli.docker;
import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.process.DockerCli.Container;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The image as users build and run it: docker/Dockerfile built from the repository, unmodified,
 * run by a real Docker engine with the shipped seccomp profile, configuration and compose file.
 *
 * <p>Where Docker Hub cannot be reached, docker/test-fixture/stand-in-images.sh first builds
 * stand-ins for the base images under their real names (Debian with exactly the Temurin images'
 * packages and this machine's JDK 25). Every container runs with {@code --network host} and
 * listens on 127.0.0.1 ports chosen here (URING_HTTPD_LISTEN, read by the image's configuration
 * and its HEALTHCHECK): no traffic leaves loopback, nothing talks to a bridge address.
 *
 * <p>Skipped, saying why, only when no Docker daemon answers.
 */
class DockerIT {
    private static final String IMAGE = "uring-httpd:docker-it";
    private static final Duration BUILD = Duration.ofMinutes(15);
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void buildTheImage() throws Exception {
        String why = DockerCli.unavailableBecause();
        Assumptions.assumeTrue(why == null, why);
        Path repo = Child.repoDir();
        DockerCli.run(BUILD, repo, List.of("docker/test-fixture/stand-in-images.sh")).orFail("stand-in base images");
        // The Dockerfile as shipped; the legacy builder and BuildKit both read it.
        docker(BUILD, "build", "-q", "-f", repo.resolve("docker/Dockerfile").toString(), "-t", IMAGE, repo.toString())
                .orFail("docker build -f docker/Dockerfile");
    }

    /** A container of the image on 127.0.0.1:port (HTTP) and metricsPort, with extra {@code docker run} options. */
    private record Served(Container container, int port, int metricsPort) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            container.close();
        }
    }

    private Served start(List<String> options, String... serverArgs) throws Exception {
        int port = Child.freePort();
        int metricsPort = Child.freePort();
        List<String> args = new ArrayList<>(List.of("--network", "host",
                "-e", "URING_HTTPD_LISTEN=127.0.0.1:" + port, "-e", "URING_HTTPD_METRICS_LISTEN=127.0.0.1:" + metricsPort));
        args.addAll(options);
        args.add(IMAGE);
        args.addAll(List.of(serverArgs));
        Container c = Container.run("uring-httpd-it-" + ThreadLocalRandom.current().nextInt(1 << 30), args);
        try {
            c.awaitLog(" supervises ", STARTUP);
        } catch (AssertionError | Exception e) {
            c.close();
            throw e;
        }
        return new Served(c, port, metricsPort);
    }

    private static List<String> ourProfile() {
        return List.of("--security-opt", "seccomp=" + Child.repoDir().resolve("docker/seccomp-io_uring.json"));
    }

    private int get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The Content-Encoding of a GET with that Accept-Encoding ("" for none). */
    private String contentEncoding(int port, String path, String acceptEncoding) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .header("Accept-Encoding", acceptEncoding).build(), HttpResponse.BodyHandlers.discarding())
                .headers().firstValue("Content-Encoding").orElse("");
    }

    private static String engineOf(String logs) {
        return logs.lines().filter(l -> l.contains(" started: engine ")).findFirst().orElseThrow()
                .replaceAll(".* started: engine ([a-z_]+).*", "$1");
    }

    @Test
    void withDockersDefaultProfileItServes() throws Exception {
        try (Served s = start(List.of())) {
            assertThat(get(s.port(), "/")).isEqualTo(200);
            String logs = s.container().logs();
            // Docker 20.10's default profile allows io_uring; Docker >= 25's refuses it, and the
            // server then says why in one line and serves with epoll.
            if (engineOf(logs).equals("epoll")) {
                assertThat(logs).contains("engine = auto", "serving with the epoll reactor");
            }
        }
    }

    @Test
    void withOurProfileItServesOnIoUringBecomesHealthyAndRunsAsUser10001() throws Exception {
        try (Served s = start(ourProfile())) {
            Container c = s.container();
            assertThat(engineOf(c.logs())).isEqualTo("io_uring");
            assertThat(get(s.port(), "/index.html")).isEqualTo(200);
            assertThat(get(s.metricsPort(), "/metrics")).isEqualTo(200);
            // The demo site's sidecars, and both native libraries bound (no "not offered" warning).
            assertThat(contentEncoding(s.port(), "/style.css", "br;q=1, gzip;q=0.8")).isEqualTo("br");
            assertThat(contentEncoding(s.port(), "/app.js", "zstd")).isEqualTo("zstd");
            assertThat(c.logs()).doesNotContain("cannot be loaded");
            // The HEALTHCHECK's first probe runs after its 10 s interval.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String health;
            while (!(health = c.inspect("{{.State.Health.Status}}")).equals("healthy") && System.nanoTime() < deadline) {
                assertThat(health).as("health (%s)", c.inspect("{{json .State.Health}}")).isIn("starting", "healthy");
                Thread.sleep(500);
            }
            assertThat(health).as("%s", c.inspect("{{json .State.Health}}")).isEqualTo("healthy");
            // Every process of the container: the master and its workers.
            List<String> processes = docker(Duration.ofSeconds(30), "top", c.name, "-eo", "pid,uid,comm").orFail("docker top")
                    .output().lines().skip(1).filter(l -> !l.isBlank()).toList();
            assertThat(processes).as("master and workers").hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(l -> assertThat(l.strip().split("\\s+")[1]).as(l).isEqualTo("10001"));
            // Nothing was written outside /tmp (the pid file, the JVM's perf data).
            List<String> changed = docker(Duration.ofSeconds(30), "diff", c.name).orFail("docker diff").output().lines()
                    .filter(l -> !l.isBlank()).map(l -> l.substring(2)).toList();
            assertThat(changed).allSatisfy(p -> assertThat(p).matches("/tmp(/.*)?"));
        }
    }

    @Test
    void withOurProfileWithoutIoUringItFallsBackToEpollSayingWhy() throws Exception {
        // The shipped profile with the io_uring names taken out of its lists (a JSON edit of the text).
        String json = Files.readString(Child.repoDir().resolve("docker/seccomp-io_uring.json"))
                .replaceAll("\\s*\"io_uring_[a-z]+\",?", "").replaceAll(",(\\s*])", "$1");
        Map<?, ?> profile = new Yaml().load(json);
        assertThat(profile.toString()).contains("epoll_wait").doesNotContain("io_uring_");
        Path withoutIoUring = dir.resolve("seccomp-without-io_uring.json");
        Files.writeString(withoutIoUring, json);
        try (Served s = start(List.of("--security-opt", "seccomp=" + withoutIoUring))) {
            String logs = s.container().logs();
            assertThat(engineOf(logs)).isEqualTo("epoll");
            // One line per worker process (workers = auto: one per CPU).
            assertThat(logs.lines().filter(l -> l.contains("engine = auto")).toList()).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).contains("WARN", "io_uring", "EPERM", "seccomp", "serving with the epoll reactor"))
                    .extracting(l -> l.replaceAll(".*\\[(worker-[0-9]+) .*", "$1")).doesNotHaveDuplicates();
            assertThat(get(s.port(), "/")).isEqualTo(200);
        }
    }

    @Test
    void onAReadOnlyRootWithATmpfsItServes() throws Exception {
        List<String> options = new ArrayList<>(ourProfile());
        options.addAll(List.of("--read-only", "--tmpfs", "/tmp"));
        try (Served s = start(options)) {
            assertThat(get(s.port(), "/")).isEqualTo(200);
            assertThat(get(s.metricsPort(), "/metrics")).isEqualTo(200);
            assertThat(s.container().logs()).doesNotContain("Read-only file system").doesNotContain("EROFS")
                    .doesNotContain(" ERROR ");
        }
    }

    /** A site the container's user (10001) can read: the demo's index and a large file. */
    private Path siteWithLargeFile(long bytes) throws IOException {
        Path site = dir.resolve("site");
        Files.createDirectories(site);
        Files.copy(Child.repoDir().resolve("www/index.html"), site.resolve("index.html"));
        try (RandomAccessFile f = new RandomAccessFile(site.resolve("large.bin").toFile(), "rw")) {
            f.setLength(bytes);
        }
        for (Path p : List.of(dir, site)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (String f : List.of("index.html", "large.bin")) {
            Files.setPosixFilePermissions(site.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
        }
        return site;
    }

    @Test
    void dockerStopLetsALargeDownloadCompleteAndExitsZero() throws Exception {
        long size = 256L << 20;
        Path site = siteWithLargeFile(size);
        List<String> options = new ArrayList<>(ourProfile());
        options.addAll(List.of("-v", site + ":/srv/www:ro"));
        try (Served s = start(options); Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", s.port()), 5000);
            socket.getOutputStream().write("GET /large.bin HTTP/1.1\r\nHost: it\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            long headEnd = readHead(in);
            byte[] buffer = new byte[1 << 16];
            long body = 0;
            while (body < (1 << 20)) {
                int n = in.read(buffer);
                assertThat(n).isPositive();
                body += n;
            }
            // docker stop: SIGTERM, and SIGKILL only after 60 s; the download is under way.
            ExecutorService stopper = Executors.newSingleThreadExecutor();
            long stopAt = System.nanoTime();
            Future<DockerCli.Result> stop = stopper.submit(() -> docker(Duration.ofSeconds(90), "stop", "-t", "60", s.container().name));
            Thread.sleep(1500);   // the master has forwarded SIGTERM: the workers are retiring
            for (int n; (n = in.read(buffer)) > 0; ) {
                body += n;
            }
            assertThat(body).as("body bytes after a head of %d", headEnd).isEqualTo(size);
            stop.get().orFail("docker stop");
            double stopSeconds = (System.nanoTime() - stopAt) / 1e9;
            stopper.shutdown();
            assertThat(s.container().inspect("{{.State.ExitCode}}")).isEqualTo("0");
            // shutdown-timeout is 10 s: the stop ends well before it once the download is done.
            assertThat(stopSeconds).isLessThan(10.0);
        }
    }

    /** Reads a response head; returns its length. The response must be 200 with Content-Length. */
    private static long readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("response head so far: %s", head).isNotNegative();
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200 ").contains("Content-Length: ");
        return head.length();
    }

    @Test
    void hupReloadsWithoutAFailedRequestAndUsr1ReopensTheLog() throws Exception {
        try (Served s = start(ourProfile())) {
            Container c = s.container();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger served = new AtomicInteger();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            ExecutorService load = Executors.newFixedThreadPool(4);
            for (int t = 0; t < 4; t++) {
                load.submit(() -> {
                    // Bounded: at most 60 s of requests, whatever happens to the container.
                    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!stop.get() && System.nanoTime() < end) {
                        try {
                            int status = get(s.port(), "/index.html");
                            if (status == 200) {
                                served.incrementAndGet();
                            } else {
                                failures.add("status " + status);
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(500);
            c.signal("HUP");
            assertThat(c.awaitLog("reloaded: ", STARTUP)).contains("2 new worker(s) serve");
            int before = served.get();
            Thread.sleep(1000);
            stop.set(true);
            load.shutdown();
            assertThat(load.awaitTermination(90, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(failures).as("failed requests across the reload").isEmpty();
            assertThat(served.get()).as("requests served after the reload").isGreaterThan(before);
            assertThat(c.logs()).contains("generation 2");

            // USR1: the access log (standard output here) is reopened and keeps logging.
            c.signal("USR1");
            c.awaitLog("SIGUSR1: workers reopen their log files", STARTUP);
            String marker = "/after-reopen-" + ThreadLocalRandom.current().nextInt(1 << 30);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!c.logs().contains(marker) && System.nanoTime() < deadline) {
                assertThat(get(s.port(), marker)).isEqualTo(404);
                Thread.sleep(500);
            }
            assertThat(c.logs()).as("an access log line after the reopen").contains("GET " + marker);
            assertThat(c.logs()).doesNotContain(" ERROR ");
        }
    }

    @Test
    void theComposeStackServesAndPrometheusAnswersSyscallsPerRequestPerEngine() throws Exception {
        Path compose = Child.repoDir().resolve("docker");
        int port = Child.freePort();
        int metricsPort = Child.freePort();
        int prometheusPort = Child.freePort();
        // The shipped Prometheus configuration, pointed at the metrics port on loopback.
        Path prometheusYml = dir.resolve("prometheus.yml");
        String shipped = Files.readString(compose.resolve("prometheus/prometheus.yml"));
        assertThat(shipped).contains("127.0.0.1:9145");
        Files.writeString(prometheusYml, shipped
                .replace("127.0.0.1:9145", "127.0.0.1:" + metricsPort));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(prometheusYml, PosixFilePermissions.fromString("rw-r--r--"));
        Path override = dir.resolve("scrape-here.yaml");
        Files.writeString(override, """
                services:
                  prometheus:
                    volumes:
                      - %s:/etc/prometheus/prometheus.yml:ro
                """.formatted(prometheusYml));
        // The stack uses the host's network; these move its listeners to free ports on 127.0.0.1.
        Map<String, String> env = Map.of("URING_HTTPD_LISTEN", "127.0.0.1:" + port,
                "URING_HTTPD_METRICS_LISTEN", "127.0.0.1:" + metricsPort, "PROMETHEUS_LISTEN", "127.0.0.1:" + prometheusPort);
        String project = "uringhttpdit" + ThreadLocalRandom.current().nextInt(1 << 20);
        List<String> composeCommand = List.of("docker-compose", "-p", project, "-f", "compose.yaml", "-f", override.toString());
        Assumptions.assumeTrue(DockerCli.run(Duration.ofSeconds(30), compose, List.of("docker-compose", "version")).exit() == 0,
                "docker-compose is not installed (Debian package docker-compose)");
        try {
            // Grafana has no Debian package, so no stand-in: the stack comes up without it (and without wrk: the load is ours).
            // compose builds the image itself from docker/Dockerfile (the layers of the build above are reused).
            DockerCli.run(BUILD, compose, concat(composeCommand, "up", "-d", "--build", "uring-httpd", "prometheus"), env)
                    .orFail("docker-compose up");
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            Map<String, Double> perRequest = Map.of();
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < 200; i++) {
                    try {
                        getOnANewConnection(port);
                    } catch (IOException notYet) {
                        Thread.sleep(200);
                        break;
                    }
                }
                try {
                    perRequest = PrometheusApi.byEngine(http, prometheusPort, PrometheusApi.SYSCALLS_PER_REQUEST);
                } catch (IOException notYet) {
                    // Prometheus still starting
                }
                if (perRequest.keySet().containsAll(Set.of("epoll", "io_uring"))) {
                    break;
                }
                Thread.sleep(250);
            }
            if (!perRequest.keySet().containsAll(Set.of("epoll", "io_uring"))) {
                String logs = DockerCli.run(Duration.ofSeconds(60), compose, concat(composeCommand, "logs", "--no-color", "--tail", "30"), env).output();
                assertThat(perRequest).as("syscalls per request by engine, through Prometheus's HTTP API; the stack's logs:%n%s", logs)
                        .containsKeys("epoll", "io_uring");
            }
            assertThat(perRequest.values()).allSatisfy(v -> assertThat(v).isPositive());
        } finally {
            DockerCli.run(Duration.ofMinutes(2), compose, concat(composeCommand, "down", "-v", "--timeout", "20"), env);
        }
    }

    /** One GET on its own connection: SO_REUSEPORT spreads connections, not requests, over the workers. */
    private static void getOnANewConnection(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.getOutputStream().write("GET /index.html HTTP/1.1\r\nHost: it\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        }
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }
}
