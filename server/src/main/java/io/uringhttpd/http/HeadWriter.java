package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;

/**
 * Appends a response head (ASCII) to native memory {@code [address, address+capacity)}. Reusable:
 * {@link #wrap} per response. When an append does not fit, nothing of it is written, the writer
 * turns overflowed (sticky: later appends are ignored) and {@link #finish()} returns -1; nothing throws.
 * Not thread-safe.
 */
public final class HeadWriter {
    public static final byte[] CRLF = ascii("\r\n");
    public static final byte[] SERVER = ascii("Server: ");
    public static final byte[] DATE = ascii("Date: ");
    public static final byte[] CONTENT_TYPE = ascii("Content-Type: ");
    public static final byte[] CONTENT_LENGTH = ascii("Content-Length: ");
    public static final byte[] LAST_MODIFIED = ascii("Last-Modified: ");
    public static final byte[] ETAG = ascii("ETag: ");
    public static final byte[] LOCATION = ascii("Location: ");
    public static final byte[] ALLOW = ascii("Allow: ");
    public static final byte[] CONTENT_RANGE_BYTES = ascii("Content-Range: bytes ");
    /** Whole lines (with CRLF). */
    public static final byte[] ACCEPT_RANGES_BYTES_LINE = ascii("Accept-Ranges: bytes\r\n");
    public static final byte[] CONNECTION_KEEP_ALIVE_LINE = ascii("Connection: keep-alive\r\n");
    public static final byte[] CONNECTION_CLOSE_LINE = ascii("Connection: close\r\n");
    /** What a static file server allows (RFC 9110 §10.2.1 requires Allow on 405). */
    public static final byte[] VARY_ACCEPT_ENCODING_LINE = ascii("Vary: Accept-Encoding\r\n");
    public static final byte[] CONTENT_ENCODING = ascii("Content-Encoding: ");
    public static final byte[] ALLOW_GET_HEAD_OPTIONS_LINE = ascii("Allow: GET, HEAD, OPTIONS\r\n");

    private static final long[] POW10 = new long[19];

    static {
        long p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    private long address;
    private int capacity;
    private int position;
    private boolean overflowed;

    /** Starts a head at {@code address}; position 0. */
    public HeadWriter wrap(long address, int capacity) {
        this.address = address;
        this.capacity = capacity;
        this.position = 0;
        this.overflowed = false;
        return this;
    }

    public int position() {
        return position;
    }

    public boolean overflowed() {
        return overflowed;
    }

    /** Bytes written, or -1 when something did not fit. */
    public int finish() {
        return overflowed ? -1 : position;
    }

    /** "HTTP/1.1 <code> <reason>\r\n" (unknown codes: 500). */
    public HeadWriter statusLine(int code) {
        return bytes(Status.line(code));
    }

    public HeadWriter bytes(byte[] src) {
        return bytes(src, 0, src.length);
    }

    public HeadWriter bytes(byte[] src, int offset, int length) {
        if (reserve(length)) {
            Mem.copy(src, offset, address + position, length);
            position += length;
        }
        return this;
    }

    /** Copies bytes from native memory (e.g. a query string for a Location header). */
    public HeadWriter raw(long srcAddress, int length) {
        if (reserve(length)) {
            Mem.copy(srcAddress, address + position, length);
            position += length;
        }
        return this;
    }

    public HeadWriter crlf() {
        return bytes(CRLF);
    }

    /** Non-negative decimal; a negative value is written as 0 (never happens for lengths and offsets). */
    public HeadWriter decimal(long value) {
        long v = Math.max(0, value);
        int n = decimalLength(v);
        if (reserve(n)) {
            long a = address + position + n;
            do {
                Mem.put(--a, (byte) ('0' + v % 10));
                v /= 10;
            } while (v != 0);
            position += n;
        }
        return this;
    }

    /** name (with its ": ") + value + CRLF. */
    public HeadWriter header(byte[] name, byte[] value) {
        return bytes(name).bytes(value).crlf();
    }

    public HeadWriter header(byte[] name, long decimalValue) {
        return bytes(name).decimal(decimalValue).crlf();
    }

    public HeadWriter header(byte[] name, long valueAddress, int valueLength) {
        return bytes(name).raw(valueAddress, valueLength).crlf();
    }

    public HeadWriter contentLength(long length) {
        return header(CONTENT_LENGTH, length);
    }

    /** "Content-Range: bytes first-last/size\r\n" (last inclusive). */
    public HeadWriter contentRange(long first, long last, long size) {
        return bytes(CONTENT_RANGE_BYTES).decimal(first).bytes(DASH).decimal(last).bytes(SLASH).decimal(size).crlf();
    }

    /** "Content-Range: bytes *&#47;size\r\n", for 416 (RFC 9110 §14.4). */
    public HeadWriter contentRangeUnsatisfied(long size) {
        return bytes(CONTENT_RANGE_BYTES).bytes(STAR_SLASH).decimal(size).crlf();
    }

    public HeadWriter connection(boolean keepAlive) {
        return bytes(keepAlive ? CONNECTION_KEEP_ALIVE_LINE : CONNECTION_CLOSE_LINE);
    }

    /** Digits in the decimal form of a non-negative value (for precomputing multipart lengths). */
    public static int decimalLength(long value) {
        int n = 1;
        while (n < 19 && value >= POW10[n]) {
            n++;
        }
        return n;
    }

    private boolean reserve(int length) {
        if (overflowed || length > capacity - position) {
            overflowed = true;
            return false;
        }
        return true;
    }

    private static final byte[] DASH = ascii("-");
    private static final byte[] SLASH = ascii("/");
    private static final byte[] STAR_SLASH = ascii("*/");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
