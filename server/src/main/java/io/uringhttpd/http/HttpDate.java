package io.uringhttpd.http;

/**
 * HTTP-date (RFC 9110 §5.6.7) without java.time: civil-from-days arithmetic (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms"), digits written by hand, nothing allocated.
 *
 * <p>Formats IMF-fixdate, {@code Sun, 06 Nov 1994 08:49:37 GMT}. Parses IMF-fixdate, the obsolete
 * RFC 850 form {@code Sunday, 06-Nov-94 08:49:37 GMT} and asctime {@code Sun Nov  6 08:49:37 1994}.
 * Names are case-sensitive, as the grammar says. The day name must be a valid one, but (like nginx
 * and most servers) its agreement with the date is not checked.
 */
public final class HttpDate {
    /** Length of an IMF-fixdate. */
    public static final int LENGTH = 29;

    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range a 4-digit year can show. */
    static final long EPOCH_SEC_MIN = -62_167_219_200L, EPOCH_SEC_MAX = 253_402_300_799L;

    private static final byte[] DAYS = "SunMonTueWedThuFriSat".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Full day names for RFC 850, Monday first as in the RFC's grammar; index = weekday with Sunday = 0. */
    private static final byte[][] LONG_DAYS = {
        ascii("Sunday"), ascii("Monday"), ascii("Tuesday"), ascii("Wednesday"), ascii("Thursday"), ascii("Friday"), ascii("Saturday"),
    };

    private HttpDate() {}

    /**
     * Writes the IMF-fixdate of {@code epochSec} (clamped to years 0000-9999) at {@code out[off..off+29)}.
     *
     * @return {@code off + 29}
     */
    public static int format(long epochSec, byte[] out, int off) {
        long s = Math.max(EPOCH_SEC_MIN, Math.min(EPOCH_SEC_MAX, epochSec));
        long days = Math.floorDiv(s, 86_400L);
        int secOfDay = (int) (s - days * 86_400L);
        // civil_from_days
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097L);
        int doe = (int) (z - era * 146_097L);
        int yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long y = yoe + era * 400;
        int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int mp = (5 * doy + 2) / 153;
        int d = doy - (153 * mp + 2) / 5 + 1;
        int m = mp < 10 ? mp + 3 : mp - 9;
        if (m <= 2) {
            y++;
        }
        int wd = (int) Math.floorMod(days + 4, 7L); // 1970-01-01 was a Thursday (Sunday = 0)
        int year = (int) y;
        int h = secOfDay / 3600;
        int mi = secOfDay / 60 % 60;
        int se = secOfDay % 60;
        out[off] = DAYS[wd * 3];
        out[off + 1] = DAYS[wd * 3 + 1];
        out[off + 2] = DAYS[wd * 3 + 2];
        out[off + 3] = ',';
        out[off + 4] = ' ';
        two(out, off + 5, d);
        out[off + 7] = ' ';
        out[off + 8] = MONTHS[(m - 1) * 3];
        out[off + 9] = MONTHS[(m - 1) * 3 + 1];
        out[off + 10] = MONTHS[(m - 1) * 3 + 2];
        out[off + 11] = ' ';
        two(out, off + 12, year / 100);
        two(out, off + 14, year % 100);
        out[off + 16] = ' ';
        two(out, off + 17, h);
        out[off + 19] = ':';
        two(out, off + 20, mi);
        out[off + 22] = ':';
        two(out, off + 23, se);
        out[off + 25] = ' ';
        out[off + 26] = 'G';
        out[off + 27] = 'M';
        out[off + 28] = 'T';
        return off + LENGTH;
    }

    /** Parses with the current wall clock as the pivot for RFC 850's two-digit years. */
    public static long parse(long address, int length) {
        return parse(address, length, System.currentTimeMillis() / 1000);
    }

    /**
     * @param nowEpochSec pivot for RFC 850 two-digit years: a year more than 50 years after now's
     *                    is taken 100 years earlier (RFC 9110 §5.6.7)
     * @return epoch seconds ({@code >= 0}), or -1 when the value is not a valid HTTP-date or
     *     lies before 1970 (no file the server sends can be older; callers ignore -1)
     */
    public static long parse(long address, int length, long nowEpochSec) {
        if (length < 24 || length > 40) {
            return -1;
        }
        long a = address;
        if (length == 29 && Mem.get(a + 3) == ',') {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            if (shortDay(a) < 0 || Mem.get(a + 4) != ' ' || Mem.get(a + 7) != ' ' || Mem.get(a + 11) != ' '
                || Mem.get(a + 16) != ' ' || !gmt(a + 25)) {
                return -1;
            }
            return civil(digits(a + 12, 4), month(a + 8), digits(a + 5, 2), a + 17);
        }
        if (length == 24 && Mem.get(a + 3) == ' ') {
            // asctime: Sun Nov  6 08:49:37 1994 (day is SP DIGIT or 2DIGIT)
            if (shortDay(a) < 0 || Mem.get(a + 7) != ' ' || Mem.get(a + 10) != ' ' || Mem.get(a + 19) != ' ') {
                return -1;
            }
            int day = Mem.get(a + 8) == ' ' ? digits(a + 9, 1) : digits(a + 8, 2);
            return civil(digits(a + 20, 4), month(a + 4), day, a + 11);
        }
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        int comma = -1;
        for (int i = 6; i <= 9 && i < length; i++) {
            if (Mem.get(a + i) == ',') {
                comma = i;
                break;
            }
        }
        if (comma < 0 || length != comma + 24 || !longDay(a, comma)) {
            return -1;
        }
        long b = a + comma + 1; // " 06-Nov-94 08:49:37 GMT"
        if (Mem.get(b) != ' ' || Mem.get(b + 3) != '-' || Mem.get(b + 7) != '-' || Mem.get(b + 10) != ' ' || !gmt(b + 19)) {
            return -1;
        }
        int yy = digits(b + 8, 2);
        if (yy < 0) {
            return -1;
        }
        int nowYear = yearOf(nowEpochSec);
        int year = nowYear / 100 * 100 + yy;
        if (year > nowYear + 50) {
            year -= 100;
        } else if (year + 100 <= nowYear + 50) {
            year += 100;
        }
        return civil(year, month(b + 4), digits(b + 1, 2), b + 11);
    }

    /** Seconds since the epoch of a validated date; time at {@code t} as "HH:MM:SS". -1 when any part is out of range. */
    private static long civil(int year, int month, int day, long t) {
        if (year < 0 || month < 0 || day < 1 || Mem.get(t + 2) != ':' || Mem.get(t + 5) != ':') {
            return -1;
        }
        int h = digits(t, 2);
        int mi = digits(t + 3, 2);
        int s = digits(t + 6, 2);
        // second 60: a leap second is grammatical (RFC 9110 §5.6.7 "00-60")
        if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || day > daysInMonth(year, month)) {
            return -1;
        }
        long sec = daysFromCivil(year, month, day) * 86_400L + h * 3600L + mi * 60L + s;
        return sec < 0 ? -1 : sec;
    }

    /** days_from_civil: days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
    static long daysFromCivil(long y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400L);
        long yoe = y - era * 400;
        long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    private static int yearOf(long epochSec) {
        long z = Math.floorDiv(epochSec, 86_400L) + 719_468;
        long era = Math.floorDiv(z, 146_097L);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        return (int) (yoe + era * 400 + (mp >= 10 ? 1 : 0));
    }

    private static int daysInMonth(int y, int m) {
        if (m == 2) {
            boolean leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            return leap ? 29 : 28;
        }
        return m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31;
    }

    /** 1-12, or -1. */
    private static int month(long a) {
        byte c0 = Mem.get(a);
        byte c1 = Mem.get(a + 1);
        byte c2 = Mem.get(a + 2);
        for (int i = 0; i < 12; i++) {
            if (MONTHS[i * 3] == c0 && MONTHS[i * 3 + 1] == c1 && MONTHS[i * 3 + 2] == c2) {
                return i + 1;
            }
        }
        return -1;
    }

    private static int shortDay(long a) {
        byte c0 = Mem.get(a);
        byte c1 = Mem.get(a + 1);
        byte c2 = Mem.get(a + 2);
        for (int i = 0; i < 7; i++) {
            if (DAYS[i * 3] == c0 && DAYS[i * 3 + 1] == c1 && DAYS[i * 3 + 2] == c2) {
                return i;
            }
        }
        return -1;
    }

    private static boolean longDay(long a, int length) {
        for (byte[] name : LONG_DAYS) {
            if (name.length == length) {
                int i = 0;
                while (i < length && Mem.get(a + i) == name[i]) {
                    i++;
                }
                if (i == length) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean gmt(long a) {
        return Mem.get(a) == ' ' && Mem.get(a + 1) == 'G' && Mem.get(a + 2) == 'M' && Mem.get(a + 3) == 'T';
    }

    /** Value of n ASCII digits, or -1. */
    private static int digits(long a, int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
            int d = Mem.get(a + i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static void two(byte[] out, int off, int v) {
        out[off] = (byte) ('0' + v / 10);
        out[off + 1] = (byte) ('0' + v % 10);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
