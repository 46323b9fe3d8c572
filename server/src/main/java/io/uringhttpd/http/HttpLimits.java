package io.uringhttpd.http;

/**
 * Request-head limits (config: limits.*).
 *
 * @param requestLineBytesMax   request-line bytes, CRLF excluded (over it: 414). Also the capacity of
 *                              {@link Request#path}, and the cap on empty lines before a request (400).
 * @param headerSectionBytesMax bytes after the request line up to and including the empty line that
 *                              ends the head (over it: 431).
 * @param headerCountMax        field lines (over it: 431).
 */
public record HttpLimits(int requestLineBytesMax, int headerSectionBytesMax, int headerCountMax) {
    /** Beyond this the int offsets of a head could overflow; 1 MiB each is far above any sane setting. */
    static final int BYTES_CEILING = 1 << 20;

    public HttpLimits {
        if (requestLineBytesMax < 16 || requestLineBytesMax > BYTES_CEILING) {
            throw new IllegalArgumentException("requestLineBytesMax must be in [16, " + BYTES_CEILING + "]: " + requestLineBytesMax);
        }
        if (headerSectionBytesMax < 2 || headerSectionBytesMax > BYTES_CEILING) {
            throw new IllegalArgumentException("headerSectionBytesMax must be in [2, " + BYTES_CEILING + "]: " + headerSectionBytesMax);
        }
        if (headerCountMax < 1 || headerCountMax > BYTES_CEILING) {
            throw new IllegalArgumentException("headerCountMax must be in [1, " + BYTES_CEILING + "]: " + headerCountMax);
        }
    }

    /** The configuration's defaults (limits.* in reference.conf): 8 KiB request line, 16 KiB head, 100 fields. */
    public static HttpLimits defaults() {
        return new HttpLimits(8192, 16384, 100);
    }
}
