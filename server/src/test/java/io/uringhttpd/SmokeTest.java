package io.uringhttpd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.IoUring;
import io.uringhttpd.sys.IoUringException;
import io.uringhttpd.sys.Syscalls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped config/uring-httpd.conf, as the README's quick start uses it, served in this JVM
 * by each engine on a free port of 127.0.0.1: GET / answers the demo site's index. Only what a
 * test run cannot share is overridden (port, pid-file, access log, metrics port, master = off).
 * JarIT does the same with the built jar in its own process, with engine = auto only.
 */
class SmokeTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void theShippedConfigServesTheDemoIndex(String engine) throws Exception {
        if (engine.equals("io_uring")) {
            assumeTrue(ioUringAvailable(), "io_uring unavailable here (e.g. a container's seccomp profile)");
        }
        Path shipped = Path.of("../config/uring-httpd.conf");
        ServerConfig config = ConfigLoader.load(shipped, List.of(
                "uring-httpd.listen=[\"127.0.0.1:0\"]",
                "uring-httpd.engine=" + engine,
                "uring-httpd.master=off",
                "uring-httpd.pid-file=\"" + dir.resolve("uring-httpd.pid") + "\"",
                "uring-httpd.access-log.enabled=false",
                "uring-httpd.metrics.enabled=false"));
        Path index = config.root().resolve("index.html");
        assertThat(config.root()).as("the shipped root is the repository's www/").isEqualTo(Path.of("../www").toRealPath());

        try (Server server = Server.start(config)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(response.body()).isEqualTo(Files.readAllBytes(index));
            assertThat(server.loops().getFirst().engine()).isEqualTo(engine);
        }
    }

    private static boolean ioUringAvailable() {
        try (IoUring ring = IoUring.setup(new Syscalls(), 8, 0)) {
            return true;
        } catch (IoUringException e) {
            return false;
        }
    }
}
