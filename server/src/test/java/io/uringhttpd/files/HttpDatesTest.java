package io.uringhttpd.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HttpDatesTest {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ENGLISH);
    private static String fmt(long sec) {
        return new String(HttpDates.format(sec), StandardCharsets.US_ASCII);
    }

    @Test
    void rfcExample() {
        assertThat(fmt(784111777L)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(fmt(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(fmt(951_782_400L)).isEqualTo("Tue, 29 Feb 2000 00:00:00 GMT");
    }

    @Test
    void matchesJavaTimeOverManyInstants() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            long sec = r.nextLong(0, 253_402_300_800L);
            String expected = IMF_FIXDATE.format(java.time.Instant.ofEpochSecond(sec).atZone(ZoneOffset.UTC));
            assertThat(fmt(sec)).isEqualTo(expected);
        }
    }

    @Test
    void clampsOutOfRange() {
        assertThat(fmt(-5)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(fmt(Long.MAX_VALUE)).isEqualTo("Fri, 31 Dec 9999 23:59:59 GMT");
    }
}
