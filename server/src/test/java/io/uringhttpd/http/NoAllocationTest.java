package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * "Nothing allocated per request" as a correctness check, not a benchmark: the thread's allocated
 * bytes (HotSpot's TLAB accounting) are read around 100k operations after a warm-up that lets C2
 * compile them. A single allocation per call would show up as megabytes; the bound leaves room
 * only for one-off JIT or class-init noise.
 */
class NoAllocationTest {
    private static final int WARMUP = 200_000;
    private static final int MEASURED = 100_000;
    private static final long BOUND_BYTES = 4096;

    private static com.sun.management.ThreadMXBean threads;

    private final NativeText mem = new NativeText();

    @BeforeAll
    static void accounting() {
        threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        threads.setThreadAllocatedMemoryEnabled(true);
        assertThat(threads.isThreadAllocatedMemoryEnabled()).isTrue();
    }

    @AfterEach
    void close() {
        mem.close();
    }

    private static long allocated() {
        return threads.getCurrentThreadAllocatedBytes();
    }

    @Test
    void parseAllocatesNothing() {
        RequestParser parser = new RequestParser(HttpLimits.defaults());
        Request req = parser.newRequest();
        ParseState st = new ParseState();
        String raw = "GET /static/./css/../css/site%20main.css?v=3 HTTP/1.1\r\n"
            + "Host: example.com:8080\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0\r\n"
            + "Accept: text/css,*/*;q=0.1\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Referer: http://example.com:8080/\r\n"
            + "Connection: keep-alive\r\n"
            + "If-None-Match: \"5f3-65a1b2c3-1a2b\"\r\n"
            + "If-None-Match: W/\"old\", \"older\"\r\n"
            + "If-Match: *\r\n"
            + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            + "Range: bytes=0-99,200-\r\n"
            + "Content-Length: 0\r\n"
            + "\r\n";
        long a = mem.put(raw);
        int len = raw.length();
        String trickle = "HEAD /caf%C3%A9/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"; // error path too (TE in 1.0)
        long t = mem.put(trickle);
        long sum = 0;
        for (int round = 0; round < 2; round++) {
            long before = allocated();
            int n = round == 0 ? WARMUP : MEASURED;
            for (int i = 0; i < n; i++) {
                sum += parser.parse(a, len, st, req);
                // byte-at-a-time resumption of a short head
                for (int k = 1; k <= trickle.length(); k++) {
                    int r = parser.parse(t, k, st, req);
                    if (r != 0) {
                        sum += r;
                        break;
                    }
                }
            }
            long used = allocated() - before;
            if (round == 1) {
                assertThat(used).as("bytes allocated by %d parses", 2 * MEASURED).isLessThan(BOUND_BYTES);
            }
        }
        assertThat(sum).isNotZero();
        assertThat(new String(req.path, 0, 1, StandardCharsets.US_ASCII)).isEqualTo("/");
    }

    @Test
    void rangesConditionalsDatesAndBodiesAllocateNothing() {
        ByteRanges ranges = new ByteRanges(16);
        String range = "bytes=500-999, 0-99,-100,200-300";
        long r = mem.put(range);
        String merging = "bytes=500-999, 0-99,-100,200-300,50-250"; // the merge-and-reorder path
        long rm = mem.put(merging);
        byte[] etag = "\"5f3-65a1b2c3-1a2b\"".getBytes(StandardCharsets.US_ASCII);
        String inm = "W/\"x\", \"5f3-65a1b2c3-1a2b\"";
        long inmA = mem.put(inm);
        String ims = "Sunday, 06-Nov-94 08:49:37 GMT";
        long imsA = mem.put(ims);
        String chunked = "5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n";
        long chunkedA = mem.put(chunked);
        FieldLines inmLines = new FieldLines();
        inmLines.add(mem.put("\"a\", \"b\""), 10);
        inmLines.add(inmA, inm.length());
        BodyDiscarder discarder = new BodyDiscarder(4096, 16384);
        DateCache date = new DateCache();
        long sum = 0;
        for (int round = 0; round < 2; round++) {
            long before = allocated();
            int n = round == 0 ? WARMUP : MEASURED;
            for (int i = 0; i < n; i++) {
                sum += ranges.parse(r, range.length(), 5L << 30);
                sum += ranges.parse(rm, merging.length(), 5L << 30);
                sum += ranges.parse(r, range.length(), 0); // empty representation
                sum += Conditionals.ifNoneMatch(inmA, inm.length(), etag) ? 1 : 0;
                sum += Conditionals.ifNoneMatch(inmLines, etag) ? 1 : 0;
                sum += Conditionals.ifMatch(inmLines, etag) ? 1 : 0;
                sum += Conditionals.ifModifiedSince(imsA, ims.length(), 784_111_777L) ? 1 : 0;
                sum += Conditionals.ifRange(imsA, ims.length(), etag, 784_111_777L) ? 1 : 0;
                discarder.startChunked();
                sum += discarder.discard(chunkedA, chunked.length());
                date.refresh(i * 1000L);
            }
            long used = allocated() - before;
            if (round == 1) {
                assertThat(used).as("bytes allocated by %d rounds", MEASURED).isLessThan(BOUND_BYTES);
            }
        }
        assertThat(sum).isNotZero();
    }

    @Test
    void headWriterAllocatesNothing() {
        long buf = mem.allocate(1024).address();
        HeadWriter writer = new HeadWriter();
        DateCache date = new DateCache();
        date.refresh(0);
        byte[] type = "text/css; charset=utf-8".getBytes(StandardCharsets.US_ASCII);
        byte[] etag = "\"5f3-65a1b2c3-1a2b\"".getBytes(StandardCharsets.US_ASCII);
        long sum = 0;
        for (int round = 0; round < 2; round++) {
            long before = allocated();
            int n = round == 0 ? WARMUP : MEASURED;
            for (int i = 0; i < n; i++) {
                sum += writer.wrap(buf, 1024)
                    .statusLine(206)
                    .bytes(date.header())
                    .header(HeadWriter.CONTENT_TYPE, type)
                    .header(HeadWriter.ETAG, etag)
                    .contentLength(i)
                    .contentRange(i, 2L * i + 5_000_000_000L, 6_000_000_000L)
                    .bytes(HeadWriter.ACCEPT_RANGES_BYTES_LINE)
                    .connection((i & 1) == 0)
                    .crlf()
                    .finish();
            }
            long used = allocated() - before;
            if (round == 1) {
                assertThat(used).as("bytes allocated by %d heads", MEASURED).isLessThan(BOUND_BYTES);
            }
        }
        assertThat(sum).isPositive();
    }
}
