package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request-line, header and body framing per RFC 9112, stricter than nginx where the RFC allows.
 * Every refusal must come with an error page and a close; the base class checks after each
 * test that the event loop still serves new connections.
 */
public abstract class RequestParsingContract extends ServerContract {
    private static final String HOST = "Host: 127.0.0.1\r\n";

    // ---- Host (RFC 9112 3.2) ----

    @Test
    void missingHostIn11Is400() throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n\r\n", 400);
    }

    @Test
    void twoHostHeadersAre400() throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", 400);
    }

    @Test
    void http10WithoutHostIsServed() throws IOException {
        RawHttp.Response r = exchange("GET /index.html HTTP/1.0\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
    }

    @Test
    void absoluteFormTargetIsServed() throws IOException {
        RawHttp.Response r = exchange("GET http://127.0.0.1/index.html HTTP/1.1\r\n" + HOST + "\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
    }

    @Test
    void absoluteFormWithPortAndQueryIsServed() throws IOException {
        RawHttp.Response r = exchange("GET http://127.0.0.1:" + port() + "/1k.bin?x=1 HTTP/1.1\r\n" + HOST + "\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
    }

    // ---- target decoding ----

    @ParameterizedTest
    @ValueSource(strings = {"/%zz", "/%4", "/index.html%", "/%g0.html", "/ind%2xex.html"})
    void badPercentEscapeIs400(String target) throws IOException {
        assertRejectedAndClosed(RawHttp.get(target), 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/index.html%00", "/index.html%00.txt", "/%00/index.html"})
    void encodedNulIs400(String target) throws IOException {
        assertRejectedAndClosed(RawHttp.get(target), 400);
    }

    @Test
    void percentEncodedPathIsDecoded() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/ind%65x%2Ehtml"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
        RawHttp.Response space = exchange(RawHttp.get("/noindex/sp%20ace.txt"));
        assertThat(space.status()).isEqualTo(200);
        assertThat(space.body()).isEqualTo(files.bytes("/noindex/sp ace.txt"));
        RawHttp.Response utf8 = exchange(RawHttp.get("/noindex/%C3%BC.txt"));
        assertThat(utf8.status()).isEqualTo(200);
        assertThat(utf8.body()).isEqualTo(files.bytes("/noindex/\u00fc.txt"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/index.html?x=1", "/index.html?", "/index.html?a=b&c=%2F..%2F", "/index.html?/../../etc/passwd"})
    void queryStringIsIgnored(String target) throws IOException {
        RawHttp.Response r = exchange(RawHttp.get(target));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/index\u0000.html", "/in dex.html", "/index.html\u007f", "/\u0001", "/index.html\t"})
    void rawControlCharacterOrSpaceInTargetIs400(String target) throws IOException {
        assertRejectedAndClosed("GET " + target + " HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void targetWithoutLeadingSlashIs400() throws IOException {
        assertRejectedAndClosed("GET index.html HTTP/1.1\r\n" + HOST + "\r\n", 400);
    }

    // ---- header fields (RFC 9112 5, RFC 9110 5.5) ----

    @Test
    void obsFoldIs400() throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "X-Folded: a\r\n b\r\n\r\n", 400);
    }

    @Test
    void whitespaceBeforeColonIs400() throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "X-Test : v\r\n\r\n", 400);
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "X-Test\t: v\r\n\r\n", 400);
    }

    @Test
    void headerLineWithoutColonIs400() throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "NoColonHere\r\n\r\n", 400);
    }

    @Test
    void invalidCharacterInFieldNameIs400() throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "X(Bad): v\r\n\r\n", 400);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x1f, 0x7f, '\r'})
    void controlCharacterInValueIs400(int ctl) throws IOException {
        String request = "GET /index.html HTTP/1.1\r\n" + HOST + "X-Test: a" + (char) ctl + "b\r\n\r\n";
        assertRejectedAndClosed(request, 400);
    }

    @Test
    void obsTextInValueIsAllowed() throws IOException {
        // RFC 9110 5.5: field-vchar includes obs-text (0x80-0xFF).
        RawHttp.Response r = exchange("GET /index.html HTTP/1.1\r\n" + HOST + "X-Test: caf\u00e9 \u00ff\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void tabInsideValueIsAllowed() throws IOException {
        RawHttp.Response r = exchange("GET /index.html HTTP/1.1\r\n" + HOST + "X-Test: a\tb\r\nUser-Agent:\tx  \t\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void headerNamesAreCaseInsensitive() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send("GET /index.html HTTP/1.1\r\nhOsT: 127.0.0.1\r\nCONNECTION: Close\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertClosed(c);
        }
    }

    @Test
    void garbageNeverStopsTheLoop() throws IOException {
        // Seeded random bytes ending in an empty line: every connection gets an error status and a close.
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[64 + random.nextInt(2048)];
            random.nextBytes(garbage);
            for (int j = 0; j < garbage.length; j += 50 + random.nextInt(200)) {
                garbage[j] = '\n';
            }
            byte[] request = java.util.Arrays.copyOf(garbage, garbage.length + 4);
            System.arraycopy(RawHttp.latin1("\r\n\r\n"), 0, request, garbage.length, 4);
            try (RawHttp.Conn c = connect()) {
                RawHttp.Response r = c.send(request).read();
                assertThat(r.status()).as("garbage #%d", i).isIn(400, 414, 431, 501, 505);
                assertClosed(c);
            }
        }
    }

    @Test
    void leadingEmptyLineBeforeRequestIsIgnored() throws IOException {
        // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request-line.
        RawHttp.Response r = exchange("\r\n" + RawHttp.get("/index.html"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
    }

    // ---- line ends: CRLF only ----

    /**
     * RFC 9112 2.2 lets a server accept a bare LF as a line end; behind a proxy that does not,
     * "Dummy: x\nContent-Length: 23" is one field there and two here (request smuggling, RFC 9112
     * 11.2). So a bare LF anywhere in the head is 400 and a close, as nginx does not.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "GET /index.html HTTP/1.1\nHost: 127.0.0.1\r\n\r\n",
        "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\nAccept: */*\r\n\r\n",
        "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\n",
        "\nGET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /index.html HTTP/1.0\n\n"})
    void bareLfIs400AndClose(String request) throws IOException {
        assertRejectedAndClosed(request, 400);
    }

    @Test
    void bareLfInsideAFieldCannotSmuggleAContentLength() throws IOException {
        // Split on the bare LF, this head frames a body that is a second request; a proxy that
        // does not split there sees no body, and would take that request for the next one.
        String smuggled = "GET /1k.bin HTTP/1.0\r\n\r\n";
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "Dummy: x\nContent-Length: " + smuggled.length()
                + "\r\n\r\n" + smuggled, 400);
    }

    @Test
    void bareLfArrivingInALaterReadIs400AndClose() throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send("GET /index.html HTTP/1.1\r\n" + HOST + "X-Test: a");
            sleepMs(100); // the first part is parsed (NEED_MORE) before the rest arrives
            c.send("\nX-More: b\r\n\r\n");
            RawHttp.Response r = c.read();
            assertErrorPage(r, 400);
            assertThat(r.hasToken("Connection", "close")).as("Connection: close in\n%s", r).isTrue();
            assertClosed(c);
        }
    }

    // ---- version (RFC 9112 2.3) ----

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/2.0", "HTTP/3.0", "HTTP/9.9"})
    void unsupportedMajorVersionIs505(String version) throws IOException {
        assertRejectedAndClosed("GET /index.html " + version + "\r\n" + HOST + "\r\n", 505);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1x", "HTTX/1.1", "http/1.1", "HTTP/1.", "HTTP/1", "HTTP/a.b", "HTTP 1.1", "HTTP/1.1/1.1"})
    void malformedVersionIs400(String version) throws IOException {
        assertRejectedAndClosed("GET /index.html " + version + "\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void requestLineWithoutVersionIs400() throws IOException {
        assertRejectedAndClosed("GET /index.html\r\n" + HOST + "\r\n", 400);
    }

    @Test
    void higherMinorVersionIsServedAs11() throws IOException {
        // RFC 9112 2.3: process a higher minor version as the highest one implemented; answer in HTTP/1.1.
        RawHttp.Response r = exchange("GET /index.html HTTP/1.2\r\n" + HOST + "\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.statusLine()).startsWith("HTTP/1.1 ");
    }

    // ---- size limits (defaults: request line 8 KiB, header section 16 KiB, 100 fields) ----

    @Test
    void requestLineOverLimitIs414() throws IOException {
        assertRejectedAndClosed(RawHttp.get("/" + "a".repeat(9000)), 414);
    }

    @Test
    void requestLineUnderLimitIsServed() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/index.html?" + "q".repeat(7900)));
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void headerSectionOverLimitIs431() throws IOException {
        String big = "X-Big: " + "b".repeat(17 * 1024) + "\r\n";
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + big + "\r\n", 431);
    }

    @Test
    void manyHeadersOverSectionLimitAre431() throws IOException {
        StringBuilder sb = new StringBuilder("GET /index.html HTTP/1.1\r\n" + HOST);
        for (int i = 0; i < 20; i++) {
            sb.append("X-H").append(i).append(": ").append("v".repeat(1000)).append("\r\n");
        }
        assertRejectedAndClosed(sb.append("\r\n").toString(), 431);
    }

    @Test
    void headerSectionUnderLimitIsServed() throws IOException {
        StringBuilder sb = new StringBuilder("GET /index.html HTTP/1.1\r\n" + HOST);
        for (int i = 0; i < 14; i++) {
            sb.append("X-H").append(i).append(": ").append("v".repeat(1000)).append("\r\n");
        }
        assertThat(exchange(sb.append("\r\n").toString()).status()).isEqualTo(200);
    }

    @Test
    void moreThan100HeadersAre431() throws IOException {
        assertRejectedAndClosed(withHeaderCount(101), 431);
    }

    @Test
    void exactly100HeadersAreServed() throws IOException {
        assertThat(exchange(withHeaderCount(100)).status()).isEqualTo(200);
    }

    private static String withHeaderCount(int count) {
        StringBuilder sb = new StringBuilder("GET /index.html HTTP/1.1\r\n" + HOST);
        for (int i = 1; i < count; i++) {
            sb.append("X-H").append(i).append(": ").append(i).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    // ---- message body framing (RFC 9112 6) ----

    @Test
    void contentLengthBodyOfGetIsDiscarded() throws IOException {
        assertBodyDiscarded("Content-Length: 5\r\n\r\nABCDE");
    }

    /**
     * A body over the discard limit (1 MiB) is not read: the answer says Connection: close exactly
     * once, with a well-formed head, whether the request asked for keep-alive (1.1, 1.0 with
     * keep-alive) or not (1.0, Connection: close).
     */
    @Test
    void bodyOverTheDiscardLimitGetsOneConnectionClose() throws IOException {
        String length = "Content-Length: " + (2 << 20) + "\r\n";
        for (String request : List.of(
                "POST /one.bin HTTP/1.1\r\n" + HOST + length + "\r\n",
                "POST /one.bin HTTP/1.1\r\n" + HOST + "Connection: close\r\n" + length + "\r\n",
                "POST /one.bin HTTP/1.0\r\n" + length + "\r\n",
                "POST /one.bin HTTP/1.0\r\nConnection: keep-alive\r\n" + length + "\r\n",
                "GET /one.bin HTTP/1.0\r\n" + length + "\r\n")) {
            try (RawHttp.Conn c = connect()) {
                c.send(request + "x".repeat(1000));
                RawHttp.Response r = c.read();
                assertThat(r.headers("Connection")).as("Connection headers answering\n%s\n%s", request, r)
                        .containsExactly("close");
                assertThat(r.header("Content-Length")).as("answering\n%s\n%s", request, r).isNotNull();
                assertThat(r.body().length).isEqualTo(Integer.parseInt(r.header("Content-Length")));
                assertClosed(c);
            }
        }
    }

    @Test
    void contentLengthBodyCanLookLikeARequest() throws IOException {
        String smuggled = RawHttp.get("/16k.bin");
        assertBodyDiscarded("Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
    }

    @Test
    void identicalContentLengthListIsAccepted() throws IOException {
        // RFC 9110 8.6: a list of identical values may be treated as that one value.
        assertBodyDiscarded("Content-Length: 5, 5\r\n\r\nABCDE");
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailersIsDiscarded() throws IOException {
        assertBodyDiscarded("Transfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n"
                + "3;name=\"quoted;value\"\r\nabc\r\n"
                + "A\r\n0123456789\r\n"
                + "0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n");
    }

    @Test
    void chunkedBodyArrivingInPiecesIsDiscarded() throws IOException {
        String head = "GET /index.html HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n";
        String body = "4\r\nwiki\r\n6;x=y\r\npedia \r\n0\r\n\r\n";
        try (RawHttp.Conn c = connect()) {
            c.send(head);
            for (int i = 0; i < body.length(); i += 3) {
                c.send(body.substring(i, Math.min(body.length(), i + 3)));
                sleepMs(2); // separate segments: the body parser must resume mid-chunk
            }
            c.send(RawHttp.request("GET", "/1k.bin", "Connection: close"));
            assertTwoResponses(c.readUntilEof());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "zz\r\nhello\r\n0\r\n\r\n",              // size not hex
        "5\r\nhelloXX\r\n0\r\n\r\n",             // data longer than the size
        "-1\r\nx\r\n0\r\n\r\n",                   // negative
        "fffffffffffffffffff\r\nx\r\n0\r\n\r\n", // overflows 64 bits
        "\r\nhello\r\n0\r\n\r\n",                // empty size
    })
    void malformedChunkedBodyIs400AndClose(String body) throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send("GET /index.html HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n" + body
                    + RawHttp.get("/1k.bin"));
            RawHttp.Response r = c.read();
            if (r.status() == 200) {
                // Allowed alternative: the GET was answered before its body was read; the bad
                // framing can then only be answered by closing. Nothing else may follow.
                assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
            } else {
                assertErrorPage(r, 400);
                assertThat(r.hasToken("Connection", "close")).as("Connection: close in\n%s", r).isTrue();
            }
            assertClosed(c);
        }
    }

    @Test
    void contentLengthWithTransferEncodingIs400AndClose() throws IOException {
        // RFC 9112 6.3: a smuggling vector; the server must close after answering.
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST
                + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "1, 2", "+5", "5 5", "0x5", "", "99999999999999999999999"})
    void invalidContentLengthIs400AndClose(String value) throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "Content-Length: " + value + "\r\n\r\nABCDE", 400);
    }

    @Test
    void conflictingContentLengthHeadersAre400() throws IOException {
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST
                + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nAB", 400);
    }

    @Test
    void unknownTransferCodingIs501() throws IOException {
        // RFC 9112 6.1: a transfer coding the server does not understand -> 501.
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
    }

    @Test
    void unknownTransferCodingOnItsOwnLineIs501() throws IOException {
        // RFC 9110 5.3: two field lines are one list, "gzip, chunked".
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST
                + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501);
    }

    @Test
    void chunkedThatIsNotTheFinalCodingIs400() throws IOException {
        // RFC 9112 6.3: chunked not last -> the length cannot be determined: 400 and close.
        assertRejectedAndClosed("GET /index.html HTTP/1.1\r\n" + HOST
                + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    void transferEncodingWithoutFinalChunkedIsRefused() throws IOException {
        // "gzip" alone is unknown (RFC 9112 6.1: 501) and leaves the body length undeterminable
        // (RFC 9112 6.3: 400 and close): either status, always with a close.
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send("GET /index.html HTTP/1.1\r\n" + HOST + "Transfer-Encoding: gzip\r\n\r\n").read();
            assertThat(r.status()).isIn(400, 501);
            assertErrorPage(r, r.status());
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertClosed(c);
        }
    }

    @Test
    void transferEncodingIn10IsRefused() throws IOException {
        // RFC 9112 6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
        assertRejectedAndClosed("GET /index.html HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    /** GET /index.html with the given framing headers + body, then GET /1k.bin: exactly two 200s. */
    private void assertBodyDiscarded(String framingAndBody) throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send("GET /index.html HTTP/1.1\r\n" + HOST + framingAndBody
                    + RawHttp.request("GET", "/1k.bin", "Connection: close"));
            assertTwoResponses(c.readUntilEof());
        }
    }

    private void assertTwoResponses(byte[] stream) throws IOException {
        List<RawHttp.Response> responses = RawHttp.parseAll(stream);
        assertThat(responses).as("responses (a body parsed as a request adds one)").hasSize(2);
        assertThat(responses.get(0).status()).as("first:\n%s", responses.get(0)).isEqualTo(200);
        assertThat(responses.get(0).body()).isEqualTo(files.bytes("/index.html"));
        assertThat(responses.get(1).status()).as("second:\n%s", responses.get(1)).isEqualTo(200);
        assertThat(responses.get(1).body()).isEqualTo(files.bytes("/1k.bin"));
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
