package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;

/**
 * The {@code Date: <IMF-fixdate>\r\n} header line (RFC 9110 §6.6.1), re-formatted only when the
 * second changes: one per event loop, refreshed once per loop iteration with the loop's clock.
 * Not thread-safe.
 */
public final class DateCache {
    private static final int VALUE_OFFSET = 6; // after "Date: "
    /** Length of {@link #header()}: "Date: " + 29 + CRLF. */
    public static final int HEADER_LENGTH = VALUE_OFFSET + HttpDate.LENGTH + 2;

    private final byte[] header = "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n".getBytes(StandardCharsets.US_ASCII);
    private long epochSec = Long.MIN_VALUE;

    /** @return true when the text changed (a new second began) */
    public boolean refresh(long nowMs) {
        long sec = Math.floorDiv(nowMs, 1000L);
        if (sec == epochSec) {
            return false;
        }
        epochSec = sec;
        HttpDate.format(sec, header, VALUE_OFFSET);
        return true;
    }

    /** "Date: …\r\n", {@link #HEADER_LENGTH} bytes. The same array, updated in place: copy it, do not keep it. */
    public byte[] header() {
        return header;
    }

    /** Offset of the 29-byte IMF-fixdate inside {@link #header()}. */
    public int valueOffset() {
        return VALUE_OFFSET;
    }

    /** The second currently formatted (Long.MIN_VALUE before the first refresh). */
    public long epochSec() {
        return epochSec;
    }
}
