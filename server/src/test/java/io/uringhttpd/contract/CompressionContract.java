package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.compress.BrotliCompressor;
import io.uringhttpd.compress.Codecs;
import io.uringhttpd.compress.ContentCoding;
import io.uringhttpd.compress.GzipCompressor;
import io.uringhttpd.compress.ZstdCompressor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compressed representations (RFC 9110 §8.4, §12.5.3): Accept-Encoding negotiation, precompressed
 * sidecars and variants made on the fly, with their own ETags, conditionals and ranges.
 *
 * <p>The files live under /cz/. {@code page.html} has all three sidecars, each a real encoding of it,
 * so which one a response carries is told by its bytes. Variants made on the fly appear some time
 * after the first request (a pool thread makes them); tests that need one poll for it.
 */
public abstract class CompressionContract extends ServerContract {
    /** A variant up to this size stays in memory; {@code big.js} is larger, so its variants go to a cache file. */
    private static final int VARIANT_MEMORY_BYTES = 4096;
    private static final Duration VARIANT_WAIT = Duration.ofSeconds(30);

    private Path dir;
    private byte[] page;
    private final Map<ContentCoding, byte[]> pageSidecars = new java.util.EnumMap<>(ContentCoding.class);

    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.compression.variant-memory-bytes=" + VARIANT_MEMORY_BYTES,
            "uring-httpd.open-file-cache.valid=1h"};
    }

    @BeforeAll
    void writeSite() throws IOException {
        dir = Files.createDirectories(files.root.resolve("cz"));
        page = text(20_000, 1);
        write("page.html", page);
        pageSidecars.put(ContentCoding.GZIP, Codecs.compress(new GzipCompressor(9), page));
        pageSidecars.put(ContentCoding.ZSTD, Codecs.compress(new ZstdCompressor(19), page));
        pageSidecars.put(ContentCoding.BR, Codecs.compress(new BrotliCompressor(11), page));
        for (var e : pageSidecars.entrySet()) {
            write("page.html" + e.getKey().sidecarSuffix(), e.getValue());
        }
        write("blob.bin", Fixtures.randomBytes(2000, 7));
        write("tiny.txt", text(100, 2));
        write("small.css", text(3000, 3));
        write("big.js", text(300_000, 4));
        write("stale.js", text(5000, 5));
        write("stale.js.gz", Codecs.compress(new GzipCompressor(9), text(5000, 55)));
        Files.setLastModifiedTime(dir.resolve("stale.js.gz"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        write("corrupt.txt", text(2000, 6));
        write("corrupt.txt.gz", "this is not gzip at all".getBytes(StandardCharsets.US_ASCII));
        write("only-gz.svg", text(2000, 8));
        write("only-gz.svg.gz", Codecs.compress(new GzipCompressor(1), text(2000, 8)));
        write("leak.txt", text(1000, 9));
        Files.createSymbolicLink(dir.resolve("leak.txt.gz"), files.outsideSecret);
        write("dir-sidecar.json", text(1000, 10));
        Files.createDirectories(dir.resolve("dir-sidecar.json.br"));
    }

    private void write(String name, byte[] bytes) throws IOException {
        Files.write(dir.resolve(name), bytes);
    }

    /** Text that compresses like a real page: words from a small vocabulary, seeded. */
    static byte[] text(int bytes, long seed) {
        String[] words = {"the", "static", "server", "sends", "files", "<div class=\"card\">", "</div>", "function",
            "return", "color: #333;", "margin: 0 auto;", "\n", "const", "=>", "{", "}", "io_uring", "epoll"};
        java.util.Random r = new java.util.Random(seed);
        StringBuilder b = new StringBuilder(bytes + 32);
        while (b.length() < bytes) {
            b.append(words[r.nextInt(words.length)]).append(' ');
        }
        return b.substring(0, bytes).getBytes(StandardCharsets.US_ASCII);
    }

    private RawHttp.Response get(String path, String... headers) throws IOException {
        return exchange(RawHttp.request("GET", path, headers));
    }

    /** Which of page.html's representations the body is: "identity", a coding token, or "?". */
    private String whichPage(RawHttp.Response r) {
        if (Arrays.equals(r.body(), page)) {
            return "identity";
        }
        for (var e : pageSidecars.entrySet()) {
            if (Arrays.equals(r.body(), e.getValue())) {
                return e.getKey().token();
            }
        }
        return "?";
    }

    /** Accept-Encoding value | the representation of page.html it must get ('-': no header at all). */
    @ParameterizedTest(name = "[{index}] Accept-Encoding: \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "-                             | identity",
        "gzip                          | gzip",
        "br                            | br",
        "zstd                          | zstd",
        "br;q=1, gzip;q=0.8            | br",
        "gzip, deflate, br, zstd       | br",
        "gzip, zstd                    | zstd",
        "gzip;q=1, br;q=0.5            | gzip",
        "*                             | br",
        "*;q=0.5, gzip                 | gzip",
        "br;q=0, *                     | zstd",
        "GZIP                          | gzip",
        "x-gzip                        | gzip",
        "identity                      | identity",
        "identity;q=1, gzip;q=0.5      | identity",
        "identity;q=0.5, gzip;q=0.5    | gzip",
        "gzip, identity;q=0            | gzip",
        "''                            | identity",
        "gzip;q=0                      | identity",
        "compress, deflate             | identity",
        "gzip;q=2                      | identity",
        "gzip;q=0.5;level=1, zstd;q=0.1 | zstd",
        "gzip;q=0, gzip                | identity",
        "' br ; q=0.9 , gzip ; q=0.8 ' | br",
        "gzip;q=0.001                  | gzip",
    })
    void negotiationTable(String acceptEncoding, String expected) throws IOException {
        RawHttp.Response r = acceptEncoding.equals("-") ? get("/cz/page.html")
                : get("/cz/page.html", "Accept-Encoding: " + acceptEncoding);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(whichPage(r)).as("representation sent for %s", acceptEncoding).isEqualTo(expected);
        assertThat(r.header("Content-Encoding")).isEqualTo(expected.equals("identity") ? null : expected);
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(r.body().length));
        assertThat(r.header("Content-Type")).startsWith("text/html");
        assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");
    }

    @Test
    void severalAcceptEncodingLinesAreOneList() throws IOException {
        RawHttp.Response r = get("/cz/page.html", "Accept-Encoding: gzip;q=0.5", "Accept-Encoding: zstd");
        assertThat(whichPage(r)).isEqualTo("zstd");
    }

    @Test
    void onlyNegotiableResourcesSayVary() throws IOException {
        // Compressible (a variant may be made) or with a sidecar: Vary on every response, identity too.
        assertThat(get("/cz/small.css").header("Vary")).isEqualTo("Accept-Encoding");
        assertThat(get("/cz/corrupt.txt").header("Vary")).isEqualTo("Accept-Encoding");
        // Neither a compressible type nor a sidecar, or below compression.min-bytes: nothing to vary.
        assertThat(get("/cz/blob.bin", "Accept-Encoding: gzip").header("Vary")).isNull();
        assertThat(get("/cz/tiny.txt", "Accept-Encoding: gzip").header("Vary")).isNull();
        assertThat(get("/cz/tiny.txt", "Accept-Encoding: gzip").header("Content-Encoding")).isNull();
    }

    @Test
    void identityExcludedAndNothingElseIs406() throws IOException {
        for (String ae : List.of("identity;q=0", "*;q=0", "br, identity;q=0")) {
            RawHttp.Response r = get("/cz/blob.bin", "Accept-Encoding: " + ae);
            assertErrorPage(r, 406);
            assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");
            assertThat(r.hasToken("Connection", "close")).as("a 406 keeps the connection").isFalse();
        }
        // "*;q=0" with identity named keeps identity acceptable.
        assertThat(get("/cz/blob.bin", "Accept-Encoding: *;q=0, identity").status()).isEqualTo(200);
    }

    @Test
    void eachRepresentationHasItsOwnEtag() throws IOException {
        Set<String> etags = new HashSet<>();
        etags.add(get("/cz/page.html").header("ETag"));
        for (ContentCoding c : ContentCoding.values()) {
            etags.add(get("/cz/page.html", "Accept-Encoding: " + c.token()).header("ETag"));
        }
        assertThat(etags).hasSize(4).allMatch(e -> e.matches("\"[0-9a-z-]+\""), "strong ETags");
    }

    @Test
    void conditionalsAreJudgedAgainstTheRepresentationSent() throws IOException {
        String gzipTag = get("/cz/page.html", "Accept-Encoding: gzip").header("ETag");
        String identityTag = get("/cz/page.html").header("ETag");
        RawHttp.Response notModified = get("/cz/page.html", "Accept-Encoding: gzip", "If-None-Match: " + gzipTag);
        assertThat(notModified.status()).isEqualTo(304);
        assertThat(notModified.header("ETag")).isEqualTo(gzipTag);
        assertThat(notModified.header("Vary")).isEqualTo("Accept-Encoding");
        // The client's cached gzip copy does not stand for the br representation it now asks for.
        RawHttp.Response other = get("/cz/page.html", "Accept-Encoding: br", "If-None-Match: " + gzipTag);
        assertThat(other.status()).isEqualTo(200);
        assertThat(whichPage(other)).isEqualTo("br");
        assertThat(get("/cz/page.html", "If-None-Match: " + gzipTag).status()).isEqualTo(200);
        assertThat(get("/cz/page.html", "If-None-Match: " + identityTag).status()).isEqualTo(304);
        // If-Match with the unencoded file's tag fails for the gzip representation (RFC 9110 §13.1.1).
        assertErrorPage(get("/cz/page.html", "Accept-Encoding: gzip", "If-Match: " + identityTag), 412);
        assertThat(get("/cz/page.html", "Accept-Encoding: gzip", "If-Match: " + gzipTag).status()).isEqualTo(200);
    }

    @Test
    void rangesApplyToTheEncodedBytes() throws IOException {
        byte[] gz = pageSidecars.get(ContentCoding.GZIP);
        String tag = get("/cz/page.html", "Accept-Encoding: gzip").header("ETag");
        RawHttp.Response r = get("/cz/page.html", "Accept-Encoding: gzip", "Range: bytes=10-19");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(r.header("Content-Range")).isEqualTo("bytes 10-19/" + gz.length);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(gz, 10, 20));
        assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");

        RawHttp.Response ifRange = get("/cz/page.html", "Accept-Encoding: gzip", "Range: bytes=-5", "If-Range: " + tag);
        assertThat(ifRange.status()).isEqualTo(206);
        assertThat(ifRange.body()).isEqualTo(Arrays.copyOfRange(gz, gz.length - 5, gz.length));
        String identityTag = get("/cz/page.html").header("ETag");
        RawHttp.Response whole = get("/cz/page.html", "Accept-Encoding: gzip", "Range: bytes=-5", "If-Range: " + identityTag);
        assertThat(whole.status()).as("If-Range names another representation: the whole gzip one").isEqualTo(200);
        assertThat(whole.body()).isEqualTo(gz);

        assertErrorPage(get("/cz/page.html", "Accept-Encoding: gzip", "Range: bytes=" + gz.length + "-"), 416);
    }

    @Test
    void multipartRangesOfAnEncodedRepresentationNameTheCodingInEachPart() throws IOException {
        byte[] br = pageSidecars.get(ContentCoding.BR);
        RawHttp.Response r = get("/cz/page.html", "Accept-Encoding: br", "Range: bytes=0-3,20-29");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Type")).startsWith("multipart/byteranges; boundary=");
        assertThat(r.header("Content-Encoding")).as("the multipart body itself is not encoded").isNull();
        String body = new String(r.body(), StandardCharsets.ISO_8859_1);
        assertThat(body.split("Content-Encoding: br\r\n", -1)).hasSize(3);
        assertThat(body).contains("Content-Range: bytes 0-3/" + br.length, "Content-Range: bytes 20-29/" + br.length)
                .contains(new String(Arrays.copyOfRange(br, 20, 30), StandardCharsets.ISO_8859_1));
    }

    @Test
    void headAnswersAsGetWithoutTheBody() throws IOException {
        RawHttp.Response getR = get("/cz/page.html", "Accept-Encoding: zstd");
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response head = c.send(RawHttp.request("HEAD", "/cz/page.html", "Accept-Encoding: zstd")).readHead();
            assertThat(head.status()).isEqualTo(200);
            for (String h : List.of("Content-Encoding", "Content-Length", "ETag", "Vary", "Content-Type", "Last-Modified")) {
                assertThat(head.header(h)).as(h).isEqualTo(getR.header(h));
            }
            assertStillOpen(c);
        }
    }

    @ParameterizedTest
    @EnumSource(ContentCoding.class)
    void variantsMadeOnTheFlyDecodeToTheFile(ContentCoding coding) throws Exception {
        for (String name : List.of("small.css", "big.js")) {
            byte[] original = Files.readAllBytes(dir.resolve(name));
            RawHttp.Response first = get("/cz/" + name, "Accept-Encoding: " + coding.token());
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Vary")).isEqualTo("Accept-Encoding");
            if (first.header("Content-Encoding") == null) {
                assertThat(first.body()).as("no request waits: the file as it is").isEqualTo(original);
            }
            RawHttp.Response encoded = awaitEncoded("/cz/" + name, coding);
            assertThat(encoded.body().length).isLessThan(original.length);
            assertThat(Codecs.decode(coding, encoded.body())).as("%s of %s", coding, name).isEqualTo(original);
            assertThat(encoded.header("ETag")).isNotEqualTo(get("/cz/" + name).header("ETag"));
            // Served from the cache from now on: the same bytes again, and a range of them.
            assertThat(get("/cz/" + name, "Accept-Encoding: " + coding.token()).body()).isEqualTo(encoded.body());
            RawHttp.Response part = get("/cz/" + name, "Accept-Encoding: " + coding.token(), "Range: bytes=1-8");
            assertThat(part.status()).isEqualTo(206);
            assertThat(part.body()).isEqualTo(Arrays.copyOfRange(encoded.body(), 1, 9));
        }
    }

    /** GETs with {@code coding} until the response is encoded with it. */
    private RawHttp.Response awaitEncoded(String path, ContentCoding coding) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + VARIANT_WAIT.toNanos();
        while (true) {
            RawHttp.Response r = get(path, "Accept-Encoding: " + coding.token());
            if (coding.token().equals(r.header("Content-Encoding"))) {
                return r;
            }
            assertThat(System.nanoTime()).as("%s variant of %s within %s", coding, path, VARIANT_WAIT).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aStaleSidecarIsNeverServed() throws Exception {
        byte[] stale = Files.readAllBytes(dir.resolve("stale.js.gz"));
        byte[] original = Files.readAllBytes(dir.resolve("stale.js"));
        RawHttp.Response r = get("/cz/stale.js", "Accept-Encoding: gzip");
        assertThat(r.body()).isNotEqualTo(stale).isEqualTo(original);
        // The variant made on the fly takes its place.
        RawHttp.Response made = awaitEncoded("/cz/stale.js", ContentCoding.GZIP);
        assertThat(Codecs.decode(ContentCoding.GZIP, made.body())).isEqualTo(original);
    }

    @Test
    void aSidecarServesOnlyItsCoding() throws IOException {
        byte[] gz = Files.readAllBytes(dir.resolve("only-gz.svg.gz"));
        assertThat(get("/cz/only-gz.svg", "Accept-Encoding: gzip").body()).isEqualTo(gz);
        assertThat(get("/cz/only-gz.svg", "Accept-Encoding: br").body()).isNotEqualTo(gz);
    }

    @Test
    void aCorruptSidecarIsSentAsTheBytesItIs() throws IOException {
        RawHttp.Response r = get("/cz/corrupt.txt", "Accept-Encoding: gzip");
        assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(r.bodyText()).isEqualTo("this is not gzip at all");
    }

    @Test
    void aSidecarRequestedByItsNameIsJustAFile() throws IOException {
        RawHttp.Response r = get("/cz/page.html.gz", "Accept-Encoding: gzip, br");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/gzip");
        assertThat(r.header("Content-Encoding")).isNull();
        assertThat(r.body()).isEqualTo(pageSidecars.get(ContentCoding.GZIP));
    }

    @Test
    void sidecarsDoNotLeaveTheRootNorNameDirectories() throws IOException {
        RawHttp.Response leak = get("/cz/leak.txt", "Accept-Encoding: gzip");
        assertThat(leak.status()).isEqualTo(200);
        assertThat(leak.bodyText()).doesNotContain(Fixtures.SECRET);
        assertThat(leak.body()).isEqualTo(Files.readAllBytes(dir.resolve("leak.txt")));
        RawHttp.Response viaDir = get("/cz/dir-sidecar.json", "Accept-Encoding: br");
        assertThat(viaDir.status()).isEqualTo(200);
        assertThat(viaDir.body()).isEqualTo(Files.readAllBytes(dir.resolve("dir-sidecar.json")));
        for (String target : List.of("/cz/leak.txt.gz", "/cz/..%2fcz%2fleak.txt.gz", "/cz/leak%2etxt%2egz",
                "/cz/leak.txt%00.gz", "/cz/leak.txt/.gz", "/cz/leak.txt/..%2f..%2f..%2fsecret.gz")) {
            RawHttp.Response r = get(target, "Accept-Encoding: gzip, br, zstd");
            assertThat(r.status()).as("%s -> %s", target, r).isNotEqualTo(200);
            assertThat(r.bodyText()).doesNotContain(Fixtures.SECRET);
        }
    }

    @Test
    void aSidecarWrittenAfterTheFirstRequestIsServedAtOnce() throws IOException {
        byte[] text = text(1500, 11);
        write("later.html", text);
        assertThat(get("/cz/later.html", "Accept-Encoding: zstd").status()).isEqualTo(200);
        byte[] zst = Codecs.compress(new ZstdCompressor(3), text);
        write("later.html.zst.tmp", zst);
        Files.move(dir.resolve("later.html.zst.tmp"), dir.resolve("later.html.zst"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(get("/cz/later.html", "Accept-Encoding: zstd").body()).isEqualTo(zst);
    }

    @Test
    void aChangedFileNeverGetsTheVariantOfItsOldContent() throws Exception {
        byte[] v1 = text(6000, 12);
        byte[] v2 = text(6100, 13);
        write("changing.css", v1);
        get("/cz/changing.css", "Accept-Encoding: br");
        RawHttp.Response old = awaitEncoded("/cz/changing.css", ContentCoding.BR);
        assertThat(Codecs.decode(ContentCoding.BR, old.body())).isEqualTo(v1);

        write("changing.css.new", v2);
        Files.move(dir.resolve("changing.css.new"), dir.resolve("changing.css"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);

        RawHttp.Response next = get("/cz/changing.css", "Accept-Encoding: br");
        byte[] content = next.header("Content-Encoding") == null ? next.body() : Codecs.decode(ContentCoding.BR, next.body());
        assertThat(content).as("the very next request after the rename").isEqualTo(v2);
        assertThat(next.header("ETag")).isNotEqualTo(old.header("ETag"));
        RawHttp.Response remade = awaitEncoded("/cz/changing.css", ContentCoding.BR);
        assertThat(Codecs.decode(ContentCoding.BR, remade.body())).isEqualTo(v2);
    }
}
