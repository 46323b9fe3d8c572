package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Conditional requests (RFC 9110 13): If-None-Match, If-Modified-Since, If-Range. */
public abstract class ConditionalContract extends ServerContract {
    private static final String PATH = "/16k.bin";
    private String etag;

    @BeforeAll
    void learnTheEtag() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get(PATH));
        assertThat(r.status()).isEqualTo(200);
        etag = r.header("ETag");
        assertThat(etag).matches(StaticFilesContract.STRONG_ETAG);
        assertThat(r.header("Last-Modified")).isEqualTo(Fixtures.MTIME_HTTP);
    }

    private RawHttp.Response get(String... headers) throws IOException {
        return exchange(RawHttp.request("GET", PATH, headers));
    }

    /** 304: no body (checked by a second request on the same connection), ETag and Date present. */
    private void assertNotModified(String method, String... headers) throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send(RawHttp.request(method, PATH, headers) + RawHttp.get("/1k.bin"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).as("response to %s with %s:\n%s", method, String.join(", ", headers), r).isEqualTo(304);
            assertThat(r.header("ETag")).isEqualTo(etag);
            assertThat(r.header("Date")).isNotNull();
            // RFC 9110 8.6: Content-Length in a 304 may only state the size a 200 would have had.
            if (r.header("Content-Length") != null) {
                assertThat(r.header("Content-Length")).isEqualTo("16384");
            }
            RawHttp.Response next = c.read();
            assertThat(next.status()).as("request after the 304 (stray body bytes would break it)").isEqualTo(200);
            assertThat(next.body()).isEqualTo(files.bytes("/1k.bin"));
        }
    }

    private void assertFull(RawHttp.Response r) {
        assertThat(r.status()).as("expected a full 200:\n%s", r).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes(PATH));
    }

    // ---- If-None-Match ----

    @Test
    void ifNoneMatchExactIs304() throws IOException {
        assertNotModified("GET", "If-None-Match: " + etag);
    }

    @Test
    void restAssuredRevalidation() {
        // What a caching client does: GET, then revalidate with both validators it got.
        io.restassured.response.Response first = http().get(PATH);
        assertThat(first.statusCode()).isEqualTo(200);
        io.restassured.response.Response again = http()
                .header("If-None-Match", first.header("ETag"))
                .header("If-Modified-Since", first.header("Last-Modified"))
                .get(PATH);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.asByteArray()).isEmpty();
        assertThat(again.header("ETag")).isEqualTo(first.header("ETag"));
    }

    @Test
    void ifNoneMatchOnHeadIs304() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("HEAD", PATH, "If-None-Match: " + etag)).readHead();
            assertThat(r.status()).isEqualTo(304);
            assertStillOpen(c);
        }
    }

    @Test
    void ifNoneMatchListIs304() throws IOException {
        assertNotModified("GET", "If-None-Match: \"nope\", " + etag + ", \"other\"");
        assertNotModified("GET", "If-None-Match: \"nope\",\t" + etag);
    }

    @Test
    void ifNoneMatchAcrossTwoHeaderLinesIs304() throws IOException {
        // RFC 9110 5.3: repeated list fields combine into one list.
        assertNotModified("GET", "If-None-Match: \"nope\"", "If-None-Match: " + etag);
    }

    @Test
    void ifNoneMatchStarIs304() throws IOException {
        assertNotModified("GET", "If-None-Match: *");
    }

    @Test
    void ifNoneMatchWeakIs304() throws IOException {
        // If-None-Match uses the weak comparison (RFC 9110 13.1.2).
        assertNotModified("GET", "If-None-Match: W/" + etag);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"nope\"", "W/\"nope\"", "\"nope\", \"other\""})
    void ifNoneMatchNotMatchingIs200(String value) throws IOException {
        assertFull(get("If-None-Match: " + value));
    }

    @Test
    void ifNoneMatchWithEtagOfAnotherFileIs200() throws IOException {
        String other = exchange(RawHttp.get("/1k.bin")).header("ETag");
        assertFull(get("If-None-Match: " + other));
    }

    @Test
    void ifNoneMatchWithUnquotedEtagDoesNotMatch() throws IOException {
        String unquoted = etag.substring(1, etag.length() - 1);
        assertFull(get("If-None-Match: " + unquoted));
    }

    // ---- If-Modified-Since ----

    @Test
    void ifModifiedSinceEqualIs304() throws IOException {
        assertNotModified("GET", "If-Modified-Since: " + Fixtures.MTIME_HTTP);
    }

    @Test
    void ifModifiedSinceLaterIs304() throws IOException {
        assertNotModified("GET", "If-Modified-Since: Fri, 05 Mar 2021 05:06:07 GMT");
    }

    @Test
    void ifModifiedSinceObsoleteDateFormatsAreUnderstood() throws IOException {
        // RFC 9110 5.6.7: recipients MUST accept RFC 850 and asctime dates too.
        assertNotModified("GET", "If-Modified-Since: Thursday, 04-Mar-21 05:06:07 GMT");
        assertNotModified("GET", "If-Modified-Since: Thu Mar  4 05:06:07 2021");
    }

    @Test
    void ifModifiedSinceEarlierIs200() throws IOException {
        assertFull(get("If-Modified-Since: Thu, 04 Mar 2021 05:06:06 GMT"));
        assertFull(get("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "Thu, 04 Mar 2021 05:06:07", "Thu, 32 Mar 2021 05:06:07 GMT",
        "Thu, 04 Mar 2021 25:06:07 GMT", "", "0"})
    void ifModifiedSinceInvalidIsIgnored(String value) throws IOException {
        assertFull(get("If-Modified-Since: " + value));
    }

    @Test
    void ifNoneMatchTakesPrecedenceOverIfModifiedSince() throws IOException {
        // RFC 9110 13.1.3: IMS is ignored when If-None-Match is present.
        assertFull(get("If-None-Match: \"nope\"", "If-Modified-Since: " + Fixtures.MTIME_HTTP));
        assertNotModified("GET", "If-None-Match: " + etag, "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT");
    }

    @Test
    void ifNoneMatchIsEvaluatedBeforeRange() throws IOException {
        // RFC 9110 13.2.2: preconditions first, Range last.
        assertNotModified("GET", "If-None-Match: " + etag, "Range: bytes=0-9");
    }

    // ---- If-Range (RFC 9110 13.1.5) ----

    @Test
    void ifRangeMatchingEtagGives206() throws IOException {
        RawHttp.Response r = get("Range: bytes=0-99", "If-Range: " + etag);
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 0-99/16384");
        assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(files.bytes(PATH), 0, 100));
    }

    @Test
    void ifRangeOtherEtagGivesWhole200() throws IOException {
        assertFull(get("Range: bytes=0-99", "If-Range: \"nope\""));
    }

    @Test
    void ifRangeWeakEtagGivesWhole200() throws IOException {
        // If-Range uses the strong comparison: a weak validator never matches.
        assertFull(get("Range: bytes=0-99", "If-Range: W/" + etag));
    }

    @Test
    void ifRangeExactLastModifiedGives206() throws IOException {
        RawHttp.Response r = get("Range: bytes=10-19", "If-Range: " + Fixtures.MTIME_HTTP);
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(files.bytes(PATH), 10, 20));
    }

    @Test
    void ifRangeOtherDateGivesWhole200() throws IOException {
        // Only an exact match counts (RFC 9110 13.1.5), a later date does not.
        assertFull(get("Range: bytes=10-19", "If-Range: Fri, 05 Mar 2021 05:06:07 GMT"));
    }
}
