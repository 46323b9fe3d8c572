package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.response.Response;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** GET/HEAD of files, response headers, methods (RFC 9110 sections 8, 9, 15). */
public abstract class StaticFilesContract extends ServerContract {
    /** IMF-fixdate, RFC 9110 5.6.7: the only format a server may generate. */
    static final String IMF_FIXDATE =
            "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT";
    /** entity-tag without W/ (RFC 9110 8.8.3): DQUOTE *etagc DQUOTE. */
    static final String STRONG_ETAG = "\"[\\x21\\x23-\\x7e\\x80-\\xff]*\"";

    static Stream<String> sizedPaths() {
        return Fixtures.SIZED.keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("sizedPaths")
    void getReturnsExactBytesForEverySize(String path) {
        byte[] expected = files.bytes(path);
        Response r = http().get(path);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(expected.length));
        byte[] body = r.asByteArray();
        assertThat(body.length).isEqualTo(expected.length);
        assertThat(Fixtures.sha256(body)).isEqualTo(Fixtures.sha256(expected));
    }

    @ParameterizedTest
    @MethodSource("sizedPaths")
    void headHasSameHeadersAndNoBody(String path) throws IOException {
        RawHttp.Response get = exchange(RawHttp.get(path));
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response head = c.send(RawHttp.request("HEAD", path, "Connection: close")).readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(files.bytes(path).length));
            for (String name : List.of("Content-Type", "ETag", "Last-Modified", "Accept-Ranges")) {
                assertThat(head.header(name)).as(name).isEqualTo(get.header(name));
            }
            assertClosed(c); // no body bytes between the head and EOF
        }
    }

    @Test
    void responseCarriesTheStandardHeaders() {
        Response r = http().get("/index.html");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.asByteArray()).isEqualTo(files.bytes("/index.html"));
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(files.bytes("/index.html").length));
        assertThat(mediaType(r.header("Content-Type"))).isEqualTo("text/html;charset=utf-8");
        assertThat(r.header("Server")).startsWith("uring-httpd");
        assertThat(r.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(r.header("Last-Modified")).isEqualTo(Fixtures.MTIME_HTTP);
        assertThat(r.header("ETag")).matches(STRONG_ETAG);
    }

    @Test
    void dateIsCurrentImfFixdate() {
        String date = http().get("/index.html").header("Date");
        assertThat(date).matches(IMF_FIXDATE);
        Instant sent = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        // Clock sanity, not speed: the server formats the date from the wall clock at most a second ago.
        assertThat(Duration.between(sent, Instant.now()).abs()).isLessThan(Duration.ofMinutes(2));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/index.html     | text/html;charset=utf-8",
        "/style.css      | text/css;charset=utf-8",
        "/NOTES.TXT      | text/plain;charset=utf-8",
        "/dir/file.txt   | text/plain;charset=utf-8",
        "/1k.bin         | application/octet-stream",
        "/empty.bin      | application/octet-stream",
    })
    void contentTypeFollowsTheExtension(String path, String expected) {
        Response r = http().get(path);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(mediaType(r.header("Content-Type"))).isEqualTo(expected);
    }

    @Test
    void javascriptIsServedAsUtf8Script() {
        // RFC 9239 made text/javascript the one to use; application/javascript is still common.
        String type = mediaType(http().get("/app.js").header("Content-Type"));
        assertThat(type).isIn("text/javascript;charset=utf-8", "application/javascript;charset=utf-8");
    }

    @Test
    void etagIsStableAndDiffersBetweenFiles() {
        String first = http().get("/1k.bin").header("ETag");
        String again = http().get("/1k.bin").header("ETag");
        String head = http().head("/1k.bin").header("ETag");
        String other = http().get("/16k.bin").header("ETag");
        assertThat(first).matches(STRONG_ETAG).isEqualTo(again).isEqualTo(head);
        assertThat(other).matches(STRONG_ETAG).isNotEqualTo(first);
    }

    @Test
    void emptyFileHasZeroContentLength() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.get("/empty.bin")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo("0");
            assertStillOpen(c);
        }
    }

    @Test
    void missingFileIs404WithSmallHtmlBodyAndKeepsTheConnection() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.get("/no-such-file.html")).read();
            assertErrorPage(r, 404);
            assertThat(r.hasToken("Connection", "close")).isFalse();
            assertStillOpen(c);
        }
    }

    @Test
    void missingFileUnderAFileIs404() throws IOException {
        // /1k.bin/x: a path through a regular file (ENOTDIR) is simply not found.
        assertErrorPage(exchange(RawHttp.get("/1k.bin/x")), 404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
    void unsupportedMethodIs405WithAllow(String method) throws IOException {
        RawHttp.Response r = exchange(RawHttp.request(method, "/index.html", "Content-Length: 0"));
        assertErrorPage(r, 405);
        assertAllowHeader(r);
        assertThat(r.hasToken("Allow", method)).isFalse();
    }

    @Test
    void restAssuredPostIs405() {
        Response r = http().body("x=1").post("/index.html");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.header("Allow")).isNotNull();
    }

    @Test
    void bodyOf405RequestIsNotParsedAsARequest() throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send("POST /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nABCDE"
                    + RawHttp.get("/1k.bin"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(405);
            if (r.hasToken("Connection", "close")) {
                assertClosed(c); // allowed: close instead of reading the body
            } else {
                RawHttp.Response next = c.read();
                assertThat(next.status()).as("the request after the body:\n%s", next).isEqualTo(200);
                assertThat(next.body()).isEqualTo(files.bytes("/1k.bin"));
            }
        }
    }

    @Test
    void optionsIs204WithAllowAndNoContent() throws IOException {
        try (RawHttp.Conn c = connect()) {
            // OPTIONS then GET in one write: any stray body bytes after the 204 would break the second response.
            c.send(RawHttp.request("OPTIONS", "/index.html") + RawHttp.get("/1k.bin"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(204);
            assertAllowHeader(r);
            // RFC 9110 8.6: a server MUST NOT send Content-Length in a 204.
            assertThat(r.header("Content-Length")).as("Content-Length in a 204").isNull();
            RawHttp.Response next = c.read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).isEqualTo(files.bytes("/1k.bin"));
        }
    }

    @Test
    void optionsAsteriskIs204WithAllow() throws IOException {
        RawHttp.Response r = exchange("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(r.status()).isEqualTo(204);
        assertAllowHeader(r);
    }

    @Test
    void asteriskIsOnlyForOptions() throws IOException {
        RawHttp.Response r = exchange("GET * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FOO", "get", "Get", "GETT", "BREW"})
    void unknownOrLowercaseMethodIsNeverServed(String method) throws IOException {
        // Methods are case-sensitive (RFC 9110 9.1): "get" is an unknown method, not GET.
        RawHttp.Response r = exchange(RawHttp.request(method, "/index.html"));
        assertThat(r.status()).as("response to %s:\n%s", method, r).isIn(400, 501);
        assertThat(r.body()).isNotEqualTo(files.bytes("/index.html"));
        assertErrorPage(r, r.status());
    }

    @Test
    void traceIsRefused() throws IOException {
        RawHttp.Response r = exchange(RawHttp.request("TRACE", "/index.html"));
        assertThat(r.status()).isIn(405, 501);
        assertThat(r.bodyText()).doesNotContain("TRACE /index.html");
    }

    /** RFC 9110 10.2.1: Allow lists the methods the target supports: here GET, HEAD, OPTIONS. */
    static void assertAllowHeader(RawHttp.Response r) {
        assertThat(r.header("Allow")).as("Allow in\n%s", r).isNotNull();
        for (String method : List.of("GET", "HEAD", "OPTIONS")) {
            assertThat(r.hasToken("Allow", method)).as("Allow lists %s: %s", method, r.header("Allow")).isTrue();
        }
        List<String> listed = Arrays.stream(r.header("Allow").split(",")).map(String::trim).toList();
        assertThat(listed).doesNotContain("POST", "PUT", "DELETE", "PATCH");
    }

    /** Media type compared the way RFC 9110 8.3.1 defines it: case-insensitive, no spaces around ';'. */
    static String mediaType(String value) {
        assertThat(value).as("Content-Type").isNotNull();
        return value.toLowerCase(Locale.ROOT).replace(" ", "").replace("\"", "");
    }
}
