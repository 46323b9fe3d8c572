package io.uringhttpd.contract;

import static io.uringhttpd.metrics.MetricsSchema.ACCESS_LOG_LINES_LOST;
import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.Server;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.metrics.MetricsFile;
import io.uringhttpd.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The access log behind real event loops: two loops of one process append to one file, a reopen
 * reaches the loops through their tick, and lines lost to a full disk reach the loop's metrics slot.
 */
class AccessLogServerTest {
    @TempDir
    Path dir;

    private ServerConfig config(String engine, Path log, String... more) throws Exception {
        if (engine.equals("io_uring")) {
            IoUringAvailability.assumeAvailable();
        }
        Path root = Files.createDirectories(dir.resolve("www"));
        Files.write(root.resolve("small.txt"), new byte[100]);
        String[] sets = new String[more.length + 3];
        sets[0] = "uring-httpd.access-log.enabled=true";
        sets[1] = "uring-httpd.access-log.path=\"" + log + "\"";
        sets[2] = "uring-httpd.access-log.flush-interval=100ms";
        System.arraycopy(more, 0, sets, 3, more.length);
        return TestServer.config(engine, root, dir, sets);
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void twoLoopsShareTheFileAndReopenAfterRotation(String engine) throws Exception {
        Path log = dir.resolve("logs/access.log");
        Server server = Server.start(config(engine, log, "uring-httpd.loops-per-worker=2"), null);
        int connections = 8;
        int perConnection = 50;
        try {
            for (int k = 0; k < connections; k++) {
                try (RawHttp.Conn c = RawHttp.open(server.port())) {
                    for (int i = 0; i < perConnection; i++) {
                        c.send(RawHttp.request("GET", "/small.txt?c=" + k + "&i=" + i, "User-Agent: t/" + k,
                                "Referer: http://example.test/\"" + i));
                        assertThat(c.read().status()).isEqualTo(200);
                    }
                }
            }
            List<String> lines = awaitLines(log, connections * perConnection);
            assertThat(lines).hasSize(connections * perConnection).allMatch(l -> l.matches(
                    "127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}] "
                            + "\"GET /small\\.txt\\?c=\\d&i=\\d+ HTTP/1\\.1\" 200 100 "
                            + "\"http://example\\.test/\\\\\"\\d+\" \"t/\\d\""), "a whole Combined Log Format line");

            Path rotated = dir.resolve("logs/access.log.1");
            Files.move(log, rotated);
            server.reopenLogs();   // what SIGUSR1 runs, on the signal thread
            // Each loop reopens at its next wakeup; a request wakes the loop that serves it.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!Files.exists(log) || Files.readString(log).split("\n").length < 2) {
                assertThat(System.nanoTime()).as("lines in the reopened file").isLessThan(deadline);
                try (RawHttp.Conn c = RawHttp.open(server.port())) {
                    assertThat(c.send(RawHttp.get("/small.txt?after")).read().status()).isEqualTo(200);
                }
                Thread.sleep(150);
            }
            assertThat(Files.readAllLines(log)).allMatch(l -> l.contains("GET /small.txt?after "));
            assertThat(Files.readAllLines(rotated)).hasSize(connections * perConnection);
        } finally {
            server.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void linesLostToAFullDiskAreInTheLoopsSlot(String engine) throws Exception {
        Path log = dir.resolve("access.log");
        Files.createSymbolicLink(log, Path.of("/dev/full"));   // every write: ENOSPC
        try (MetricsFile metrics = MetricsFile.create(4)) {
            Server server = Server.start(config(engine, log, "uring-httpd.access-log.buffer-bytes=0"), metrics);
            int requests = 30;
            try (RawHttp.Conn c = RawHttp.open(server.port())) {
                for (int i = 0; i < requests; i++) {
                    assertThat(c.send(RawHttp.get("/small.txt")).read().status()).as("served all the same").isEqualTo(200);
                }
            }
            server.close();   // the final publish
            assertThat(metrics.read(0).counters()[ACCESS_LOG_LINES_LOST]).isEqualTo(requests);
        }
    }

    private static List<String> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
            if (lines.size() >= count) {
                return lines;
            }
            Thread.sleep(50);
        }
        return lines;
    }
}
