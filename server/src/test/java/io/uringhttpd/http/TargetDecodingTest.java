package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Request-target to path: decoding, UTF-8, dot-segments, traversal payloads. */
class TargetDecodingTest {
    private final NativeText mem = new NativeText();
    private final RequestParser parser = new RequestParser(HttpLimits.defaults());
    private final Request req = parser.newRequest();

    @AfterEach
    void close() {
        mem.close();
    }

    private int parse(String target) {
        String raw = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
        return parser.parse(mem.put(raw), raw.length(), new ParseState(), req);
    }

    private String path() {
        return new String(req.path, 0, req.pathLength, StandardCharsets.ISO_8859_1);
    }

    private void assertPath(String target, String expected) {
        assertThat(parse(target)).as(target).isPositive();
        assertThat(path()).as(target).isEqualTo(expected);
        assertThat(req.pathEndsWithSlash).as(target).isEqualTo(expected.endsWith("/"));
    }

    private void assertBad(String target) {
        assertThat(parse(target)).as(target).isEqualTo(RequestParser.BAD_REQUEST);
    }

    @ParameterizedTest
    @CsvSource({
        "/,/", "/a,/a", "/a/,/a/", "/a%20b,/a b", "/%41%62,/Ab", "/%7e,/~", "/%7E,/~",
        "/a%3Fb,/a?b", "/a%23b,/a#b", "/a+b,/a+b",
    })
    void percentDecodesOnce(String target, String expected) {
        assertPath(target, expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%G1", "/%1G", "/%2", "/%", "/a%", "/a%%41", "/%-1", "/% 1"})
    void badEscapeIsBadRequest(String target) {
        // "/% 1" never gets here as such (SP ends the target), the rest is then not a version: still 400
        assertBad(target);
    }

    @Test
    void encodedNulIsBadRequest() {
        assertBad("/a%00b");
        assertBad("/%00");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\u007fb", "/a\tb", "/a\u0000b", "/a\u0001b", "/a#frag", "/#", "/a?q#f"})
    void rawControlBytesAndFragmentsAreBadRequest(String target) {
        assertBad(target);
    }

    @Test
    void queryIsKeptRawAndIgnoredForTheLookup() {
        assertThat(parse("/dir/file.txt?a=%ZZ&b=/../x")).isPositive();
        assertThat(path()).isEqualTo("/dir/file.txt");
        assertThat(NativeText.read(req.queryAddress, req.queryLength)).isEqualTo("?a=%ZZ&b=/../x");
        assertThat(NativeText.read(req.targetAddress, req.targetLength)).isEqualTo("/dir/file.txt?a=%ZZ&b=/../x");
        assertPath("/a/?", "/a/");
        assertThat(NativeText.read(req.queryAddress, req.queryLength)).isEqualTo("?");
    }

    @ParameterizedTest
    @CsvSource({
        "/a/./b,/a/b", "/a/b/../c,/a/c", "//a///b//,/a/b/", "/a/.,/a/", "/a/..,/", "/a/b/..,/a/", "/./,/", "/.,/",
        "/a/./../b/./c/.,/b/c/", "/...,/...", "/..a/b..,/..a/b..", "/.hidden,/.hidden", "/a/.../b,/a/.../b",
        "/a/b/../../c,/c", "/%2e/a,/a", "/a/%2E%2e/b,/b",
    })
    void removesDotSegmentsAndCollapsesSlashes(String target, String expected) {
        assertPath(target, expected);
    }

    @Test
    void dotDotInsideANameIsJustAName() {
        assertPath("/a%2e%2e/b", "/a../b");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/..", "/../", "/../x", "/a/../../x", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/etc/passwd", "/..%2f..%2fetc/passwd",
        "/..%2F..%2F", "/a/..%2f..%2f", "/.%2e/x", "/%2e./x", "//../x", "/./../x",
    })
    void climbingAboveTheRootIsBadRequest(String target) {
        assertBad(target);
    }

    @Test
    void encodedSlashIsASeparatorAfterDecoding() {
        assertPath("/a%2fb", "/a/b");
        assertPath("/a%2F..%2Fb", "/b");
    }

    @Test
    void doubleEncodingStaysLiteral() {
        assertPath("/%252e%252e/x", "/%2e%2e/x");
        assertPath("/%252e%252e%252fetc%252fpasswd", "/%2e%2e%2fetc%2fpasswd");
    }

    @Test
    void backslashIsAnOrdinaryByte() {
        assertPath("/a\\..\\b", "/a\\..\\b");
        assertPath("/..%5c..%5cwin.ini", "/..\\..\\win.ini");
        assertPath("/%5c..", "/\\..");
    }

    @Test
    void validUtf8IsAccepted() {
        assertPath("/caf%C3%A9", "/caf\u00c3\u00a9");         // é as UTF-8 bytes C3 A9
        assertPath("/caf\u00c3\u00a9", "/caf\u00c3\u00a9");   // the same bytes sent raw
        assertPath("/%E2%82%AC", "/\u00e2\u0082\u00ac");       // €
        assertPath("/%F0%9F%98%80", "/\u00f0\u009f\u0098\u0080"); // U+1F600
        assertPath("/%F4%8F%BF%BF", "/\u00f4\u008f\u00bf\u00bf"); // U+10FFFF
        assertPath("/%ED%9F%BF", "/\u00ed\u009f\u00bf");       // U+D7FF, just below the surrogates
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/%c0%ae%c0%ae/", "/%c0%ae%c0%ae/etc/passwd", "/%C0%AF", "/%C1%BF", // overlong 2-byte
        "/%E0%80%AF", "/%E0%9F%BF",                                          // overlong 3-byte
        "/%F0%80%80%AF", "/%F0%8F%BF%BF",                                    // overlong 4-byte
        "/%ED%A0%80", "/%ED%BF%BF",                                          // surrogates
        "/%F4%90%80%80", "/%F5%80%80%80", "/%FF",                            // above U+10FFFF, invalid leads
        "/%80", "/a%BF", "/%E2%82", "/%E2%82x", "/%C3", "/%F0%9F%98",        // stray or truncated
        "/\u00c0\u00ae",                                                     // raw overlong
    })
    void invalidUtf8IsBadRequest(String target) {
        assertBad(target);
    }

    @Test
    void absoluteFormPathIsNormalizedToo() {
        assertThat(parse("http://h/a/%2e%2e/b/")).isPositive();
        assertThat(path()).isEqualTo("/b/");
        assertBad("http://h/../x");
        assertBad("http://h/%2e%2e/x");
    }

    @Test
    void longestTargetFitsThePathBuffer() {
        RequestParser p = new RequestParser(new HttpLimits(64, 256, 8));
        Request r = p.newRequest();
        String target = "/" + "b".repeat(64 - "GET  HTTP/1.1".length() - 1);
        String raw = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
        assertThat(p.parse(mem.put(raw), raw.length(), new ParseState(), r)).isPositive();
        assertThat(r.pathLength).isEqualTo(target.length());
        String abs = "GET http://h" + "/c".repeat((64 - "GET http://h HTTP/1.1".length()) / 2) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        assertThat(p.parse(mem.put(abs), abs.length(), new ParseState(), r)).isPositive();
    }

    @Test
    void pathsFromTheTraversalCorpusNeverClimbOut() throws Exception {
        // ../shared/testdata/traversal: payload lists (dotdotpwn and friends), one per line, {FILE} a placeholder.
        java.nio.file.Path dir = java.nio.file.Path.of("/work/shared/testdata/traversal");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(dir), "no traversal corpus");
        int accepted = 0;
        int refused = 0;
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path file : files.sorted().toList()) {
                for (String line : java.nio.file.Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                    if (line.isEmpty() || line.indexOf(' ') >= 0) {
                        continue;
                    }
                    String payload = line.replace("{FILE}", "etc/passwd");
                    String target = payload.startsWith("/") ? payload : "/" + payload;
                    int r = parse(target);
                    if (r > 0) {
                        accepted++;
                        String p = path();
                        assertThat(p).as(line).startsWith("/").doesNotContain("//").doesNotContain("\u0000");
                        for (String segment : p.substring(1).split("/", -1)) {
                            assertThat(segment).as(line).isNotEqualTo("..").isNotEqualTo(".");
                        }
                    } else {
                        refused++;
                        assertThat(r).as(line).isIn(RequestParser.BAD_REQUEST, RequestParser.URI_TOO_LONG);
                    }
                }
            }
        }
        assertThat(accepted + refused).isGreaterThan(1000);
    }
}
