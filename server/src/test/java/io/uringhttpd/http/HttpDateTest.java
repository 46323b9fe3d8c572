package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDateTest {
    /** 2025-06-01T00:00:00Z: the pivot for RFC 850 years in these tests. */
    private static final long NOW_2025 = 1_748_736_000L;
    private static final long SUNDAY_1994 = 784_111_777L; // RFC 9110's example instant
    private static final DateTimeFormatter IMF =
        DateTimeFormatter.ofPattern("EEE, dd MMM uuuu HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final NativeText mem = new NativeText();

    @AfterEach
    void close() {
        mem.close();
    }

    private static String format(long epochSec) {
        byte[] out = new byte[40];
        assertThat(HttpDate.format(epochSec, out, 3)).isEqualTo(3 + HttpDate.LENGTH);
        return new String(out, 3, HttpDate.LENGTH, StandardCharsets.US_ASCII);
    }

    private long parse(String text) {
        return HttpDate.parse(mem.put(text), text.length(), NOW_2025);
    }

    @Test
    void formatsImfFixdate() {
        assertThat(format(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        assertThat(format(SUNDAY_1994)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(format(951_782_400L)).isEqualTo("Tue, 29 Feb 2000 00:00:00 GMT");
        assertThat(format(4_294_967_296L)).isEqualTo("Sun, 07 Feb 2106 06:28:16 GMT"); // past 32-bit time
        assertThat(format(-1)).isEqualTo("Wed, 31 Dec 1969 23:59:59 GMT");
    }

    @Test
    void formatAgreesWithJavaTimeEverywhere() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            long sec = random.nextLong(HttpDate.EPOCH_SEC_MIN, HttpDate.EPOCH_SEC_MAX + 1);
            assertThat(format(sec)).as("%d", sec).isEqualTo(IMF.format(Instant.ofEpochSecond(sec)));
        }
    }

    @Test
    void formatClampsToFourDigitYears() {
        assertThat(format(Long.MAX_VALUE)).isEqualTo("Fri, 31 Dec 9999 23:59:59 GMT");
        assertThat(format(Long.MIN_VALUE)).isEqualTo("Sat, 01 Jan 0000 00:00:00 GMT");
    }

    @Test
    void writesIntoNativeMemoryThroughDateCache() {
        DateCache cache = new DateCache();
        assertThat(cache.refresh(SUNDAY_1994 * 1000 + 5)).isTrue();
        assertThat(new String(cache.header(), 0, DateCache.HEADER_LENGTH, StandardCharsets.US_ASCII))
            .isEqualTo("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
        assertThat(cache.epochSec()).isEqualTo(SUNDAY_1994);
    }

    @Test
    void parsesAllThreeFormats() {
        assertThat(parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(SUNDAY_1994);
        assertThat(parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(SUNDAY_1994);
        assertThat(parse("Sun Nov  6 08:49:37 1994")).isEqualTo(SUNDAY_1994);
        assertThat(parse("Sun Nov 06 08:49:37 1994")).isEqualTo(SUNDAY_1994);
    }

    @Test
    void parsesWhatItFormats() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            long sec = random.nextLong(0, HttpDate.EPOCH_SEC_MAX + 1);
            assertThat(parse(format(sec))).isEqualTo(sec);
        }
        assertThat(parse("Fri, 31 Dec 9999 23:59:59 GMT")).isEqualTo(HttpDate.EPOCH_SEC_MAX);
        assertThat(parse("Thu, 01 Jan 1970 00:00:00 GMT")).isZero();
    }

    @Test
    void rfc850TwoDigitYearsPivotFiftyYearsAhead() {
        // now = 2025-06-01
        assertThat(parse("Thursday, 01-Jan-70 00:00:00 GMT")).isEqualTo(3_155_760_000L);   // 2070: < 50 years ahead
        assertThat(parse("Monday, 01-Jan-00 00:00:00 GMT")).isEqualTo(946_684_800L);       // 2000
        assertThat(parse("Wednesday, 01-Jan-75 00:00:00 GMT")).isEqualTo(3_313_526_400L);  // 2075: 49.4 years ahead
        assertThat(parse("Friday, 01-Nov-75 00:00:00 GMT")).isEqualTo(184_032_000L);       // 1975: 2075-11 is 50.4 years ahead
        assertThat(parse("Thursday, 01-Jan-76 00:00:00 GMT")).isEqualTo(189_302_400L);     // 1976, not 2076
        assertThat(parse("Friday, 31-Dec-99 23:59:59 GMT")).isEqualTo(946_684_799L);       // 1999
        assertThat(HttpDate.parse(mem.put("Thursday, 01-Jan-70 00:00:00 GMT"), 32, 788_918_400L)).isZero(); // now = 1995
    }

    @Test
    void leapYearsAndLeapSecond() {
        assertThat(parse("Tue, 29 Feb 2000 00:00:00 GMT")).isEqualTo(951_782_400L);
        assertThat(parse("Thu, 29 Feb 2001 00:00:00 GMT")).isEqualTo(-1);
        assertThat(parse("Thu, 29 Feb 1900 00:00:00 GMT")).isEqualTo(-1);
        assertThat(parse("Sun, 29 Feb 2004 00:00:00 GMT")).isPositive();
        assertThat(parse("Sat, 31 Dec 2016 23:59:60 GMT")).isEqualTo(1_483_228_800L); // second 60 is grammatical
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "garbage", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 gmt", "Sun, 6 Nov 1994 08:49:37 GMT",
        "sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 31 Apr 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ", " Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT", "Sun,06 Nov 1994 08:49:37 GMT ", "Sun, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 UTC", "Sundae, 06-Nov-94 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
        "Sunday, 6-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 94 08:49:37 GMT", "Sunday, 06-Nov-9x 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Sun Nov  6 08:49:37 1994 ", "Sun Nov x6 08:49:37 1994",
        "Wed, 31 Dec 1969 23:59:59 GMT", "Sun, +6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT ",
    })
    void invalidDatesAreMinusOne(String text) {
        assertThat(parse(text)).isEqualTo(-1);
    }

    @Test
    void dayNameIsNotCheckedAgainstTheDate() {
        assertThat(parse("Mon, 06 Nov 1994 08:49:37 GMT")).isEqualTo(SUNDAY_1994);
    }

    @Test
    void dateCacheReformatsOnlyWhenTheSecondChanges() {
        DateCache cache = new DateCache();
        assertThat(cache.refresh(1_000_000_000_000L)).isTrue();
        byte[] header = cache.header();
        String first = new String(header, StandardCharsets.US_ASCII);
        assertThat(first).isEqualTo("Date: Sun, 09 Sep 2001 01:46:40 GMT\r\n");
        assertThat(cache.refresh(1_000_000_000_999L)).isFalse();
        assertThat(cache.header()).isSameAs(header);
        assertThat(new String(header, StandardCharsets.US_ASCII)).isEqualTo(first);
        assertThat(cache.refresh(1_000_000_001_000L)).isTrue();
        assertThat(new String(header, StandardCharsets.US_ASCII)).isEqualTo("Date: Sun, 09 Sep 2001 01:46:41 GMT\r\n");
        assertThat(new String(header, cache.valueOffset(), HttpDate.LENGTH, StandardCharsets.US_ASCII))
            .isEqualTo("Sun, 09 Sep 2001 01:46:41 GMT");
    }
}
