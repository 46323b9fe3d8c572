package io.uringhttpd.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class AccessLogTest {
    @TempDir
    Path dir;

    static final long T = 1_700_000_000_123L;
    static final byte[] V4 = {(byte) 192, 0, 2, 7};
    static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);

    private final Arena arena = Arena.ofShared();
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final Logger writerLogger = (Logger) LoggerFactory.getLogger(AccessLogWriter.class);

    @BeforeEach
    void captureWarnings() {
        events.start();
        writerLogger.addAppender(events);
    }

    @AfterEach
    void release() {
        writerLogger.detachAppender(events);
        arena.close();
    }

    static String time(long epochMs) {
        return DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
                .format(Instant.ofEpochMilli(epochMs).atZone(ZoneId.systemDefault()));
    }

    static AccessLogSettings settings(Path file, int bufferBytes, long flushMs) {
        return new AccessLogSettings(true, file, bufferBytes, flushMs);
    }

    /** Client text as the bytes the server received: one byte per char (chars above 0xFF are not bytes). */
    long bytes(String s) {
        MemorySegment m = arena.allocate(Math.max(1, s.length()));
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                throw new IllegalArgumentException("not a byte: " + s);
            }
            m.set(ValueLayout.JAVA_BYTE, i, (byte) s.charAt(i));
        }
        return m.address();
    }

    /** One line: request target, referer and user agent as Strings of bytes (null: absent). */
    void log(AccessLogWriter w, byte[] peer, String method, String target, int versionMinor, int status, long body,
             String referer, String userAgent) {
        w.log(peer, peer.length, method == null ? null : method.getBytes(StandardCharsets.US_ASCII),
                target == null ? 0 : bytes(target), target == null ? 0 : target.length(), versionMinor, status, body,
                referer == null ? 0 : bytes(referer), referer == null ? -1 : referer.length(),
                userAgent == null ? 0 : bytes(userAgent), userAgent == null ? -1 : userAgent.length());
    }

    static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
    }

    @Test
    void writesCombinedFormat() throws Exception {
        Path file = dir.resolve("logs/sub/access.log");   // missing folders are created
        try (AccessLog log = AccessLog.open(settings(file, 65536, 1000))) {
            assertThat(log.enabled()).isTrue();
            assertThat(log.path()).isEqualTo(file.toAbsolutePath());
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            log(w, V4, "GET", "/index.html", 1, 200, 1234, "http://example.com/", "curl/8.5.0");
            w.close();
        }
        assertThat(lines(file)).containsExactly("192.0.2.7 - - [" + time(T)
                + "] \"GET /index.html HTTP/1.1\" 200 1234 \"http://example.com/\" \"curl/8.5.0\"");
    }

    @Test
    void unbufferedWritesEachLine() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(settings(file, 0, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            byte[] v6 = new byte[16];
            v6[0] = 0x20;
            v6[1] = 0x01;
            v6[2] = 0x0d;
            v6[3] = (byte) 0xb8;
            v6[15] = 1;
            log(w, v6, "HEAD", "/", 0, 304, 0, null, null);
            // written at once, the log still open
            assertThat(lines(file)).containsExactly(
                    "2001:db8::1 - - [" + time(T) + "] \"HEAD / HTTP/1.0\" 304 0 \"-\" \"-\"");
        }
    }

    @Test
    void escapesQuotesAndControlCharacters() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(settings(file, 65536, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            // U+2028 reaches the server as its UTF-8 bytes E2 80 A8, written as three \x escapes.
            log(w, V4, "GET", "/a\"b\\c\r\n192.0.2.8 - - [x] \"GET / HTTP/1.1\" 200 1", 1, 400, 150,
                    "ref\u0000\u007f\u00e9", "agent \"quoted\"\u00e2\u0080\u00a8x");
        }   // close() writes everything buffered
        assertThat(lines(file)).containsExactly("192.0.2.7 - - [" + time(T) + "] "
                + "\"GET /a\\\"b\\\\c\\x0D\\x0A192.0.2.8 - - [x] \\\"GET / HTTP/1.1\\\" 200 1 HTTP/1.1\" 400 150 "
                + "\"ref\\x00\\x7F\\xE9\" \"agent \\\"quoted\\\"\\xE2\\x80\\xA8x\"");
    }

    @Test
    void noRequestLineAndNoPeerAreDashes() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(settings(file, 65536, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            w.log(new byte[16], 0, GET, 0, 0, 1, 400, 150, 0, -1, 0, -1);
        }
        assertThat(lines(file)).containsExactly("- - - [" + time(T) + "] \"-\" 400 150 \"-\" \"-\"");
    }

    @Test
    void addressesAsNginxWritesThem() throws Exception {
        Path file = dir.resolve("access.log");
        String[][] cases = {
            {"::1", "::1"}, {"::", "::"}, {"1::", "1::"}, {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
            {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, {"fe80::abcd:12", "fe80::abcd:12"},
            {"::ffff:192.0.2.1", "192.0.2.1"}, {"1:2:3:4:5:6::", "1:2:3:4:5:6::"},
        };
        try (AccessLog log = AccessLog.open(settings(file, 65536, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            for (String[] c : cases) {
                byte[] a = java.net.InetAddress.getByName(c[0]).getAddress();
                if (a.length == 4) {   // Java folds a mapped address to IPv4: rebuild the 16 bytes a socket gives
                    byte[] m = new byte[16];
                    m[10] = (byte) 0xFF;
                    m[11] = (byte) 0xFF;
                    System.arraycopy(a, 0, m, 12, 4);
                    a = m;
                }
                log(w, a, "GET", "/", 1, 200, 1, null, null);
            }
        }
        assertThat(lines(file)).extracting(l -> l.substring(0, l.indexOf(' ')))
                .containsExactly(java.util.Arrays.stream(cases).map(c -> c[1]).toArray(String[]::new));
    }

    @Test
    void timeLocalIsRenderedAsDateTimeFormatterDoes() throws Exception {
        Path file = dir.resolve("access.log");
        List<Long> times = new ArrayList<>();
        for (long ms : new long[] {0, 951_782_400_000L /* 2000-02-29 */, 4_107_542_399_000L /* 2100-02-28T23:59:59 */,
                1_711_846_799_000L, 1_711_846_800_000L, 1_729_990_800_000L, T}) {
            times.add(ms);
        }
        for (long ms = T; ms < T + 400L * 86_400_000; ms += 86_400_000L * 7 + 3_607_001) {
            times.add(ms);
        }
        try (AccessLog log = AccessLog.open(settings(file, 65536, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            for (long ms : times) {
                w.tick(ms);
                log(w, V4, "GET", "/", 1, 200, 1, null, null);
            }
        }
        assertThat(lines(file)).extracting(l -> l.substring(l.indexOf('[') + 1, l.indexOf(']')))
                .containsExactlyElementsOf(times.stream().map(AccessLogTest::time).toList());
    }

    @Test
    void nothingIsWrittenUntilTheBufferFills() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(settings(file, 4096, 3_600_000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            int lineBytes = ("192.0.2.7 - - [" + time(T) + "] \"GET /0000 HTTP/1.1\" 200 1 \"-\" \"-\"\n").length();
            int fit = 4095 / lineBytes;   // lines that leave the buffer short of 4096 bytes
            for (int i = 0; i < fit; i++) {
                log(w, V4, "GET", "/%04d".formatted(i), 1, 200, 1, null, null);
                w.tick(T + i);
            }
            assertThat(Files.size(file)).as("bytes written before the buffer is full").isZero();
            log(w, V4, "GET", "/%04d".formatted(fit), 1, 200, 1, null, null);   // reaches 4096: one write
            assertThat(lines(file)).hasSize(fit + 1);
            assertThat(Files.size(file)).isGreaterThanOrEqualTo(4096);
            log(w, V4, "GET", "/next", 1, 200, 1, null, null);
            assertThat(lines(file)).hasSize(fit + 1);
        }
        assertThat(lines(file)).last().asString().contains("/next");
    }

    @Test
    void bufferedLinesReachTheFileWithinTheFlushInterval() throws Exception {
        Path file = dir.resolve("access.log");
        try (AccessLog log = AccessLog.open(settings(file, 65536, 100))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            log(w, V4, "GET", "/a", 1, 200, 1, null, null);
            long t = T;
            // Ticks every 10 ms: the line must be written at the last tick before it is 100 ms old.
            while (t < T + 80) {
                t += 10;
                w.tick(t);
                assertThat(Files.size(file)).as("written at +%d ms", t - T).isZero();
            }
            w.tick(T + 90);
            assertThat(lines(file)).singleElement().asString().contains("GET /a ");
            // An idle loop ticks once a second: with a 100 ms interval the line goes at the first tick.
            log(w, V4, "GET", "/b", 1, 200, 1, null, null);
            w.tick(T + 1090);
            assertThat(lines(file)).hasSize(2);
        }
    }

    @Test
    void closeWritesWhatIsBuffered() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLog log = AccessLog.open(settings(file, 65536, 3_600_000));
        AccessLogWriter w = log.newWriter(new Syscalls());
        w.tick(T);
        for (int i = 0; i < 10; i++) {
            log(w, V4, "GET", "/" + i, 1, 200, i, null, null);
        }
        assertThat(Files.size(file)).isZero();
        log.close();   // the server's close: after the loops, it closes the writers they left open
        assertThat(lines(file)).hasSize(10);
        w.close();   // idempotent
        log.close();
        assertThat(lines(file)).hasSize(10);
    }

    @Test
    void reopenAfterRotation() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (AccessLog log = AccessLog.open(settings(file, 65536, 3_600_000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            log(w, V4, "GET", "/before", 1, 200, 1, null, null);
            Files.move(file, rotated);
            log(w, V4, "GET", "/between", 1, 200, 2, null, null);   // still the old file
            Thread signal = Thread.ofPlatform().start(log::reopen);   // SIGUSR1 arrives on another thread
            signal.join();
            assertThat(file).doesNotExist();   // the loop reopens at its tick, not before
            w.tick(T + 1);
            assertThat(file).exists();
            log(w, V4, "GET", "/after", 1, 200, 3, null, null);
            w.close();
        }
        assertThat(lines(file)).singleElement().asString().contains("GET /after");
        assertThat(lines(rotated)).hasSize(2).anyMatch(l -> l.contains("GET /between"));
        assertThat(events.list).anyMatch(e -> e.getFormattedMessage().contains("access log reopened"));
    }

    @Test
    void writeErrorsWarnOncePerEpisodeAndCountLostLines() throws Exception {
        // /dev/full fails every write with ENOSPC (null(4)); a symlink lets the test switch
        // between it and a real file with a reopen.
        Path link = dir.resolve("access.log");
        Path real = dir.resolve("real.log");
        Files.createSymbolicLink(link, Path.of("/dev/full"));
        try (AccessLog log = AccessLog.open(settings(link, 0, 1000))) {
            AccessLogWriter a = log.newWriter(new Syscalls());
            AccessLogWriter b = log.newWriter(new Syscalls());
            a.tick(T);
            b.tick(T);
            for (int i = 0; i < 5; i++) {
                log(a, V4, "GET", "/lost-a", 1, 200, 1, null, null);
                log(b, V4, "GET", "/lost-b", 1, 200, 1, null, null);
            }
            assertThat(a.linesLost()).isEqualTo(5);
            assertThat(b.linesLost()).isEqualTo(5);
            assertThat(log.linesLost()).isEqualTo(10);
            assertThat(warnings()).singleElement().asString()
                    .contains(link.toAbsolutePath().toString()).contains("ENOSPC").contains("free space");

            // The disk has room again (here: the path is a real file after a reopen): the episode ends.
            Files.delete(link);
            Files.createSymbolicLink(link, real);
            log.reopen();
            a.tick(T + 1);
            b.tick(T + 1);
            log(a, V4, "GET", "/kept", 1, 200, 1, null, null);
            log(b, V4, "GET", "/kept", 1, 200, 1, null, null);
            assertThat(lines(real)).hasSize(2);

            // A second episode warns again, once.
            Files.delete(link);
            Files.createSymbolicLink(link, Path.of("/dev/full"));
            log.reopen();
            a.tick(T + 2);
            for (int i = 0; i < 3; i++) {
                log(a, V4, "GET", "/lost-again", 1, 200, 1, null, null);
            }
            assertThat(a.linesLost()).isEqualTo(8);
            assertThat(warnings()).hasSize(2);
        }
    }

    private List<String> warnings() {
        return events.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void aShortWriteCountsTheLinesNotWrittenWhole() throws Exception {
        // A tiny tmpfs fills mid-chunk: write(2) returns a short count, then ENOSPC.
        Path mount = Files.createDirectory(dir.resolve("tiny"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (not root?)");
        try {
            Path file = mount.resolve("access.log");
            try (AccessLog log = AccessLog.open(settings(file, 12 * 1024, 3_600_000))) {
                AccessLogWriter w = log.newWriter(new Syscalls());
                w.tick(T);
                int logged = 0;
                for (int i = 0; i < 2000; i++) {
                    log(w, V4, "GET", "/%05d".formatted(i), 1, 200, 1, null, "x".repeat(40));
                    logged++;
                }
                w.close();
                List<String> written = lines(file);
                String whole = "\"" + "x".repeat(40) + "\"";
                long wholeLines = written.stream().filter(l -> l.endsWith(whole)).count();
                assertThat(w.linesLost()).isPositive();
                assertThat(wholeLines + w.linesLost()).isEqualTo(logged);
                // Only the line the disk cut is torn (counted lost), and it is the last one.
                assertThat(written.size() - wholeLines).isLessThanOrEqualTo(1);
                assertThat(written.subList(0, (int) wholeLines)).allMatch(l -> l.endsWith(whole));
                assertThat(warnings()).hasSize(1);
            }
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor();
        }
    }

    @Test
    void linesOfTwoLoopsNeverInterleave() throws Exception {
        Path file = dir.resolve("access.log");
        int perLoop = 20_000;
        try (AccessLog log = AccessLog.open(settings(file, 4096, 1000))) {
            Thread[] loops = new Thread[2];
            for (int t = 0; t < loops.length; t++) {
                AccessLogWriter w = log.newWriter(new Syscalls());
                String agent = "loop-" + t + "-" + "y".repeat(60 * t);
                long target = bytes("/0123456789");
                long ua = bytes(agent);
                loops[t] = Thread.ofPlatform().unstarted(() -> {
                    w.tick(T);
                    for (int i = 0; i < perLoop; i++) {
                        w.log(V4, 4, GET, target, 11, 1, 200, i, 0, -1, ua, agent.length());
                        if (i % 100 == 0) {
                            w.tick(T + i);
                        }
                    }
                    w.close();
                });
            }
            for (Thread t : loops) {
                t.start();
            }
            for (Thread t : loops) {
                t.join();
            }
            assertThat(log.linesLost()).isZero();
        }
        List<String> lines = lines(file);
        assertThat(lines).hasSize(2 * perLoop);
        assertThat(lines).allMatch(l -> l.matches(
                "192\\.0\\.2\\.7 - - \\[[^]]+] \"GET /0123456789 HTTP/1\\.1\" 200 \\d+ \"-\" \"loop-(0-|1-y{60})\""));
        for (int t = 0; t < 2; t++) {
            String tag = "\"loop-" + t + "-";
            List<Long> sizes = lines.stream().filter(l -> l.contains(tag))
                    .map(l -> Long.parseLong(l.split(" ")[9])).toList();
            assertThat(sizes).as("loop %d's lines in order", t).isSorted().hasSize(perLoop);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void toAPipeWholeLinesFromTwoLoops() throws Exception {
        // What the container does (access-log.path = /dev/stdout, a pipe to docker): writes in
        // pieces of whole lines of at most PIPE_BUF bytes, which a pipe never mixes.
        Path fifo = fifo("fifo");
        // O_RDWR: a reader exists from now on without blocking this thread (fifo(7)).
        try (java.io.RandomAccessFile pipe = new java.io.RandomAccessFile(fifo.toFile(), "rw");
             AccessLog log = AccessLog.open(settings(fifo, 65536, 1000))) {
            int perLoop = 3000;
            java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                byte[] b = new byte[65536];
                try {
                    while (!stop.get()) {
                        int n = pipe.read(b);
                        synchronized (read) {
                            read.write(b, 0, Math.max(0, n));
                        }
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread[] loops = new Thread[2];
            AccessLogWriter[] writers = new AccessLogWriter[2];
            for (int t = 0; t < 2; t++) {
                AccessLogWriter w = log.newWriter(new Syscalls());
                writers[t] = w;
                String agent = "loop-" + t + "-" + "z".repeat(50 * t);
                long ua = bytes(agent);
                long target = bytes("/p");
                loops[t] = Thread.ofPlatform().unstarted(() -> {
                    w.tick(T);
                    for (int i = 0; i < perLoop; i++) {
                        w.log(V4, 4, GET, target, 2, 1, 200, i, 0, -1, ua, agent.length());
                    }
                    w.close();
                });
            }
            for (Thread t : loops) {
                t.start();
            }
            for (Thread t : loops) {
                t.join();
            }
            long lost = writers[0].linesLost() + writers[1].linesLost();
            long deadline = System.nanoTime() + 10_000_000_000L;
            List<String> got;
            do {
                Thread.sleep(50);
                synchronized (read) {
                    got = List.of(read.toString(StandardCharsets.ISO_8859_1).split("\n"));
                }
            } while (got.size() + lost < 2L * perLoop && System.nanoTime() < deadline);
            stop.set(true);
            Files.write(fifo, new byte[] {'\n'});   // wakes the reader, which then ends
            reader.join();
            // The reader may fall behind (EAGAIN): lines are then dropped and counted, never mixed.
            assertThat(got.size() + lost).isEqualTo(2L * perLoop);
            assertThat(got).allMatch(l -> l.matches(
                    "192\\.0\\.2\\.7 - - \\[[^]]+] \"GET /p HTTP/1\\.1\" 200 \\d+ \"-\" \"loop-(0-|1-z{50})\""));
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aPipeNobodyReadsDoesNotStopTheLoop() throws Exception {
        Path fifo = fifo("slow");
        try (java.io.RandomAccessFile pipe = new java.io.RandomAccessFile(fifo.toFile(), "rw");   // never read
             AccessLog log = AccessLog.open(settings(fifo, 65536, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            w.tick(T);
            int total = 5000;   // ~350 KB: the pipe holds 64 KiB (pipe(7))
            for (int i = 0; i < total; i++) {
                log(w, V4, "GET", "/unread", 1, 200, i, null, "agent");
            }
            w.close();
            assertThat(w.linesLost()).isPositive().isLessThan(total);
            assertThat(pipe.getFD().valid()).as("the reader was there all along, only slow").isTrue();
            assertThat(warnings()).singleElement().asString().contains("EAGAIN");
        }
    }

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        return fifo;
    }

    @Test
    void disabledIsANoOp() throws IOException {
        Path file = dir.resolve("off/access.log");
        AccessLog log = AccessLog.open(new AccessLogSettings(false, file, 65536, 1000));
        assertThat(log.enabled()).isFalse();
        assertThat(log).isSameAs(AccessLog.disabled());
        AccessLogWriter w = log.newWriter(new Syscalls());
        assertThat(w.enabled()).isFalse();
        w.tick(T);
        log(w, V4, "GET", "/", 1, 200, 1, null, null);
        log.reopen();
        w.close();
        log.close();
        assertThat(log.linesLost()).isZero();
        assertThat(dir.resolve("off")).doesNotExist();
    }

    @Test
    void unwritableLocationFailsAtOpen() throws IOException {
        Path blocker = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> AccessLog.open(settings(blocker.resolve("access.log"), 0, 1000)))
                .isInstanceOf(IOException.class);
    }
}
