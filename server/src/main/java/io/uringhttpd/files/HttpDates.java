package io.uringhttpd.files;

/**
 * IMF-fixdate writer (RFC 9110 section 5.6.7): {@code Sun, 06 Nov 1994 08:49:37 GMT}, always 29 bytes.
 * The http package has its own parser/formatter; this copy keeps files free of an upward dependency.
 */
final class HttpDates {
    static final int LENGTH = 29;
    /** 9999-12-31T23:59:59Z: IMF-fixdate has a 4-digit year. */
    private static final long EPOCH_SEC_MAX = 253_402_300_799L;

    private static final byte[] DAYS = "SunMonTueWedThuFriSat".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private HttpDates() {}

    static byte[] format(long epochSec) {
        byte[] out = new byte[LENGTH];
        format(epochSec, out, 0);
        return out;
    }

    /** Writes 29 bytes at out[off]; times before 1970 or after 9999 are clamped. */
    static void format(long epochSec, byte[] out, int off) {
        long t = Math.min(Math.max(epochSec, 0), EPOCH_SEC_MAX);
        long days = t / 86_400;
        int secOfDay = (int) (t % 86_400);
        int weekday = (int) ((days + 4) % 7); // 1970-01-01 was a Thursday (index 4 from Sunday)

        // civil_from_days, H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"
        long z = days + 719_468;
        long era = z / 146_097;
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yoe + era * 400 + (month <= 2 ? 1 : 0));

        System.arraycopy(DAYS, weekday * 3, out, off, 3);
        out[off + 3] = ',';
        out[off + 4] = ' ';
        two(day, out, off + 5);
        out[off + 7] = ' ';
        System.arraycopy(MONTHS, (month - 1) * 3, out, off + 8, 3);
        out[off + 11] = ' ';
        two(year / 100, out, off + 12);
        two(year % 100, out, off + 14);
        out[off + 16] = ' ';
        two(secOfDay / 3600, out, off + 17);
        out[off + 19] = ':';
        two(secOfDay / 60 % 60, out, off + 20);
        out[off + 22] = ':';
        two(secOfDay % 60, out, off + 23);
        out[off + 25] = ' ';
        out[off + 26] = 'G';
        out[off + 27] = 'M';
        out[off + 28] = 'T';
    }

    private static void two(int v, byte[] out, int off) {
        out[off] = (byte) ('0' + v / 10);
        out[off + 1] = (byte) ('0' + v % 10);
    }
}
