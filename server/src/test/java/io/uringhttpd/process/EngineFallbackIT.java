package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real fallback path: io_uring made unavailable the way operators meet it
 * (kernel.io_uring_disabled = 2 gives EPERM, as a container's seccomp profile does).
 * engine = auto must serve with epoll after one warning naming the reason;
 * engine = io_uring must refuse to start with one clear line. Needs root to flip the
 * sysctl for the few seconds of the test (restored afterwards); skipped otherwise.
 */
class EngineFallbackIT {
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");
    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private String saved;
    private Child server;

    @BeforeEach
    void disableIoUring() throws Exception {
        assumeTrue(Files.isWritable(SYSCTL), "needs root and kernel.io_uring_disabled (Linux >= 6.6)");
        saved = Files.readString(SYSCTL).strip();
        Files.writeString(SYSCTL, "2");
    }

    @AfterEach
    void restore() throws Exception {
        if (server != null) {
            server.close();
        }
        if (saved != null) {
            Files.writeString(SYSCTL, saved);
        }
    }

    private String[] args(String engine) {
        return new String[] {"--config", Child.shippedConfig().toString(),
                "--set", "uring-httpd.listen=[\"127.0.0.1:0\"]",
                "--set", "uring-httpd.engine=" + engine,
                "--set", "uring-httpd.master=off",
                "--set", "uring-httpd.pid-file=\"" + dir.resolve("u.pid") + "\"",
                "--set", "uring-httpd.access-log.enabled=false",
                "--set", "uring-httpd.metrics.enabled=false"};
    }

    @Test
    void autoFallsBackToEpollWithOneWarningSayingWhy() throws Exception {
        server = Child.start(Child.jarCommand(args("auto")), Child.moduleDir(), dir, "auto", env -> {});
        String started = server.awaitLine(" started: ", STARTUP);
        assertThat(started).contains("engine epoll");
        String warning = server.stderr().lines().filter(l -> l.contains("engine = auto")).findFirst().orElseThrow();
        assertThat(warning).contains("WARN", "io_uring", "EPERM", "io_uring_disabled", "epoll");
        int port = Integer.parseInt(started.replaceAll(".*listen \\[127\\.0\\.0\\.1:(\\d+)].*", "$1"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    @Test
    void explicitIoUringRefusesToStartClearly() throws Exception {
        Child.Result r = Child.runJar(dir, "io-uring", STARTUP, args("io_uring"));
        assertThat(r.exit()).as("%s", r).isNotZero();
        assertThat(r.stderr()).contains("engine = io_uring", "EPERM", "io_uring_disabled").doesNotContain("\tat ");
        assertThat(dir.resolve("u.pid")).doesNotExist();
    }
}
