package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.restassured.response.Response;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Range requests (RFC 9110 14): single, suffix, open, clamped, unsatisfiable, multipart, beyond 4 GiB. */
public abstract class RangeContract extends ServerContract {
    private static final String PATH = "/16k.bin";
    private static final int LEN = 16384;

    private RawHttp.Response range(String path, String range) throws IOException {
        return exchange(RawHttp.request("GET", path, "Range: " + range));
    }

    private byte[] slice(String path, long start, long endInclusive) {
        return Arrays.copyOfRange(files.bytes(path), (int) start, (int) endInclusive + 1);
    }

    @ParameterizedTest
    @CsvSource({
        "bytes=0-99,         0,     99",
        "bytes=0-0,          0,     0",
        "bytes=100-199,      100,   199",
        "bytes=-100,         16284, 16383",
        "bytes=100-,         100,   16383",
        "bytes=16000-99999,  16000, 16383",   // end clamped to the last byte
        "bytes=-99999,       0,     16383",   // suffix longer than the file: the whole file
        "bytes=16383-16383,  16383, 16383",
        "bytes=0-16383,      0,     16383",
        "bytes=0-9,          0,     9",
    })
    void singleRangeIs206WithExactBytes(String spec, long start, long end) throws IOException {
        RawHttp.Response r = range(PATH, spec);
        assertThat(r.status()).as("response to %s:\n%s", spec, r).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes " + start + "-" + end + "/" + LEN);
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(end - start + 1));
        assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(r.header("ETag")).isNotNull();
        assertThat(r.body()).isEqualTo(slice(PATH, start, end));
    }

    @Test
    void rangeViaRestAssured() {
        Response r = http().header("Range", "bytes=1000-1999").get("/1m.bin");
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 1000-1999/1048576");
        assertThat(r.asByteArray()).isEqualTo(slice("/1m.bin", 1000, 1999));
    }

    @Test
    void rangeInTheTailOfALargeFile() throws IOException {
        RawHttp.Response r = range("/3m.bin", "bytes=3000000-");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 3000000-3145727/3145728");
        assertThat(Fixtures.sha256(r.body())).isEqualTo(Fixtures.sha256(slice("/3m.bin", 3000000, 3145727)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=16384-", "bytes=16384-16400", "bytes=99999-100000", "bytes=-0"})
    void unsatisfiableRangeIs416(String spec) throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("GET", PATH, "Range: " + spec)).read();
            assertThat(r.status()).as("response to %s:\n%s", spec, r).isEqualTo(416);
            assertThat(r.header("Content-Range")).isEqualTo("bytes */" + LEN);
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(r.body().length));
            assertStillOpen(c);
        }
    }

    @Test
    void anyRangeOfAnEmptyFileIs416() throws IOException {
        RawHttp.Response r = range("/empty.bin", "bytes=0-9");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=5-2", "bytes=abc", "bytes=", "bytes=-", "bytes=1-2-3", "bytes 0-9", "bytes=0-9,5-2",
        "bytes=--1", "bytes=0x10-0x20"})
    void invalidRangeIsIgnored(String spec) throws IOException {
        RawHttp.Response r = range(PATH, spec);
        assertThat(r.status()).as("response to %s:\n%s", spec, r).isEqualTo(200);
        assertThat(r.header("Content-Range")).isNull();
        assertThat(r.body()).isEqualTo(files.bytes(PATH));
    }

    @ParameterizedTest
    @ValueSource(strings = {"items=0-1", "pages=1", "none"})
    void unknownRangeUnitIsIgnored(String spec) throws IOException {
        RawHttp.Response r = range(PATH, spec);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes(PATH));
    }

    @Test
    void rangeUnitIsCaseInsensitive() throws IOException {
        // RFC 9110 14.1: range units are compared case-insensitively.
        RawHttp.Response r = range(PATH, "Bytes=0-9");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(slice(PATH, 0, 9));
    }

    @Test
    void emptyListElementsAreIgnored() throws IOException {
        // RFC 9110 5.6.1.2: recipients MUST accept empty list elements.
        RawHttp.Response r = range(PATH, "bytes=0-9,");
        assertThat(Ranges.parts(r)).extracting(Ranges.Part::range).containsExactly("0-9");
    }

    @Test
    void multipleRangesAreMultipartByteranges() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("GET", PATH, "Range: bytes=0-9, 1000-1099,-10", "Connection: close")).read();
            assertThat(r.status()).isEqualTo(206);
            assertThat(r.header("Content-Type")).startsWith("multipart/byteranges");
            assertThat(Ranges.boundary(r.header("Content-Type"))).isNotBlank();
            List<Ranges.Part> parts = Ranges.parts(r);
            assertThat(parts).extracting(Ranges.Part::range).containsExactly("0-9", "1000-1099", "16374-16383");
            for (Ranges.Part p : parts) {
                assertThat(p.total()).isEqualTo(LEN);
                assertThat(p.contentType()).isEqualTo("application/octet-stream");
                assertThat(p.bytes()).as("part %s", p.range()).isEqualTo(slice(PATH, p.start(), p.end()));
            }
            assertClosed(c); // Content-Length covered the whole multipart body
        }
    }

    @Test
    void overlappingRangesAreCoalesced() throws IOException {
        List<Ranges.Part> parts = Ranges.parts(range(PATH, "bytes=0-99,50-149"));
        assertThat(parts).extracting(Ranges.Part::range).containsExactly("0-149");
        assertThat(parts.get(0).bytes()).isEqualTo(slice(PATH, 0, 149));

        List<Ranges.Part> three = Ranges.parts(range(PATH, "bytes=0-9,5-19,8000-8009,8005-8019"));
        assertThat(three).extracting(Ranges.Part::range).containsExactly("0-19", "8000-8019");
        for (Ranges.Part p : three) {
            assertThat(p.bytes()).isEqualTo(slice(PATH, p.start(), p.end()));
        }
    }

    @Test
    void unsatisfiableMembersOfARangeSetAreDropped() throws IOException {
        List<Ranges.Part> parts = Ranges.parts(range(PATH, "bytes=0-9,99999-"));
        assertThat(parts).extracting(Ranges.Part::range).containsExactly("0-9");
        assertThat(parts.get(0).bytes()).isEqualTo(slice(PATH, 0, 9));
    }

    @Test
    void partsFollowTheRequestedOrder() throws IOException {
        // RFC 9110 14.6: parts SHOULD come in the order requested (a server MAY refuse disorder with a 200).
        RawHttp.Response r = range(PATH, "bytes=8000-8009,0-9");
        if (r.status() == 200) {
            assertThat(r.body()).isEqualTo(files.bytes(PATH));
            return;
        }
        assertThat(Ranges.parts(r)).extracting(Ranges.Part::range).containsExactly("8000-8009", "0-9");
    }

    @Test
    void sixteenRangesAreServed() throws IOException {
        List<Ranges.Part> parts = Ranges.parts(range(PATH, spreadRanges(16)));
        assertThat(parts).hasSize(16);
        for (Ranges.Part p : parts) {
            assertThat(p.bytes()).isEqualTo(slice(PATH, p.start(), p.end()));
        }
    }

    @Test
    void moreRangesThanTheCapGiveTheWholeFile() throws IOException {
        // limits.ranges-per-request defaults to 16: a 17-range request is answered with the whole file.
        RawHttp.Response r = range(PATH, spreadRanges(17));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes(PATH));
    }

    /** count ranges of 10 bytes, 900 bytes apart: no coalescing is plausible. */
    private static String spreadRanges(int count) {
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            specs.add((i * 900) + "-" + (i * 900 + 9));
        }
        return "bytes=" + String.join(",", specs);
    }

    @Test
    void headIgnoresRange() throws IOException {
        // RFC 9110 14.2: range handling is defined for GET only; a server MUST ignore Range on HEAD.
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("HEAD", PATH, "Range: bytes=0-99")).readHead();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(LEN));
            assertStillOpen(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/1k.bin", "/1m.bin", "/3m.bin"})
    void multipartFromMemoryAndFromSendfile(String path) throws IOException {
        // Small files are served from memory, large ones by sendfile: both must cut the same way.
        int len = files.bytes(path).length;
        RawHttp.Response r = range(path, "bytes=0-0,500-599,-7");
        List<Ranges.Part> parts = Ranges.parts(r);
        assertThat(parts).extracting(Ranges.Part::range).containsExactly("0-0", "500-599", (len - 7) + "-" + (len - 1));
        for (Ranges.Part p : parts) {
            assertThat(p.total()).isEqualTo(len);
            assertThat(p.bytes()).as("part %s of %s", p.range(), path).isEqualTo(slice(path, p.start(), p.end()));
        }
    }

    // ---- the sparse 5 GiB file: 64-bit sizes and offsets ----

    private void assumeBigFile() {
        assumeTrue(files.bigFileProblem == null, files.bigFileProblem);
    }

    @Test
    void fiveGigabyteFileHasItsFullContentLength() throws IOException {
        assumeBigFile();
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("HEAD", Fixtures.BIG_PATH)).readHead();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(Fixtures.BIG_SIZE));
            assertStillOpen(c);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "bytes=4294967296-4294967399,  4294967296, 4294967399",   // exactly the mark at 4 GiB
        "bytes=4294967290-4294967309,  4294967290, 4294967309",   // across the 4 GiB boundary
        "bytes=-100,                   5368709020, 5368709119",   // suffix: the known tail
        "bytes=5368709000-,            5368709000, 5368709119",   // open-ended near the end
        "bytes=5368709000-9999999999,  5368709000, 5368709119",   // clamped
    })
    void rangesBeyondFourGigabytesAreExact(String spec, long start, long end) throws IOException {
        assumeBigFile();
        RawHttp.Response r = range(Fixtures.BIG_PATH, spec);
        assertThat(r.status()).as("response to %s:\n%s", spec, r).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes " + start + "-" + end + "/" + Fixtures.BIG_SIZE);
        assertThat(r.body()).isEqualTo(Fixtures.bigSlice(start, end));
    }

    @Test
    void multipartAcrossFourGigabytes() throws IOException {
        assumeBigFile();
        List<Ranges.Part> parts = Ranges.parts(range(Fixtures.BIG_PATH, "bytes=0-9,4294967296-4294967305,-5"));
        assertThat(parts).extracting(Ranges.Part::range)
                .containsExactly("0-9", "4294967296-4294967305", "5368709115-5368709119");
        for (Ranges.Part p : parts) {
            assertThat(p.total()).isEqualTo(Fixtures.BIG_SIZE);
            assertThat(p.bytes()).as("part %s", p.range()).isEqualTo(Fixtures.bigSlice(p.start(), p.end()));
        }
    }

    @Test
    void unsatisfiableBeyondFiveGigabytes() throws IOException {
        assumeBigFile();
        RawHttp.Response r = range(Fixtures.BIG_PATH, "bytes=" + Fixtures.BIG_SIZE + "-");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */" + Fixtures.BIG_SIZE);
    }
}
