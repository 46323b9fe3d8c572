package io.uringhttpd.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ContentCodingTest {
    @Test
    void tokensSuffixesAndLabels() {
        assertThat(ContentCoding.GZIP.token()).isEqualTo("gzip");
        assertThat(ContentCoding.ZSTD.token()).isEqualTo("zstd");
        assertThat(ContentCoding.BR.token()).isEqualTo("br");
        assertThat(ContentCoding.GZIP.sidecarSuffix()).isEqualTo(".gz");
        assertThat(ContentCoding.ZSTD.sidecarSuffix()).isEqualTo(".zst");
        assertThat(ContentCoding.BR.sidecarSuffix()).isEqualTo(".br");
        for (ContentCoding c : ContentCoding.values()) {
            assertThat(c.label()).isEqualTo(c.token());
            assertThat(c.tokenBytes()).isEqualTo(c.token().getBytes(StandardCharsets.US_ASCII));
            assertThat(c.sidecarSuffixBytes()).isEqualTo(c.sidecarSuffix().getBytes(StandardCharsets.US_ASCII));
            assertThat(ContentCoding.ofToken(c.token())).isSameAs(c);
        }
    }

    @Test
    void ofTokenIgnoresCaseAndKnowsXGzip() {
        assertThat(ContentCoding.ofToken("GZip")).isSameAs(ContentCoding.GZIP);
        assertThat(ContentCoding.ofToken("x-gzip")).isSameAs(ContentCoding.GZIP);
        assertThat(ContentCoding.ofToken("X-GZIP")).isSameAs(ContentCoding.GZIP);
        assertThat(ContentCoding.ofToken("BR")).isSameAs(ContentCoding.BR);
        assertThat(ContentCoding.ofToken("Zstd")).isSameAs(ContentCoding.ZSTD);
    }

    @Test
    void unknownTokensNameTheAllowedOnes() {
        assertThatThrownBy(() -> ContentCoding.ofToken("deflate"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'deflate'").hasMessageContaining("gzip, zstd, br");
        assertThatThrownBy(() -> ContentCoding.ofToken("identity")).isInstanceOf(IllegalArgumentException.class);
    }
}
