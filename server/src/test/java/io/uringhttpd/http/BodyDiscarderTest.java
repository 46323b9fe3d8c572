package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BodyDiscarderTest {
    private static final String NEXT = "GET / HTTP/1.1\r\n";

    private final NativeText mem = new NativeText();
    private final BodyDiscarder discarder = new BodyDiscarder(64, 128);

    @AfterEach
    void close() {
        mem.close();
    }

    /** Feeds everything in one call; returns the result. */
    private int discardAll(String body) {
        return discarder.discard(mem.put(body), body.length());
    }

    /** Feeds one byte at a time until complete; returns total consumed or MALFORMED. */
    private int discardByteByByte(String input) {
        long a = mem.put(input);
        int consumed = 0;
        while (!discarder.isComplete() && consumed < input.length()) {
            int n = discarder.discard(a + consumed, 1);
            if (n < 0) {
                return n;
            }
            consumed += n;
            if (n == 0) {
                break;
            }
        }
        return consumed;
    }

    @Test
    void contentLengthBodyIsConsumedExactly() {
        discarder.startContentLength(10);
        assertThat(discarder.isComplete()).isFalse();
        String in = "0123456789" + NEXT;
        long a = mem.put(in);
        assertThat(discarder.discard(a, 4)).isEqualTo(4);
        assertThat(discarder.isComplete()).isFalse();
        assertThat(discarder.discard(a + 4, in.length() - 4)).isEqualTo(6);
        assertThat(discarder.isComplete()).isTrue();
        assertThat(discarder.bodyBytes()).isEqualTo(10);
        assertThat(discarder.discard(a + 10, in.length() - 10)).isZero(); // the next request is not touched
    }

    @Test
    void zeroLengthOrAbsentBodyIsCompleteAtOnce() {
        discarder.startContentLength(0);
        assertThat(discarder.isComplete()).isTrue();
        assertThat(discardAll(NEXT)).isZero();
        Request r = new Request(16);
        discarder.start(r); // contentLength -1: no body
        assertThat(discarder.isComplete()).isTrue();
    }

    @Test
    void contentLengthBeyondFourGibibytes() {
        long length = 5L << 30;
        discarder.startContentLength(length);
        MemorySegmentChunk chunk = new MemorySegmentChunk(mem, 1 << 20);
        long left = length;
        while (left > 0) {
            int n = discarder.discard(chunk.address, chunk.length);
            assertThat(n).isPositive();
            left -= n;
        }
        assertThat(discarder.isComplete()).isTrue();
        assertThat(discarder.bodyBytes()).isEqualTo(length);
    }

    private record MemorySegmentChunk(long address, int length) {
        MemorySegmentChunk(NativeText mem, int length) {
            this(mem.allocate(length).address(), length);
        }
    }

    @Test
    void chunkedBodyStopsAtItsEnd() {
        discarder.startChunked();
        String body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        assertThat(discardAll(body + NEXT)).isEqualTo(body.length());
        assertThat(discarder.isComplete()).isTrue();
        assertThat(discarder.bodyBytes()).isEqualTo(11);
    }

    @Test
    void chunkedBodyByteByByte() {
        Request r = new Request(16);
        r.chunked = true;
        discarder.start(r);
        String body = "a;ext=1\r\n0123456789\r\n1F\r\n" + "x".repeat(31) + "\r\n0\r\nTrailer: v\r\n\r\n";
        assertThat(discardByteByByte(body + NEXT)).isEqualTo(body.length());
        assertThat(discarder.isComplete()).isTrue();
        assertThat(discarder.bodyBytes()).isEqualTo(41);
    }

    @Test
    void chunkExtensionsAndTrailersAreSkipped() {
        discarder.startChunked();
        String body = "3 ; name=\"quoted value\"; flag\r\nabc\r\n0;last\r\nX-Checksum: 1\r\nX-Other: two\r\n\r\n";
        assertThat(discardAll(body + NEXT)).isEqualTo(body.length());
        assertThat(discarder.isComplete()).isTrue();
    }

    @Test
    void leadingZerosInChunkSizeAreFine() {
        discarder.startChunked();
        String body = "00000000000000000005\r\nhello\r\n000\r\n\r\n";
        assertThat(discardAll(body)).isEqualTo(body.length());
        assertThat(discarder.isComplete()).isTrue();
    }

    @Test
    void largestChunkSizeIsAcceptedAndOneMoreOverflows() {
        discarder.startChunked();
        assertThat(discardAll("7fffffffffffffff\r\nabc")).isEqualTo(21);
        assertThat(discarder.isComplete()).isFalse();
        discarder.startChunked();
        assertThat(discardAll("8000000000000000\r\n")).isEqualTo(BodyDiscarder.MALFORMED);
        discarder.startChunked();
        assertThat(discardAll("10000000000000000\r\n")).isEqualTo(BodyDiscarder.MALFORMED);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "5\r\nhelloX\r\n0\r\n\r\n",      // no CRLF after data
        "5\r\nhello\n0\r\n\r\n",         // bare LF after data
        "5\nhello\r\n0\r\n\r\n",         // bare LF after size
        "5\rhello\r\n0\r\n\r\n",         // bare CR after size
        "g\r\n",                         // not hex
        "\r\n",                          // empty size
        "-5\r\n",                        // sign
        "0x5\r\n",                       // prefix
        "5;ext\nhello\r\n0\r\n\r\n",     // bare LF in an extension
        "5;e\u0000x\r\nhello\r\n0\r\n\r\n", // NUL in an extension
        "0\r\nX: a\nY: b\r\n\r\n",       // bare LF in a trailer
        "0\r\n folded\r\n\r\n",          // obs-fold in trailers
        "0\r\n\n",                       // bare LF ends trailers
        "0\r\n\rX",                      // bare CR ends trailers
        "0\r\nX: a\u0001\r\n\r\n",       // CTL in a trailer
    })
    void malformedChunkedFramingIsRefused(String body) {
        discarder.startChunked();
        assertThat(discardAll(body)).isEqualTo(BodyDiscarder.MALFORMED);
        assertThat(discarder.isComplete()).isFalse();
        assertThat(discardAll("0\r\n\r\n")).isEqualTo(BodyDiscarder.MALFORMED); // stays failed
    }

    @Test
    void chunkLineAndTrailerSectionAreCapped() {
        discarder.startChunked();
        assertThat(discardAll("5;" + "x".repeat(62) + "\r\n")).isEqualTo(BodyDiscarder.MALFORMED);
        discarder.startChunked();
        String atLimit = "5;" + "x".repeat(61) + "\r\nhello\r\n0\r\n\r\n"; // 64 bytes with the CR
        assertThat(discardAll(atLimit)).isEqualTo(atLimit.length());
        discarder.startChunked();
        String trailers = "0\r\n" + ("T: " + "v".repeat(40) + "\r\n").repeat(3) + "\r\n";
        assertThat(discardAll(trailers)).isEqualTo(BodyDiscarder.MALFORMED);
    }

    @Test
    void restartsCleanlyForTheNextRequest() {
        discarder.startChunked();
        assertThat(discardAll("3\r\nab")).isEqualTo(5);
        discarder.startContentLength(2);
        assertThat(discardAll("xyGET")).isEqualTo(2);
        assertThat(discarder.isComplete()).isTrue();
        assertThat(discarder.bodyBytes()).isEqualTo(2);
    }
}
