package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.compress.ContentCoding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Accept-Encoding (RFC 9110 §12.5.3) as q-values: every case of the grammar and its edges. */
class AcceptEncodingTest {
    private final NativeText mem = new NativeText();
    private final AcceptEncoding ae = new AcceptEncoding();

    @AfterEach
    void free() {
        mem.close();
    }

    private AcceptEncoding parse(String... lines) {
        FieldLines f = new FieldLines();
        for (String v : lines) {
            f.add(mem.put(v), v.length());
        }
        ae.parse(f);
        return ae;
    }

    /** value | q of gzip | zstd | br | identity (thousandths). */
    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "gzip                         | 1000 | 0    | 0    | 1000",
        "br;q=1, gzip;q=0.8           | 800  | 0    | 1000 | 1000",
        "GZIP, Br, ZSTD               | 1000 | 1000 | 1000 | 1000",
        "x-gzip                       | 1000 | 0    | 0    | 1000",
        "*                            | 1000 | 1000 | 1000 | 1000",
        "*;q=0.5, gzip                | 1000 | 500  | 500  | 1000",
        "br;q=0, *                    | 1000 | 1000 | 0    | 1000",
        "*;q=0                        | 0    | 0    | 0    | 0",
        "*;q=0, identity              | 0    | 0    | 0    | 1000",
        "identity;q=0                 | 0    | 0    | 0    | 0",
        "identity;q=0.5, gzip;q=0.25  | 250  | 0    | 0    | 500",
        "''                           | 0    | 0    | 0    | 1000",
        "gzip;q=0                     | 0    | 0    | 0    | 1000",
        "compress, deflate            | 0    | 0    | 0    | 1000",
        "gzip;q=2, br                 | 0    | 0    | 1000 | 1000",
        "gzip;q=1.0001, br            | 0    | 0    | 1000 | 1000",
        "gzip;q=1.000, br;q=0.999     | 1000 | 0    | 999  | 1000",
        "gzip;q=0.001                 | 1    | 0    | 0    | 1000",
        "gzip;q=.5, br                | 0    | 0    | 1000 | 1000",
        "gzip;q=, br                  | 0    | 0    | 1000 | 1000",
        "gzip;level=9, br             | 0    | 0    | 1000 | 1000",
        "gzip;q=0.5;x=1, br           | 0    | 0    | 1000 | 1000",
        "gzip;Q=0.5                   | 500  | 0    | 0    | 1000",
        "gzip;q=0, gzip               | 0    | 0    | 0    | 1000",
        "br , gzip ;q=0.3 ,, zstd     | 300  | 1000 | 1000 | 1000",
        "'  br\t;\tq=0.7  '           | 0    | 0    | 700  | 1000",
        "gzip deflate, br             | 0    | 0    | 1000 | 1000",
        "@@@, br                      | 0    | 0    | 1000 | 1000",
        "brotli, gzipx, zst           | 0    | 0    | 0    | 1000",
        "'br;q=0.5,'                  | 0    | 0    | 500  | 1000",
    })
    void table(String value, int gzip, int zstd, int br, int identity) {
        AcceptEncoding a = parse(value);
        assertThat(a.isPresent()).isTrue();
        assertThat(a.q(ContentCoding.GZIP)).as("gzip").isEqualTo(gzip);
        assertThat(a.q(ContentCoding.ZSTD)).as("zstd").isEqualTo(zstd);
        assertThat(a.q(ContentCoding.BR)).as("br").isEqualTo(br);
        assertThat(a.identityQ()).as("identity").isEqualTo(identity);
    }

    @Test
    void absentFieldAcceptsOnlyIdentity() {
        AcceptEncoding a = parse();
        assertThat(a.isPresent()).isFalse();
        assertThat(a.q(ContentCoding.GZIP)).isZero();
        assertThat(a.identityQ()).isEqualTo(1000);
    }

    @Test
    void severalLinesAreOneList() {
        AcceptEncoding a = parse("gzip;q=0.5", "br");
        assertThat(a.q(ContentCoding.GZIP)).isEqualTo(500);
        assertThat(a.q(ContentCoding.BR)).isEqualTo(1000);
    }

    @Test
    void aReusedParserForgetsThePreviousRequest() {
        parse("br, identity;q=0");
        AcceptEncoding a = parse("gzip");
        assertThat(a.q(ContentCoding.BR)).isZero();
        assertThat(a.identityNamed()).isFalse();
        assertThat(a.identityQ()).isEqualTo(1000);
    }

    @Test
    void identityNamedOnlyWhenListed() {
        assertThat(parse("gzip").identityNamed()).isFalse();
        assertThat(parse("identity;q=0.2").identityNamed()).isTrue();
    }
}
