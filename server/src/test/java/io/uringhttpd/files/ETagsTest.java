package io.uringhttpd.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ETagsTest {
    @Test
    void formatsSizeMtimeInode() {
        long mtimeNs = ETags.nanos(0x65a1b2c3L, 0x1f);
        String tag = new String(ETags.strong(0x5f3, mtimeNs, 0x1a2b), StandardCharsets.US_ASCII);
        assertThat(tag).isEqualTo("\"5f3-" + Long.toHexString(mtimeNs) + "-1a2b\"");
        assertThat(new String(ETags.strong(0, 0, 0), StandardCharsets.US_ASCII)).isEqualTo("\"0-0-0\"");
        assertThat(new String(ETags.strong(-1, Long.MAX_VALUE, 1L << 60), StandardCharsets.US_ASCII))
                .isEqualTo("\"ffffffffffffffff-7fffffffffffffff-1000000000000000\"");
    }
}
