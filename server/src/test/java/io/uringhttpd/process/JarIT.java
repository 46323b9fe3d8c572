package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, run as its own process with the shipped config/uring-httpd.conf, serving the
 * repository's www/ on a free port of 127.0.0.1: what a user gets from the README's quick start.
 */
class JarIT {
    private static final Duration STARTUP = Duration.ofSeconds(20);
    private static final Pattern STARTED = Pattern.compile(
            "uring-httpd (\\S+) started: engine (\\S+), listen \\[([^]]*)], root (.+), loops (\\d+), pid (\\d+)$");

    @TempDir
    Path dir;

    private Child server;
    private Child other;
    private int port;
    private Path pidFile;
    private Path accessLog;
    private String startedLine;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        pidFile = dir.resolve("run/uring-httpd.pid");
        accessLog = dir.resolve("logs/access.log");
        // The free port may be taken between our check and the server's bind: one retry with another.
        for (int attempt = 1; ; attempt++) {
            port = Child.freePort();
            server = Child.start(Child.jarCommand("--config", Child.shippedConfig().toString(),
                            "--set", "uring-httpd.listen=[\"127.0.0.1:" + port + "\"]",
                            "--set", "uring-httpd.pid-file=\"" + pidFile + "\"",
                            "--set", "uring-httpd.access-log.path=\"" + accessLog + "\"",
                            "--set", "uring-httpd.metrics.enabled=false"),
                    Child.moduleDir(), dir, "server-" + attempt, env -> {});
            startedLine = awaitStartedOrExit();
            if (startedLine != null) {
                return;
            }
            if (attempt == 2 || !server.stderr().contains("EADDRINUSE")) {
                fail("the server did not start (exit %d); %s", server.process.exitValue(), server.output());
            }
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (other != null) {
            other.close();
        }
    }

    /** The startup line, or null when the process ended first. */
    private String awaitStartedOrExit() throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : server.stderr().lines().toList()) {
                if (STARTED.matcher(line).find()) {
                    return line;
                }
            }
            if (!server.process.isAlive()) {
                return null;
            }
            Thread.sleep(20);
        }
        fail("no startup line within %s; %s", STARTUP, server.output());
        return null;
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static Path www() {
        return Child.repoDir().resolve("www");
    }

    @Test
    void servesTheDemoIndexAndEverythingItLinks() throws Exception {
        HttpResponse<byte[]> index = get("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        String html = new String(index.body(), StandardCharsets.UTF_8);
        assertThat(html).contains("uring-httpd");
        assertThat(index.body()).isEqualTo(Files.readAllBytes(www().resolve("index.html")));

        // What a browser loads next: the stylesheet, the script, the images.
        List<String> linked = new ArrayList<>();
        linked.addAll(attributes(html, "<link rel=\"stylesheet\" href=\"([^\"]+)\""));
        linked.addAll(attributes(html, "<script src=\"([^\"]+)\""));
        linked.addAll(attributes(html, "<img [^>]*src=\"([^\"]+)\""));
        linked.addAll(attributes(html, "<link rel=\"icon\" href=\"([^\"]+)\""));
        assertThat(linked).contains("/style.css").anyMatch(s -> s.endsWith(".js")).anyMatch(s -> s.endsWith(".svg"));

        Map<String, String> types = Map.of("css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8",
                "svg", "image/svg+xml; charset=utf-8", "png", "image/png");
        for (String path : linked) {
            assertThat(path).as("the demo site links its own files by absolute path").startsWith("/");
            HttpResponse<byte[]> r = get(path);
            byte[] file = Files.readAllBytes(www().resolve(path.substring(1)));
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).as(path)
                    .hasValue(types.get(path.substring(path.lastIndexOf('.') + 1)));
            assertThat(r.headers().firstValueAsLong("Content-Length")).as(path).hasValue(file.length);
            assertThat(r.body()).as(path).isEqualTo(file);
        }
    }

    private static List<String> attributes(String html, String regex) {
        List<String> values = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(html);
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }

    @Test
    void startupLineNamesVersionEngineListenRootLoopsAndPid() throws Exception {
        Matcher m = STARTED.matcher(startedLine);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).as("version").isEqualTo(Child.jarVersion());
        // engine = auto: io_uring when the probe line said it is available, else epoll with a warning.
        boolean uring = server.stderr().contains("io_uring available");
        assertThat(m.group(2)).as("engine").isEqualTo(uring ? "io_uring" : "epoll");
        assertThat(m.group(3)).as("listen").isEqualTo("127.0.0.1:" + port);
        assertThat(Path.of(m.group(4)).toRealPath()).as("root").isEqualTo(www().toRealPath());
        assertThat(Integer.parseInt(m.group(5))).as("loops").isPositive();
        assertThat(Long.parseLong(m.group(6))).as("pid").isEqualTo(server.process.pid());
        assertThat(server.stdout()).as("stdout stays free for command output").isEmpty();
    }

    /**
     * Plain {@code java -jar}: the master executes itself again with master-java-options, keeping its
     * pid (the startup line and the pid file say the pid the test started); its command line now
     * carries them. Started with a JVM option of its own, it keeps its command line as it was.
     */
    @Test
    void aMasterStartedBareRunsWithMasterJavaOptionsUnderItsOwnPid() throws Exception {
        server.awaitLine("supervises", STARTUP);
        assertThat(server.stderr()).contains("the master runs with master-java-options");
        String cmdline = Files.readString(Path.of("/proc/" + server.process.pid() + "/cmdline")).replace('\0', ' ');
        assertThat(cmdline).contains("-XX:TieredStopAtLevel=1", "-Xmx32m", "io.uringhttpd.Main", "--config");
        assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(server.process.pid()));
        assertThat(get("/").statusCode()).isEqualTo(200);

        List<String> withOptions = new ArrayList<>(Child.jarCommand("--config", Child.shippedConfig().toString(),
                "--set", "uring-httpd.listen=[\"127.0.0.1:0\"]",
                "--set", "uring-httpd.pid-file=\"" + dir.resolve("own.pid") + "\"",
                "--set", "uring-httpd.access-log.enabled=false",
                "--set", "uring-httpd.metrics.enabled=false"));
        withOptions.add(1, "-Xmx64m");
        other = Child.start(withOptions, Child.moduleDir(), dir, "own-options", env -> {});
        assertThat(other.awaitLine("supervises", STARTUP)).doesNotContain("master-java-options");
        String own = Files.readString(Path.of("/proc/" + other.process.pid() + "/cmdline")).replace('\0', ' ');
        assertThat(own).contains("-Xmx64m", "-jar").doesNotContain("TieredStopAtLevel");
    }

    @Test
    void workersShareAClassArchiveTheirJvmsWroteAtExitAndTheMasterMapsItToo() throws Exception {
        Path archiveDir = dir.resolve("archive");
        List<String> command = Child.jarCommand("--config", Child.shippedConfig().toString(),
                "--set", "uring-httpd.listen=[\"127.0.0.1:0\"]", "--set", "uring-httpd.workers=2",
                "--set", "uring-httpd.pid-file=\"" + dir.resolve("archive.pid") + "\"",
                "--set", "uring-httpd.access-log.enabled=false", "--set", "uring-httpd.metrics.enabled=false",
                "--set", "uring-httpd.worker-class-archive=\"" + archiveDir + "\"");
        other = Child.start(command, Child.moduleDir(), dir, "archive-1", env -> {});
        other.awaitLine("supervises", STARTUP);
        assertThat(mapsOf(other)).as("nothing to map before a worker wrote it").noneMatch(m -> m.contains(archiveDir.toString()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archiveDir))).isEqualTo("rwx------");
        assertThat(archiveDir).isEmptyDirectory();

        long t0 = System.nanoTime();
        other.process.destroy();
        assertThat(other.process.waitFor(Child.STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS))
                .as("stopped within %s while its workers wrote the archive; %s", Child.STOP_GRACE, other.output()).isTrue();
        long stopMs = (System.nanoTime() - t0) / 1_000_000;
        List<Path> written;
        try (var files = Files.list(archiveDir)) {
            written = files.toList();
        }
        assertThat(written).as("written by the workers' JVMs as they exited (%d ms)", stopMs).hasSize(1);
        Path archive = written.getFirst();
        assertThat(archive.getFileName().toString()).matches("worker-[0-9a-f]{8}-[0-9a-f]{8}\\.jsa");
        assertThat(Files.size(archive)).isGreaterThan(1 << 20);

        other = Child.start(command, Child.moduleDir(), dir, "archive-2", env -> {});
        other.awaitLine("supervises", STARTUP);
        List<String> maps = mapsOf(other);
        assertThat(maps).as("master and both workers map it: %s", other.output()).hasSize(3)
                .allMatch(m -> m.contains(archive.toString()));
        assertThat(other.output()).doesNotContain("[cds", "[aot", "[warning]", "[error]");
        assertThat(other.stdout()).isEmpty();
    }

    /** /proc/PID/maps of the master and each of its workers. */
    private static List<String> mapsOf(Child master) throws IOException {
        List<String> maps = new ArrayList<>();
        maps.add(Files.readString(Path.of("/proc/" + master.process.pid() + "/maps")));
        for (ProcessHandle worker : master.process.toHandle().children().toList()) {
            maps.add(Files.readString(Path.of("/proc/" + worker.pid() + "/maps")));
        }
        return maps;
    }

    @Test
    void portZeroIsLoggedAsThePortActuallyBound() throws Exception {
        other = Child.start(Child.jarCommand("--config", Child.shippedConfig().toString(),
                        "--set", "uring-httpd.listen=[\"127.0.0.1:0\"]",
                        "--set", "uring-httpd.pid-file=\"" + dir.resolve("other.pid") + "\"",
                        "--set", "uring-httpd.access-log.enabled=false",
                        "--set", "uring-httpd.metrics.enabled=false"),
                Child.moduleDir(), dir, "port-zero", env -> {});
        Matcher m = STARTED.matcher(other.awaitLine(" started: ", STARTUP));
        assertThat(m.find()).isTrue();
        assertThat(m.group(3)).as("a user must learn the port from the log").matches("127\\.0\\.0\\.1:[1-9]\\d*");
        int boundPort = Integer.parseInt(m.group(3).substring("127.0.0.1:".length()));
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + boundPort + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void ioUringEngineStartsLogsItsProbeAndServes() throws Exception {
        other = Child.start(Child.jarCommand("--config", Child.shippedConfig().toString(),
                        "--set", "uring-httpd.listen=[\"127.0.0.1:0\"]",
                        "--set", "uring-httpd.engine=io_uring",
                        "--set", "uring-httpd.pid-file=\"" + dir.resolve("uring.pid") + "\"",
                        "--set", "uring-httpd.access-log.enabled=false",
                        "--set", "uring-httpd.metrics.enabled=false"),
                Child.moduleDir(), dir, "io-uring", env -> {});
        String probe = other.awaitLine("io_uring ", STARTUP);
        org.junit.jupiter.api.Assumptions.assumeTrue(probe.contains("io_uring available"), probe);
        Matcher m = STARTED.matcher(other.awaitLine(" started: ", STARTUP));
        assertThat(m.find()).isTrue();
        assertThat(m.group(2)).as("engine").isEqualTo("io_uring");
        int boundPort = Integer.parseInt(m.group(3).substring("127.0.0.1:".length()));
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + boundPort + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void pidFileHoldsThePidAndGoesAwayOnSigterm() throws Exception {
        assertThat(pidFile).isRegularFile();
        assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(server.process.pid()));

        long t0 = System.nanoTime();
        server.process.destroy(); // SIGTERM: what Docker, Kubernetes and systemd send
        boolean ended = server.process.waitFor(Child.STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(ended).as("ended within %s of SIGTERM; %s", Child.STOP_GRACE, server.output()).isTrue();
        assertThat(server.process.exitValue()).as("exit status after SIGTERM; %s", server.output()).isZero();
        assertThat(pidFile).doesNotExist();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Child.STOP_GRACE);
    }

    @Test
    void accessLogGetsACombinedFormatLine() throws Exception {
        byte[] css = Files.readAllBytes(www().resolve("style.css"));
        HttpResponse<byte[]> r = get("/style.css?v=1", "User-Agent", "JarIT/1.0 (test)", "Referer", "http://example.test/");
        assertThat(r.statusCode()).isEqualTo(200);

        // $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
        Pattern combined = Pattern.compile("^127\\.0\\.0\\.1 - - \\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}] "
                + "\"GET /style\\.css\\?v=1 HTTP/1\\.1\" 200 " + css.length
                + " \"http://example\\.test/\" \"JarIT/1\\.0 \\(test\\)\"$");
        // Lines are buffered and flushed every access-log.flush-interval (1 s in the shipped config).
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(accessLog) ? Files.readAllLines(accessLog) : List.of();
            if (lines.stream().anyMatch(l -> combined.matcher(l).matches())) {
                return;
            }
            Thread.sleep(50);
        }
        fail("no combined-format line for the request in %s within 3 s; it has: %s; %s", accessLog, lines, server.output());
    }
}
