package io.uringhttpd.http;

import static io.uringhttpd.http.Chars.CLASS;
import static io.uringhttpd.http.Chars.OWS;

/**
 * Range header (RFC 9110 §14.1.2, §14.2) against a representation of known size. Reusable: one per
 * event loop; results live in {@link #starts}/{@link #ends} until the next {@link #parse}.
 *
 * <p>Ranges come back sorted by start with overlapping and adjacent ones merged (RFC 9110 §14.3
 * allows coalescing), so a multipart answer never repeats a byte. More than {@code rangesMax} ranges
 * means the whole representation is sent (200): that caps the work and the amplification of
 * "bytes=0-,0-,0-,…". Positions are longs and parse with overflow saturation, so files above 4 GiB
 * work and absurd numbers cannot wrap.
 */
public final class ByteRanges {
    /** Ignore the header and send 200 with the whole representation (absent, other unit, invalid, too many ranges, empty file). */
    public static final int NONE = 0;
    /** No range overlaps the representation: 416 with {@code Content-Range: bytes *}{@code /size}. */
    public static final int UNSATISFIABLE = -416;

    private static final byte[] L_BYTES = "bytes=".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** First byte of each range. */
    public final long[] starts;
    /** Last byte of each range, inclusive (as in Content-Range). */
    public final long[] ends;
    /** Ranges found by the last parse (0 unless it returned a count). */
    public int count;

    private final int rangesMax;

    public ByteRanges(int rangesMax) {
        if (rangesMax < 1) {
            throw new IllegalArgumentException("rangesMax must be >= 1: " + rangesMax);
        }
        this.rangesMax = rangesMax;
        this.starts = new long[rangesMax];
        this.ends = new long[rangesMax];
    }

    /**
     * @param address Range field value (OWS-trimmed), {@code length} -1 when absent
     * @param size    representation size in bytes
     * @return number of ranges (&gt; 0) in {@link #starts}/{@link #ends}, {@link #NONE} or {@link #UNSATISFIABLE}
     */
    public int parse(long address, int length, long size) {
        count = 0;
        // A zero-length representation has no byte to select; 200 with the (empty) whole is always
        // a correct answer (RFC 9110 §14.2: a server MAY ignore Range).
        if (length < L_BYTES.length || size <= 0 || !Mem.equalsLower(address, L_BYTES)) {
            return NONE; // the range unit is case-insensitive (§14.1); "bytes =" is not the grammar
        }
        int specs = 0;
        int n = 0;
        int i = L_BYTES.length;
        for (;;) {
            // range-set = 1#range-spec: skip OWS and empty list elements
            while (i < length && (Mem.get(address + i) == ',' || (CLASS[Mem.u8(address + i)] & OWS) != 0)) {
                i++;
            }
            if (i == length) {
                break;
            }
            if (++specs > rangesMax) {
                return NONE;
            }
            long first;
            long last;
            if (Mem.get(address + i) == '-') {
                // suffix-range: the last n bytes
                i++;
                int s = i;
                long suffix = 0;
                while (i < length && isDigit(Mem.get(address + i))) {
                    suffix = saturated(suffix, Mem.get(address + i) - '0');
                    i++;
                }
                if (i == s) {
                    return NONE;
                }
                if (suffix == 0) {
                    first = -1; // "-0" selects nothing
                    last = -1;
                } else {
                    first = Math.max(0, size - suffix);
                    last = size - 1;
                }
            } else {
                int s = i;
                first = 0;
                while (i < length && isDigit(Mem.get(address + i))) {
                    first = saturated(first, Mem.get(address + i) - '0');
                    i++;
                }
                if (i == s || i == length || Mem.get(address + i) != '-') {
                    return NONE;
                }
                i++;
                s = i;
                last = Long.MAX_VALUE;
                if (i < length && isDigit(Mem.get(address + i))) {
                    last = 0;
                    while (i < length && isDigit(Mem.get(address + i))) {
                        last = saturated(last, Mem.get(address + i) - '0');
                        i++;
                    }
                    if (last < first) {
                        return NONE; // "5-2" is invalid (§14.1.1), which makes the whole field invalid
                    }
                }
                if (first >= size) {
                    first = -1; // unsatisfiable: dropped
                } else {
                    last = Math.min(last, size - 1);
                }
            }
            if (first >= 0) {
                starts[n] = first;
                ends[n] = last;
                n++;
            }
            while (i < length && (CLASS[Mem.u8(address + i)] & OWS) != 0) {
                i++;
            }
            if (i == length) {
                break;
            }
            if (Mem.get(address + i) != ',') {
                return NONE;
            }
        }
        if (specs == 0) {
            return NONE;
        }
        if (n == 0) {
            return UNSATISFIABLE;
        }
        count = coalesce(n);
        return count;
    }

    /** Insertion sort by start (n <= rangesMax, small), then merge overlapping or adjacent neighbours. */
    private int coalesce(int n) {
        long[] s = starts;
        long[] e = ends;
        for (int i = 1; i < n; i++) {
            long ks = s[i];
            long ke = e[i];
            int j = i - 1;
            while (j >= 0 && s[j] > ks) {
                s[j + 1] = s[j];
                e[j + 1] = e[j];
                j--;
            }
            s[j + 1] = ks;
            e[j + 1] = ke;
        }
        int w = 0;
        for (int i = 1; i < n; i++) {
            if (s[i] <= e[w] + 1) { // e[w] < size <= Long.MAX_VALUE, so +1 cannot overflow
                e[w] = Math.max(e[w], e[i]);
            } else {
                w++;
                s[w] = s[i];
                e[w] = e[i];
            }
        }
        return w + 1;
    }

    /** Total bytes selected by the current ranges. */
    public long totalBytes() {
        long t = 0;
        for (int i = 0; i < count; i++) {
            t += ends[i] - starts[i] + 1;
        }
        return t;
    }

    private static long saturated(long v, int digit) {
        return v > (Long.MAX_VALUE - digit) / 10 ? Long.MAX_VALUE : v * 10 + digit;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
