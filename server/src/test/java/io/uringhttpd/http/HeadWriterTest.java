package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeadWriterTest {
    private final NativeText mem = new NativeText();
    private final HeadWriter writer = new HeadWriter();

    @AfterEach
    void close() {
        mem.close();
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    @Test
    void writesAResponseHead() {
        MemorySegment buf = mem.allocate(512);
        DateCache date = new DateCache();
        date.refresh(784_111_777_000L);
        long query = mem.put("?a=1");
        int n = writer.wrap(buf.address(), 512)
            .statusLine(200)
            .bytes(HeadWriter.SERVER).bytes("uring-httpd".getBytes(StandardCharsets.US_ASCII)).crlf()
            .bytes(date.header())
            .header(HeadWriter.CONTENT_TYPE, "text/html; charset=utf-8".getBytes(StandardCharsets.US_ASCII))
            .contentLength(1024)
            .header(HeadWriter.LOCATION, query, 4)
            .bytes(HeadWriter.ACCEPT_RANGES_BYTES_LINE)
            .connection(true)
            .crlf()
            .finish();
        assertThat(NativeText.read(buf.address(), n)).isEqualTo("HTTP/1.1 200 OK\r\n"
            + "Server: uring-httpd\r\n"
            + "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            + "Content-Type: text/html; charset=utf-8\r\n"
            + "Content-Length: 1024\r\n"
            + "Location: ?a=1\r\n"
            + "Accept-Ranges: bytes\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n");
        assertThat(writer.position()).isEqualTo(n);
    }

    @Test
    void writesRangeHeaders() {
        MemorySegment buf = mem.allocate(256);
        long size = 5L << 30;
        int n = writer.wrap(buf.address(), 256)
            .statusLine(206).contentRange(4_294_967_296L, size - 1, size)
            .statusLine(416).contentRangeUnsatisfied(size)
            .connection(false)
            .finish();
        assertThat(NativeText.read(buf.address(), n)).isEqualTo("HTTP/1.1 206 Partial Content\r\n"
            + "Content-Range: bytes 4294967296-5368709119/5368709120\r\n"
            + "HTTP/1.1 416 Range Not Satisfiable\r\n"
            + "Content-Range: bytes */5368709120\r\n"
            + "Connection: close\r\n");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 9, 10, 99, 100, 12345, 4_294_967_295L, 4_294_967_296L, 999_999_999_999_999_999L,
        1_000_000_000_000_000_000L, Long.MAX_VALUE})
    void writesDecimals(long value) {
        MemorySegment buf = mem.allocate(32);
        int n = writer.wrap(buf.address(), 32).decimal(value).finish();
        assertThat(NativeText.read(buf.address(), n)).isEqualTo(Long.toString(value));
        assertThat(HeadWriter.decimalLength(value)).isEqualTo(Long.toString(value).length());
    }

    @Test
    void overflowReturnsMinusOneAndWritesNothingPastCapacity() {
        MemorySegment buf = mem.allocate(64);
        buf.fill((byte) '#');
        writer.wrap(buf.address(), 20).statusLine(200); // 17 bytes
        assertThat(writer.overflowed()).isFalse();
        writer.contentLength(5); // does not fit
        assertThat(writer.overflowed()).isTrue();
        writer.crlf(); // would fit by itself, but the writer stays overflowed
        assertThat(writer.finish()).isEqualTo(-1);
        for (int i = 17; i < 64; i++) {
            assertThat(buf.get(ValueLayout.JAVA_BYTE, i)).as("byte %d", i).isEqualTo((byte) '#');
        }
        assertThat(writer.wrap(buf.address(), 2).decimal(123).finish()).isEqualTo(-1);
        assertThat(writer.wrap(buf.address(), 3).decimal(123).finish()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 204, 206, 301, 304, 400, 403, 404, 405, 408, 411, 412, 413, 414, 416, 431, 500, 501, 503, 505})
    void statusLinesForEveryStatusWeSend(int code) {
        assertThat(Status.isKnown(code)).isTrue();
        assertThat(ascii(Status.line(code))).isEqualTo("HTTP/1.1 " + code + " " + Status.reason(code) + "\r\n");
    }

    @Test
    void reasonPhrasesFollowRfc9110() {
        assertThat(ascii(Status.line(413))).isEqualTo("HTTP/1.1 413 Content Too Large\r\n");
        assertThat(ascii(Status.line(416))).isEqualTo("HTTP/1.1 416 Range Not Satisfiable\r\n");
        assertThat(ascii(Status.line(431))).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large\r\n");
        assertThat(ascii(Status.line(505))).isEqualTo("HTTP/1.1 505 HTTP Version Not Supported\r\n");
        assertThat(ascii(Status.line(999))).isEqualTo("HTTP/1.1 500 Internal Server Error\r\n");
        assertThat(ascii(Status.line(-1))).isEqualTo("HTTP/1.1 500 Internal Server Error\r\n");
    }

    @Test
    void parserErrorsAlwaysClose() {
        for (int code : new int[] {400, 414, 431, 501, 505}) {
            assertThat(Status.alwaysCloses(code)).as("%d", code).isTrue();
        }
        assertThat(Status.alwaysCloses(404)).isFalse();
        assertThat(Status.alwaysCloses(304)).isFalse();
    }

    @Test
    void errorPages() {
        assertThat(ascii(ErrorPages.body(404)))
            .isEqualTo("<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n");
        for (int code : new int[] {301, 400, 403, 404, 405, 408, 411, 412, 413, 414, 416, 431, 500, 501, 503, 505}) {
            assertThat(ErrorPages.has(code)).isTrue();
            assertThat(ascii(ErrorPages.body(code))).contains("<title>" + code + " " + Status.reason(code) + "</title>");
        }
        assertThat(ErrorPages.has(204)).isFalse();
        assertThat(ErrorPages.has(304)).isFalse();
        assertThat(ErrorPages.body(777)).isSameAs(ErrorPages.body(500));
        assertThat(ascii(ErrorPages.CONTENT_TYPE)).isEqualTo("text/html; charset=utf-8");
    }
}
