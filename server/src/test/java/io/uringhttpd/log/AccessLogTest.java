package io.uringhttpd.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
    @TempDir
    Path dir;

    private static final long T = 1_700_000_000_123L;

    private static String time(long epochMs) {
        return DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
                .format(Instant.ofEpochMilli(epochMs).atZone(ZoneId.systemDefault()));
    }

    private ServerConfig.AccessLog config(Path file, int bufferBytes, long flushMs) {
        return new ServerConfig.AccessLog(true, file, bufferBytes, flushMs);
    }

    private static List<String> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
                if (lines.size() >= count) {
                    return lines;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("expected " + count + " lines in " + file + ", have " + lines);
    }

    @Test
    void writesCombinedFormatAndFlushesWithoutClose() throws Exception {
        Path file = dir.resolve("logs/sub/access.log");   // missing folders are created
        try (AccessLog log = AccessLog.open(config(file, 65536, 50))) {
            assertThat(log.enabled()).isTrue();
            assertThat(log.path()).isEqualTo(file.toAbsolutePath());
            log.log("192.0.2.7", T, "GET /index.html HTTP/1.1", 200, 1234, "http://example.com/", "curl/8.5.0");
            // The timer flush (50 ms) brings the buffered line to the file while the log stays open.
            assertThat(awaitLines(file, 1)).containsExactly("192.0.2.7 - - [" + time(T)
                    + "] \"GET /index.html HTTP/1.1\" 200 1234 \"http://example.com/\" \"curl/8.5.0\"");
        }
    }

    @Test
    void unbufferedWritesEachLine() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(config(file, 0, 1000))) {
            log.log("2001:db8::1", T, "HEAD / HTTP/1.0", 304, 0, null, null);
            assertThat(awaitLines(file, 1)).containsExactly(
                    "2001:db8::1 - - [" + time(T) + "] \"HEAD / HTTP/1.0\" 304 0 \"-\" \"-\"");
        }
    }

    @Test
    void escapesQuotesAndControlCharacters() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(config(file, 65536, 1000))) {
            log.log("192.0.2.7", T, "GET /a\"b\\c\r\n192.0.2.8 - - [x] \"GET / HTTP/1.1\" 200 1 HTTP/1.1", 400, 150,
                    "ref\u0000\u007f\u00e9", "agent \"quoted\"\u2028x");
        }   // close() writes everything queued
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        assertThat(lines).containsExactly("192.0.2.7 - - [" + time(T) + "] "
                + "\"GET /a\\\"b\\\\c\\x0D\\x0A192.0.2.8 - - [x] \\\"GET / HTTP/1.1\\\" 200 1 HTTP/1.1\" 400 150 "
                + "\"ref\\x00\\x7F\\xE9\" \"agent \\\"quoted\\\"\\u2028x\"");
    }

    @Test
    void manyThreadsLogAtOnce() throws Exception {
        Path file = dir.resolve("access.log");
        int threads = 4;
        int perThread = 2000;
        AccessLog log = AccessLog.open(config(file, 65536, 1000));
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    log.log("10.0.0." + id, T + i, "GET /" + i + " HTTP/1.1", 200, i, null, "t" + id);
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        log.close();
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        assertThat(lines.size() + log.droppedCount()).isEqualTo(threads * perThread);
        assertThat(lines).allMatch(l -> l.matches("10\\.0\\.0\\.\\d - - \\[[^]]+] \"GET /\\d+ HTTP/1\\.1\" 200 \\d+ \"-\" \"t\\d\""));
    }

    @Test
    void fullQueueDropsAndCounts() throws Exception {
        Path file = dir.resolve("access.log");
        int total = 20_000;
        AccessLog log = AccessLog.open(config(file, 0, 1000), 1);   // one slot, one write(2) per line
        for (int i = 0; i < total; i++) {
            log.log("192.0.2.1", T, "GET / HTTP/1.1", 200, i, null, null);
        }
        log.close();
        long written = Files.readAllLines(file, StandardCharsets.US_ASCII).size();
        assertThat(log.droppedCount()).isPositive();
        // One producer thread: no race for the last slot, so the count is exact.
        assertThat(written + log.droppedCount()).isEqualTo(total);
    }

    @Test
    void reopenAfterRotation() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (AccessLog log = AccessLog.open(config(file, 65536, 20))) {
            log.log("192.0.2.1", T, "GET /before HTTP/1.1", 200, 1, null, null);
            awaitLines(file, 1);
            Files.move(file, rotated);
            log.log("192.0.2.1", T, "GET /between HTTP/1.1", 200, 2, null, null);   // still the old file
            Thread.sleep(200);
            log.reopen();
            log.log("192.0.2.1", T, "GET /after HTTP/1.1", 200, 3, null, null);
            assertThat(awaitLines(file, 1)).singleElement().asString().contains("GET /after");
        }
        assertThat(Files.readAllLines(rotated)).hasSize(2).anyMatch(l -> l.contains("GET /between"));
    }

    @Test
    void disabledIsANoOp() throws IOException {
        Path file = dir.resolve("off/access.log");
        AccessLog log = AccessLog.open(new ServerConfig.AccessLog(false, file, 65536, 1000));
        assertThat(log.enabled()).isFalse();
        assertThat(log).isSameAs(AccessLog.disabled());
        log.log("192.0.2.1", T, "GET / HTTP/1.1", 200, 1, null, null);
        log.reopen();
        log.close();
        assertThat(log.droppedCount()).isZero();
        assertThat(dir.resolve("off")).doesNotExist();
    }

    @Test
    void unwritableLocationFailsAtOpen() throws IOException {
        Path blocker = Files.writeString(dir.resolve("file"), "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> AccessLog.open(config(blocker.resolve("access.log"), 0, 1000)))
                .isInstanceOf(IOException.class);
    }
}
