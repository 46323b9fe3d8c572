package io.uringhttpd.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.sys.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-request path of the access log allocates nothing: formatting, escaping, the per-second
 * time text, the ticks and the write(2) of full buffers. Measured with the JVM's per-thread
 * allocation counter after warm-up, so the code runs JIT-compiled as it does in the server.
 */
class AccessLogNoAllocationTest {
    private static final int LINES = 20_000;
    private static final int WARMUP_ROUNDS = 20;
    /**
     * Small, so that the warm-up calls write(2) often enough (~37 000 times) for C2 to compile the
     * flush: until then each write allocates ~40 bytes (measured: FFM's errno-capture segment,
     * which C2 scalar-replaces and C1 does not; the test with 16 KiB and 230 writes a round saw
     * 9 520 bytes a round). A busy server calls it hundreds of times a second.
     */
    private static final int BUFFER_BYTES = 2048;

    @TempDir
    Path dir;

    @Test
    void loggingLinesAllocatesNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Path file = dir.resolve("access.log");
        try (Arena arena = Arena.ofConfined();
             AccessLog log = AccessLog.open(new AccessLogSettings(true, file, BUFFER_BYTES, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            Text target = new Text(arena, "/assets/app.js?v=\"1\"");
            Text referer = new Text(arena, "https://example.com/page\u00e9");
            Text agent = new Text(arena, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
            byte[] peer = {(byte) 203, 0, (byte) 113, 7};
            byte[] method = "GET".getBytes(StandardCharsets.US_ASCII);
            long now = 1_700_000_000_000L;
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                now = round(w, peer, method, target, referer, agent, now);
            }
            long sizeBefore = Files.size(file);
            // As in sys.NoAllocationTest: C2 may still be recompiling; passes when one of a few
            // rounds allocates nothing. Anything allocated per line (a String, a boxed number, an
            // event) would fail every round: 20 000 lines x >= 16 bytes.
            long allocated = Long.MAX_VALUE;
            for (int attempt = 0; attempt < 5 && allocated != 0; attempt++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                now = round(w, peer, method, target, referer, agent, now);
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
            assertThat(Files.size(file) - sizeBefore).as("the measured rounds wrote full buffers").isGreaterThan(1 << 20);
            assertThat(log.linesLost()).isZero();
            assertThat(allocated).as("bytes allocated by %d lines (and their ticks and writes)", LINES).isZero();
        }
    }

    /** {@code LINES} lines over 20 s of ticks: 20 new time texts, 100+ writes. */
    private static long round(AccessLogWriter w, byte[] peer, byte[] method, Text target, Text referer, Text agent,
                              long now) {
        for (int i = 0; i < LINES; i++) {
            if (i % 10 == 0) {
                now += 10;
                w.tick(now);
            }
            w.log(peer, 4, method, target.address, target.length, 1, 200, 1024 + i, referer.address, referer.length,
                    agent.address, agent.length);
        }
        return now;
    }

    private record Text(long address, int length) {
        Text(Arena arena, String s) {
            this(copy(arena, s), s.length());
        }

        private static long copy(Arena arena, String s) {
            MemorySegment m = arena.allocate(s.length());
            m.copyFrom(MemorySegment.ofArray(s.getBytes(StandardCharsets.ISO_8859_1)));
            return m.address();
        }
    }
}
