package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestParserTest {
    private final NativeText mem = new NativeText();
    private final RequestParser parser = new RequestParser(HttpLimits.defaults());
    private final Request req = parser.newRequest();

    @AfterEach
    void close() {
        mem.close();
    }

    private int parse(String raw) {
        return parse(parser, raw, req);
    }

    private int parse(RequestParser p, String raw, Request r) {
        return p.parse(mem.put(raw), raw.length(), new ParseState(), r);
    }

    private String path() {
        return new String(req.path, 0, req.pathLength, StandardCharsets.ISO_8859_1);
    }

    private static java.util.List<String> lines(FieldLines field) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < field.count(); i++) {
            out.add(NativeText.read(field.address(i), field.length(i)));
        }
        return out;
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    // ------------------------------------------------------------------ request line

    @Test
    void parsesSimpleGet() {
        String raw = "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8\r\n\r\n";
        assertThat(parse(raw)).isEqualTo(raw.length());
        assertThat(req.method).isEqualTo(Method.GET);
        assertThat(req.versionMinor).isEqualTo(1);
        assertThat(req.keepAlive).isTrue();
        assertThat(req.contentLength).isEqualTo(-1);
        assertThat(req.chunked).isFalse();
        assertThat(req.targetForm).isEqualTo(Request.ORIGIN_FORM);
        assertThat(path()).isEqualTo("/index.html");
        assertThat(req.pathEndsWithSlash).isFalse();
        assertThat(NativeText.read(req.targetAddress, req.targetLength)).isEqualTo("/index.html");
        assertThat(req.queryLength).isZero();
        assertThat(NativeText.read(req.hostAddress, req.hostLength)).isEqualTo("example.com");
        assertThat(NativeText.read(req.userAgentAddress, req.userAgentLength)).isEqualTo("curl/8");
        assertThat(req.refererLength).isEqualTo(-1);
        assertThat(req.ifNoneMatch.count()).isZero();
        assertThat(req.ifMatch.count()).isZero();
        assertThat(req.rangeLength).isEqualTo(-1);
        assertThat(req.headLength).isEqualTo(raw.length());
    }

    @ParameterizedTest
    @CsvSource({"GET,1", "HEAD,2", "OPTIONS,3", "POST,4", "PUT,5", "DELETE,6", "PATCH,7", "TRACE,8"})
    void knowsTheStandardMethods(String name, int method) {
        assertThat(parse(name + " / HTTP/1.1\r\nHost: x\r\n\r\n")).isPositive();
        assertThat(req.method).isEqualTo(method);
        assertThat(Method.name(method)).isEqualTo(name.getBytes(StandardCharsets.US_ASCII));
    }

    @ParameterizedTest
    @ValueSource(strings = {"get", "Get", "FOO", "PROPFIND", "GETS", "GE", "BREW", "OPTIONSX"})
    void unknownMethodTokenIsNotImplemented(String method) {
        assertThat(parse(method + " / HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.NOT_IMPLEMENTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GE@T", "GET\"", "G(T", "GET\u0000", "G\u00c9T"})
    void methodWithNonTokenCharIsBadRequest(String method) {
        assertThat(parse(method + " / HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void emptyMethodIsBadRequest() {
        assertThat(parse(" / HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET  / HTTP/1.1\r\n", "GET /  HTTP/1.1\r\n", "GET / HTTP/1.1 \r\n", "GET\t/ HTTP/1.1\r\n",
        "GET /\tHTTP/1.1\r\n", "GET / HTTP/1.1\t\r\n", "GET /\r\n", "GET / \r\n", "GET\r\n"})
    void separatorsAreSingleSpaces(String line) {
        assertThat(parse(line + "Host: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void http10MayOmitHostAndIsNotKeptAlive() {
        assertThat(parse("GET / HTTP/1.0\r\n\r\n")).isPositive();
        assertThat(req.versionMinor).isZero();
        assertThat(req.keepAlive).isFalse();
        assertThat(req.hostLength).isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.2", "HTTP/1.9"})
    void higherMinorVersionIsServedAsHttp11(String version) {
        assertThat(parse("GET / " + version + "\r\nHost: x\r\n\r\n")).isPositive();
        assertThat(req.versionMinor).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/2.0", "HTTP/2", "HTTP/3", "HTTP/3.0", "HTTP/0.9", "HTTP/9.9", "HTTP/10.1"})
    void otherMajorVersionIsNotSupported(String version) {
        assertThat(parse("GET / " + version + "\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.VERSION_NOT_SUPPORTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1", "HTTP/1.", "HTTP/1.1x", "HTTP/1.10", "HTTP/1.x", "http/1.1", "HTTP/", "HTTP/x.1",
        "HTTP/2.x", "HTTP/2.", "HTTX/1.1", "HTTP 1.1", "HTTP/1,1", "HTTP/ 1.1"})
    void malformedVersionIsBadRequest(String version) {
        assertThat(parse("GET / " + version + "\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    /**
     * RFC 9112 §2.2 allows a bare LF as a line end, but a proxy that does not split there reads
     * another request than this server would (request smuggling, §11.2): every bare LF is 400.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "GET /a HTTP/1.1\nHost: x\r\n\r\n",                              // ends the request line
        "GET /a HTTP/1.0\nHost: x\r\n\r\n",                              // the same after HTTP/1.0
        "GET /a HTTP/1.1\r\nHost: x\nAccept: */*\r\n\r\n",               // ends a field line
        "GET /a HTTP/1.1\r\nDummy: x\nContent-Length: 23\r\n\r\n",       // the smuggling shape
        "GET /a HTTP/1.1\r\nHost: x\r\n\n",                              // the blank line ending the head
        "GET /a HTTP/1.1\r\nHost: x\r\n\nGET /b HTTP/1.1\r\n\r\n",       // the same, with a pipelined request
        "\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n",                          // an empty line before the request line
        "\r\n\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a HTTP/1.1\n\n",
        "GET /a\n",                                                        // in the target
        "GET\n/a HTTP/1.1\r\n\r\n",                                       // in the method
        "GET /a HTTP/1.1\r\nHost:\n\r\n\r\n",                            // an empty value
        "GET /a HTTP/1.1\r\nHost\n: x\r\n\r\n",                           // in a field name
        "GET /a HTTP/1.1\r\nHost: x \n\r\n\r\n"})                         // after trailing OWS
    void bareLfIsBadRequest(String raw) {
        assertThat(parse(raw)).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void bareLfIsBadRequestWhenTheHeadArrivesInPieces() {
        String[] heads = {
            "GET /a HTTP/1.1\nHost: x\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: x\nAccept: */*\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: x\r\n\n"};
        for (String raw : heads) {
            int lf = -1;
            // the bare LF is the one not preceded by CR
            for (int i = 0; i < raw.length(); i++) {
                if (raw.charAt(i) == '\n' && (i == 0 || raw.charAt(i - 1) != '\r')) {
                    lf = i;
                    break;
                }
            }
            long a = mem.put(raw);
            ParseState st = new ParseState();
            // one byte at a time: nothing is decided before the LF arrives, the LF is refused
            for (int received = 1; received <= lf; received++) {
                assertThat(parser.parse(a, received, st, req)).as("%s after %d bytes", raw, received)
                    .isEqualTo(RequestParser.NEED_MORE);
            }
            assertThat(parser.parse(a, lf + 1, st, req)).as(raw).isEqualTo(RequestParser.BAD_REQUEST);
            assertThat(st.isIdle()).as("state reset after the error").isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET / HTTP/1.1\rHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\rAccept: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\rX", "\rGET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\r\n\r\n"})
    void bareCrIsBadRequest(String raw) {
        assertThat(parse(raw)).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void leadingEmptyLinesAreIgnored() {
        String raw = "\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n";
        assertThat(parse(raw)).isEqualTo(raw.length());
        assertThat(path()).isEqualTo("/x");
        assertThat(NativeText.read(req.targetAddress, req.targetLength)).isEqualTo("/x");
    }

    @Test
    void endlessLeadingEmptyLinesAreCapped() {
        RequestParser small = new RequestParser(new HttpLimits(32, 256, 8));
        Request r = small.newRequest();
        assertThat(parse(small, "\r\n".repeat(16) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n", r)).isPositive();
        assertThat(parse(small, "\r\n".repeat(17), r)).isEqualTo(RequestParser.BAD_REQUEST);
    }

    // ------------------------------------------------------------------ request-target forms

    @Test
    void absoluteFormTakesPathAndAuthority() {
        assertThat(parse("GET http://Example.com:8080/a/../b?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")).isPositive();
        assertThat(req.targetForm).isEqualTo(Request.ABSOLUTE_FORM);
        assertThat(path()).isEqualTo("/b");
        assertThat(NativeText.read(req.queryAddress, req.queryLength)).isEqualTo("?q=1");
        // RFC 9112 §3.2.2: the target's authority replaces Host
        assertThat(NativeText.read(req.hostAddress, req.hostLength)).isEqualTo("Example.com:8080");
    }

    @ParameterizedTest
    @CsvSource({"http://h,/", "HTTPS://h/x/,/x/", "http://h?y,/", "hTTp://[::1]:80/i,/i"})
    void absoluteFormVariants(String target, String expectedPath) {
        assertThat(parse(get(target))).isPositive();
        assertThat(path()).isEqualTo(expectedPath);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://user@h/", "http:///x", "http://", "ftp://h/", "http:/h/", "h/x", "x", "a:b", "*x", "?q"})
    void otherTargetsAreBadRequest(String target) {
        assertThat(parse(get(target))).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void asteriskFormOnlyForOptions() {
        assertThat(parse("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")).isPositive();
        assertThat(req.targetForm).isEqualTo(Request.ASTERISK_FORM);
        assertThat(path()).isEqualTo("*");
        assertThat(parse("GET * HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(parse("HEAD * HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void connectUsesAuthorityForm() {
        assertThat(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")).isPositive();
        assertThat(req.method).isEqualTo(Method.CONNECT);
        assertThat(req.targetForm).isEqualTo(Request.AUTHORITY_FORM);
        assertThat(req.pathLength).isZero();
        assertThat(NativeText.read(req.hostAddress, req.hostLength)).isEqualTo("example.com:443");
    }

    // ------------------------------------------------------------------ limits

    /** A request line of exactly n bytes (CRLF excluded). */
    private static String lineOf(int n) {
        String head = "GET /";
        String tail = " HTTP/1.1";
        return head + "a".repeat(n - head.length() - tail.length()) + tail;
    }

    @Test
    void requestLineAtTheLimitIsAccepted() {
        RequestParser p = new RequestParser(new HttpLimits(64, 256, 8));
        Request r = p.newRequest();
        assertThat(parse(p, lineOf(64) + "\r\nHost: x\r\n\r\n", r)).isPositive();
        assertThat(r.pathLength).isEqualTo(64 - "GET  HTTP/1.1".length());
        // a bare LF right at the limit is still 400, not 414
        assertThat(parse(p, lineOf(64) + "\nHost: x\r\n\r\n", r)).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void requestLineOverTheLimitIsUriTooLong() {
        RequestParser p = new RequestParser(new HttpLimits(64, 256, 8));
        Request r = p.newRequest();
        assertThat(parse(p, lineOf(65) + "\r\nHost: x\r\n\r\n", r)).isEqualTo(RequestParser.URI_TOO_LONG);
        assertThat(parse(p, lineOf(65) + "\nHost: x\n\n", r)).isEqualTo(RequestParser.URI_TOO_LONG);
    }

    @Test
    void requestLineOverTheLimitIsRefusedBeforeItsEndArrives() {
        RequestParser p = new RequestParser(new HttpLimits(64, 256, 8));
        Request r = p.newRequest();
        String target = "GET /" + "a".repeat(100);
        assertThat(parse(p, target.substring(0, 64), r)).isEqualTo(RequestParser.NEED_MORE);
        assertThat(parse(p, target.substring(0, 65), r)).isEqualTo(RequestParser.URI_TOO_LONG);
        // also when it arrives in pieces: 64 bytes wait, the 65th is refused
        ParseState st = new ParseState();
        long a = mem.put(target);
        assertThat(p.parse(a, 30, st, r)).isZero();
        assertThat(p.parse(a, 64, st, r)).isZero();
        assertThat(p.parse(a, 65, st, r)).isEqualTo(RequestParser.URI_TOO_LONG);
        // a method token that never ends is refused the same way
        assertThat(parse(p, "G".repeat(65), r)).isEqualTo(RequestParser.URI_TOO_LONG);
    }

    /** A head whose header section (after the request line, final empty line included) is exactly n bytes. */
    private static String headerSectionOf(int n) {
        String host = "Host: x\r\n";
        String filler = "X: ";
        int fill = n - host.length() - filler.length() - 2 - 2;
        return "GET / HTTP/1.1\r\n" + host + filler + "v".repeat(fill) + "\r\n\r\n";
    }

    @Test
    void headerSectionAtTheLimitIsAccepted() {
        RequestParser p = new RequestParser(new HttpLimits(64, 100, 8));
        Request r = p.newRequest();
        String raw = headerSectionOf(100);
        assertThat(raw.length() - "GET / HTTP/1.1\r\n".length()).isEqualTo(100);
        assertThat(parse(p, raw, r)).isEqualTo(raw.length());
    }

    @Test
    void headerSectionOverTheLimitIsTooLarge() {
        RequestParser p = new RequestParser(new HttpLimits(64, 100, 8));
        Request r = p.newRequest();
        assertThat(parse(p, headerSectionOf(101), r)).isEqualTo(RequestParser.HEADER_FIELDS_TOO_LARGE);
        // refused before the end arrives
        String endless = "GET / HTTP/1.1\r\nHost: x\r\nX: " + "v".repeat(200);
        int cut = "GET / HTTP/1.1\r\n".length() + 100;
        assertThat(parse(p, endless.substring(0, cut), r)).isEqualTo(RequestParser.NEED_MORE);
        assertThat(parse(p, endless.substring(0, cut + 1), r)).isEqualTo(RequestParser.HEADER_FIELDS_TOO_LARGE);
    }

    @Test
    void headerCountAtTheLimitIsAcceptedAndOneMoreIsTooLarge() {
        RequestParser p = new RequestParser(new HttpLimits(64, 1024, 4));
        Request r = p.newRequest();
        assertThat(parse(p, "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", r)).isPositive();
        assertThat(parse(p, "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", r))
            .isEqualTo(RequestParser.HEADER_FIELDS_TOO_LARGE);
    }

    // ------------------------------------------------------------------ header syntax

    @ParameterizedTest
    @ValueSource(strings = {"Ho(st: x", "Host\u0000: x", "H\u00f6st: x", "X\"Y: z"})
    void fieldNameMustBeAToken(String field) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\n" + field + "\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void whitespaceBeforeColonIsBadRequest() {
        assertThat(parse("GET / HTTP/1.1\r\nHost : x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(parse("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void obsFoldIsBadRequest() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void whitespaceBeforeTheFirstFieldIsBadRequest() {
        assertThat(parse("GET / HTTP/1.1\r\n Host: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NoColonHere", ": empty-name", "Host"})
    void fieldLineWithoutNameOrColonIsBadRequest(String line) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\n" + line + "\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "a\u0001b", "a\u007fb", "a\u001bb", "a\u000bb", "\u0000"})
    void controlCharactersInValueAreBadRequest(String value) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: " + value + "\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void htabAndObsTextInValueAreAllowedAndOwsIsTrimmed() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: \t a\tb \u00e9\u00ff \t \r\n\r\n")).isPositive();
        assertThat(NativeText.read(req.userAgentAddress, req.userAgentLength)).isEqualTo("a\tb \u00e9\u00ff");
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nReferer:\r\n\r\n")).isPositive();
        assertThat(req.refererLength).isZero();
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nReferer:   \r\n\r\n")).isPositive();
        assertThat(req.refererLength).isZero();
    }

    @Test
    void fieldNamesMatchCaseInsensitively() {
        assertThat(parse("GET / HTTP/1.1\r\nhOsT: h\r\nRANGE: bytes=0-1\r\nif-none-match: \"a\"\r\nCONNECTION: Close\r\n\r\n"))
            .isPositive();
        assertThat(NativeText.read(req.hostAddress, req.hostLength)).isEqualTo("h");
        assertThat(NativeText.read(req.rangeAddress, req.rangeLength)).isEqualTo("bytes=0-1");
        assertThat(lines(req.ifNoneMatch)).containsExactly("\"a\"");
        assertThat(req.keepAlive).isFalse();
    }

    @Test
    void namesThatOnlyLookAlikeAreIgnored() {
        // same lengths as known names; '~' must not fold onto '-' the way 'R' folds onto 'r'
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nHosu: x\r\nRange~: y\r\nIf~Range: z\r\nX-Content-Length: 5\r\n\r\n"))
            .isPositive();
        assertThat(req.rangeLength).isEqualTo(-1);
        assertThat(req.ifRangeLength).isEqualTo(-1);
        assertThat(req.contentLength).isEqualTo(-1);
    }

    @Test
    void storesConditionalAndRangeFields() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: W/\"x\", \"y\"\r\nIf-Match: *\r\n"
            + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Unmodified-Since: Mon, 07 Nov 1994 08:49:37 GMT\r\n"
            + "If-Range: \"y\"\r\nRange: bytes=1-2\r\nReferer: http://r/\r\n\r\n")).isPositive();
        assertThat(lines(req.ifNoneMatch)).containsExactly("W/\"x\", \"y\"");
        assertThat(lines(req.ifMatch)).containsExactly("*");
        assertThat(NativeText.read(req.ifModifiedSinceAddress, req.ifModifiedSinceLength)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(NativeText.read(req.ifUnmodifiedSinceAddress, req.ifUnmodifiedSinceLength)).isEqualTo("Mon, 07 Nov 1994 08:49:37 GMT");
        assertThat(NativeText.read(req.ifRangeAddress, req.ifRangeLength)).isEqualTo("\"y\"");
        assertThat(NativeText.read(req.rangeAddress, req.rangeLength)).isEqualTo("bytes=1-2");
        assertThat(NativeText.read(req.refererAddress, req.refererLength)).isEqualTo("http://r/");
    }

    @Test
    void repeatedSingletonFieldCountsAsAbsent() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\nRange: bytes=4-5\r\n"
            + "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            + "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-Unmodified-Since: x\r\n"
            + "User-Agent: one\r\nUser-Agent: two\r\n\r\n")).isPositive();
        assertThat(req.rangeLength).isEqualTo(-1);
        assertThat(req.ifModifiedSinceLength).isEqualTo(-1);
        assertThat(req.ifUnmodifiedSinceLength).isEqualTo(-1);
        assertThat(NativeText.read(req.userAgentAddress, req.userAgentLength)).isEqualTo("one");
    }

    @Test
    void repeatedIfRangeIsInvalidNotAbsent() {
        // Absent would apply the Range unconditionally; an invalid If-Range never matches, so the
        // whole representation is sent (RFC 9110 §13.1.5).
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nIf-Range: \"a\"\r\nIf-Range: \"a\"\r\n\r\n"))
            .isPositive();
        assertThat(req.ifRangeLength).isZero();
        assertThat(Conditionals.ifRange(req.ifRangeAddress, req.ifRangeLength, "\"a\"".getBytes(StandardCharsets.US_ASCII), 0))
            .isFalse();
        assertThat(NativeText.read(req.rangeAddress, req.rangeLength)).isEqualTo("bytes=0-1");
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-Range: \"a\"\r\n\r\n")).isPositive();
        assertThat(NativeText.read(req.ifRangeAddress, req.ifRangeLength)).isEqualTo("\"a\"");
        assertThat(parse(get("/"))).isPositive();
        assertThat(req.ifRangeLength).isEqualTo(-1);
    }

    @Test
    void listFieldLinesAreAllKeptInOrder() {
        // RFC 9110 §5.3: the lines of If-None-Match / If-Match are one list.
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"a\"\r\nIf-Match: \"m\"\r\nX: y\r\n"
            + "if-none-match:  \"b\", W/\"c\"  \r\nIf-None-Match:\r\nIF-MATCH: *\r\n\r\n")).isPositive();
        assertThat(lines(req.ifNoneMatch)).containsExactly("\"a\"", "\"b\", W/\"c\"", "");
        assertThat(lines(req.ifMatch)).containsExactly("\"m\"", "*");
        // the next request on the same Request starts from none
        assertThat(parse(get("/"))).isPositive();
        assertThat(req.ifNoneMatch.count()).isZero();
        assertThat(req.ifMatch.count()).isZero();
    }

    @Test
    void listFieldLinesAreCapped() {
        String eight = "If-None-Match: \"x\"\r\n".repeat(FieldLines.LINES_MAX);
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\n" + eight + "\r\n")).isPositive();
        assertThat(req.ifNoneMatch.count()).isEqualTo(FieldLines.LINES_MAX);
        // one more: 400, not "absent" (see FieldLines.LINES_MAX)
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\n" + eight + "If-None-Match: \"y\"\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
        String eightIm = "If-Match: \"x\"\r\n".repeat(FieldLines.LINES_MAX);
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\n" + eight + eightIm + "\r\n")).isPositive();
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\n" + eightIm + "If-Match: *\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void listFieldLinesSurviveEverySplitPoint() {
        String raw = "GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n";
        long a = mem.put(raw);
        for (int cut = 0; cut < raw.length(); cut++) {
            ParseState st = new ParseState();
            assertThat(parser.parse(a, cut, st, req)).isZero();
            assertThat(parser.parse(a, raw.length(), st, req)).isEqualTo(raw.length());
            assertThat(lines(req.ifNoneMatch)).containsExactly("\"a\"", "\"b\"");
        }
    }

    // ------------------------------------------------------------------ Host

    @Test
    void http11WithoutHostIsBadRequest() {
        assertThat(parse("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
        // absolute-form does not excuse the missing field (RFC 9112 §3.2)
        assertThat(parse("GET http://h/ HTTP/1.1\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void repeatedHostIsBadRequest() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(parse("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a/b", "user@h", "h\"", "h\u00e9"})
    void invalidHostValueIsBadRequest(String host) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "example.com", "example.com:8080", "[::1]:8080", "127.0.0.1", "xn--bcher-kva.example"})
    void validHostValuesAreAccepted(String host) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")).isPositive();
        assertThat(NativeText.read(req.hostAddress, req.hostLength)).isEqualTo(host);
    }

    // ------------------------------------------------------------------ Connection

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1|                              |true",
        "HTTP/1.1|Connection: close             |false",
        "HTTP/1.1|Connection: CLOSE             |false",
        "HTTP/1.1|Connection: keep-alive        |true",
        "HTTP/1.1|Connection: Upgrade, close    |false",
        "HTTP/1.1|Connection: ,, close ,        |false",
        "HTTP/1.1|Connection: closed            |true",
        "HTTP/1.0|                              |false",
        "HTTP/1.0|Connection: keep-alive        |true",
        "HTTP/1.0|Connection: Keep-Alive        |true",
        "HTTP/1.0|Connection: keep-alive, close |false",
        "HTTP/1.0|Connection: close             |false",
    })
    void keepAliveFollowsVersionAndConnection(String version, String connection, boolean keepAlive) {
        String field = connection == null ? "" : connection.strip() + "\r\n";
        assertThat(parse("GET / " + version + "\r\nHost: x\r\n" + field + "\r\n")).isPositive();
        assertThat(req.keepAlive).isEqualTo(keepAlive);
    }

    @Test
    void connectionTokensFromSeveralLinesCombine() {
        assertThat(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: foo\r\n\r\n")).isPositive();
        assertThat(req.keepAlive).isTrue();
        assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo\r\nConnection: close\r\n\r\n")).isPositive();
        assertThat(req.keepAlive).isFalse();
    }

    // ------------------------------------------------------------------ Content-Length / Transfer-Encoding

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"0|0", "5|5", "007|7", "5, 5|5", "5 ,5 , 5|5", "9223372036854775807|9223372036854775807"})
    void validContentLength(String value, long expected) {
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + "\r\n\r\n")).isPositive();
        assertThat(req.contentLength).isEqualTo(expected);
        assertThat(req.hasBody()).isEqualTo(expected > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "+5", "-1", "5a", "0x5", "5 5", "5, 6", "5,", ",5", "5,,5", "1.0",
        "9223372036854775808", "99999999999999999999999"})
    void invalidOrConflictingContentLengthIsBadRequest(String value) {
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + "\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void repeatedContentLengthMustAgree() {
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n")).isPositive();
        assertThat(req.contentLength).isEqualTo(3);
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "Chunked", "CHUNKED", ", chunked,", " , ,chunked"})
    void chunkedAloneMeansChunkedBody(String value) {
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + value + "\r\n\r\n")).isPositive();
        assertThat(req.chunked).isTrue();
        assertThat(req.contentLength).isEqualTo(-1);
        assertThat(req.hasBody()).isTrue();
    }

    @Test
    void transferCodingsFromSeveralLinesCombineInOrder() {
        // RFC 9110 §5.3: the lines are one list, "gzip, chunked" (501) or "chunked, gzip" (400).
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"))
            .isEqualTo(RequestParser.NOT_IMPLEMENTED);
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\nTransfer-Encoding: chunked\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "identity", "x-custom", "gzip, deflate",
        // RFC 9112 §6.1: we implement only chunked, so a coding before a final chunked is refused too
        // (accepting it would pass on a body that is still gzip-coded).
        "gzip, chunked", "gzip;q=1 , chunked", "GZIP,chunked", "x-custom;a=\"b,c\", chunked", "identity, chunked",
        "x ; a = b ; c=\"d\\\"e\"", "x;a=\"\""})
    void unknownTransferCodingIsNotImplemented(String value) {
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + value + "\r\n\r\n")).isEqualTo(RequestParser.NOT_IMPLEMENTED);
        assertThat(req.chunked).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked, gzip", "chunked, chunked", "chunked;x=1", "", ",", "chunked chunked", "\"chunked\"",
        // a framing error outranks the unknown coding (RFC 9112 §6.3: 400 when chunked is not final)
        "gzip, chunked, gzip", "gzip, chunked, chunked",
        // malformed transfer-parameters (RFC 9112 §7: token BWS "=" BWS ( token / quoted-string ))
        "gzip;", "gzip;a", "gzip;a=", "gzip;=b", "gzip;a=b c", "gzip;a=\"b", "gzip;a=\"b\\", "gzip;a=\"b\"c", "gzip;a=b;"})
    void chunkedNotFinalOrMalformedTransferEncodingIsBadRequest(String value) {
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + value + "\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void transferEncodingWithContentLengthIsBadRequest() {
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
        // even when the coding is one we would refuse anyway
        assertThat(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n"))
            .isEqualTo(RequestParser.BAD_REQUEST);
    }

    @Test
    void transferEncodingInHttp10IsBadRequest() {
        assertThat(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
    }

    // ------------------------------------------------------------------ pipelining, resumption

    @Test
    void pipelinedRequestsParseOneAfterTheOther() {
        String first = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n";
        String second = "HEAD /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        long a = mem.put(first + second);
        ParseState st = new ParseState();
        int n = parser.parse(a, first.length() + second.length(), st, req);
        assertThat(n).isEqualTo(first.length());
        assertThat(path()).isEqualTo("/one");
        assertThat(st.isIdle()).isTrue();
        int m = parser.parse(a + n, second.length(), st, req);
        assertThat(m).isEqualTo(second.length());
        assertThat(req.method).isEqualTo(Method.HEAD);
        assertThat(path()).isEqualTo("/two");
        assertThat(req.keepAlive).isFalse();
    }

    @Test
    void pipelinedPairArrivingOneByteAtATime() {
        String first = "\r\nGET /a/%2e/b?x=1 HTTP/1.1\r\nHost: h1\r\nContent-Length: 0\r\nRange: bytes=0-9\r\n\r\n";
        String second = "HEAD http://h2/c/ HTTP/1.0\r\nConnection: keep-alive\r\nUser-Agent: u\r\n\r\n";
        String all = first + second;
        long a = mem.put(all);
        ParseState st = new ParseState();
        int start = 0;
        int parsed = 0;
        for (int received = 1; received <= all.length(); received++) {
            int n = parser.parse(a + start, received - start, st, req);
            assertThat(n).isGreaterThanOrEqualTo(0);
            // O(n): every call examines only the new byte, so the state never trails what arrived
            if (n == 0) {
                assertThat(st.bytesExamined()).isEqualTo(received - start);
                continue;
            }
            parsed++;
            if (parsed == 1) {
                assertThat(n).isEqualTo(first.length());
                assertThat(received).isEqualTo(first.length());
                assertThat(path()).isEqualTo("/a/b");
                assertThat(NativeText.read(req.queryAddress, req.queryLength)).isEqualTo("?x=1");
                assertThat(NativeText.read(req.hostAddress, req.hostLength)).isEqualTo("h1");
                assertThat(NativeText.read(req.rangeAddress, req.rangeLength)).isEqualTo("bytes=0-9");
                assertThat(req.contentLength).isZero();
                assertThat(req.keepAlive).isTrue();
            } else {
                assertThat(n).isEqualTo(second.length());
                assertThat(req.method).isEqualTo(Method.HEAD);
                assertThat(path()).isEqualTo("/c/");
                assertThat(req.pathEndsWithSlash).isTrue();
                assertThat(NativeText.read(req.hostAddress, req.hostLength)).isEqualTo("h2");
                assertThat(NativeText.read(req.userAgentAddress, req.userAgentLength)).isEqualTo("u");
                assertThat(req.rangeLength).isEqualTo(-1);
                assertThat(req.keepAlive).isTrue();
                assertThat(req.versionMinor).isZero();
            }
            start += n;
        }
        assertThat(parsed).isEqualTo(2);
        assertThat(start).isEqualTo(all.length());
    }

    @Test
    void resumesWhenTheEngineMovedTheBytes() {
        String raw = "GET /moved HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n\r\n";
        ParseState st = new ParseState();
        assertThat(parser.parse(mem.put(raw.substring(0, 25)), 25, st, req)).isZero();
        long moved = mem.put(raw);
        assertThat(parser.parse(moved, raw.length(), st, req)).isEqualTo(raw.length());
        assertThat(req.hostAddress).isBetween(moved, moved + raw.length());
        assertThat(NativeText.read(req.userAgentAddress, req.userAgentLength)).isEqualTo("ua");
    }

    @Test
    void everySplitPointGivesTheSameResult() {
        String raw = "GET /x/y%20z?q HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"e\"\r\nConnection: close\r\n\r\n";
        long a = mem.put(raw);
        for (int cut = 0; cut < raw.length(); cut++) {
            ParseState st = new ParseState();
            assertThat(parser.parse(a, cut, st, req)).isZero();
            assertThat(parser.parse(a, raw.length(), st, req)).isEqualTo(raw.length());
            assertThat(path()).isEqualTo("/x/y z");
            assertThat(req.keepAlive).isFalse();
            assertThat(lines(req.ifNoneMatch)).containsExactly("\"e\"");
        }
    }

    @Test
    void errorsResetTheStateForTheNextConnection() {
        ParseState st = new ParseState();
        String bad = "GET / HTTP/1.1\r\nHost : x\r\n\r\n";
        assertThat(parser.parse(mem.put(bad), bad.length(), st, req)).isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(st.isIdle()).isTrue();
        String good = get("/ok");
        assertThat(parser.parse(mem.put(good), good.length(), st, req)).isEqualTo(good.length());
    }

    /**
     * Two heads arriving in pieces on two connections, parsed in turns into the one Request of a
     * loop: each completes with its own method, version, path and Content-Length (they were
     * written into the shared Request as they were read, and the other head's turn overwrote them).
     */
    @Test
    void headsParsedInTurnsKeepTheirOwnRequestLine() {
        ParseState a = new ParseState();
        ParseState b = new ParseState();
        String headA = "POST /a/first HTTP/1.0\r\nContent-Length: 5\r\nHost: x\r\n\r\n";
        String headB = "GET /b HTTP/1.1\r\nHost: y\r\n\r\n";
        long addressA = mem.put(headA);
        long addressB = mem.put(headB);
        int cutA = headA.indexOf("Host");
        assertThat(parser.parse(addressA, cutA, a, req)).isEqualTo(RequestParser.NEED_MORE);
        assertThat(parser.parse(addressB, 6, b, req)).isEqualTo(RequestParser.NEED_MORE); // "GET /b"
        assertThat(parser.parse(addressB, headB.length(), b, req)).isEqualTo(headB.length());
        assertThat(req.method).isEqualTo(Method.GET);
        assertThat(parser.parse(addressA, headA.length(), a, req)).isEqualTo(headA.length());
        assertThat(req.method).isEqualTo(Method.POST);
        assertThat(req.versionMinor).isZero();
        assertThat(req.contentLength).isEqualTo(5);
        assertThat(new String(req.path, 0, req.pathLength, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("/a/first");
    }

    @Test
    void methodIsKnownOnLaterErrors() {
        assertThat(parse("HEAD / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
        assertThat(req.method).isEqualTo(Method.HEAD); // so the error answer carries no body
    }
}
