package io.uringhttpd.http;

import static io.uringhttpd.http.Chars.CLASS;
import static io.uringhttpd.http.Chars.OWS;

/**
 * Range header (RFC 9110 §14.1, §14.2) against a representation of known size. Reusable: one per
 * event loop; results live in {@link #starts}/{@link #ends} until the next {@link #parse}.
 *
 * <p>Ranges come back in the order requested (RFC 9110 §15.3.7.2: parts SHOULD be in that order),
 * with ranges that overlap or touch merged into one (§15.3.7.2 allows coalescing "regardless of the
 * order"), which stands where the earliest of them stood; so a multipart answer never repeats a
 * byte. More than {@code rangesMax} ranges
 * means the whole representation is sent (200): that caps the work and the amplification of
 * "bytes=0-,0-,0-,…". Positions are longs and parse with overflow saturation, so files above 4 GiB
 * work and absurd numbers cannot wrap.
 */
public final class ByteRanges {
    /**
     * Ignore the header and send 200 with the whole representation: absent, other unit, invalid, too
     * many ranges, or satisfiable yet selecting no byte (a suffix range of an empty representation).
     */
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
    // Scratch for coalesce, sized once.
    private final int[] byStart;
    private final long[] mergedStarts;
    private final long[] mergedEnds;
    private final int[] mergedFirst;

    public ByteRanges(int rangesMax) {
        if (rangesMax < 1) {
            throw new IllegalArgumentException("rangesMax must be >= 1: " + rangesMax);
        }
        this.rangesMax = rangesMax;
        this.starts = new long[rangesMax];
        this.ends = new long[rangesMax];
        this.byStart = new int[rangesMax];
        this.mergedStarts = new long[rangesMax];
        this.mergedEnds = new long[rangesMax];
        this.mergedFirst = new int[rangesMax];
    }

    /**
     * @param address Range field value (OWS-trimmed), {@code length} -1 when absent
     * @param size    representation size in bytes
     * @return number of ranges (&gt; 0) in {@link #starts}/{@link #ends}, {@link #NONE} or {@link #UNSATISFIABLE}
     */
    public int parse(long address, int length, long size) {
        count = 0;
        if (length < L_BYTES.length || size < 0 || !Mem.equalsLower(address, L_BYTES)) {
            return NONE; // the range unit is case-insensitive (§14.1); "bytes =" is not the grammar
        }
        // RFC 9110 §14.1.2: of a zero-length representation only a suffix-range with a non-zero
        // length is satisfiable, yet it selects no byte, which no Content-Range can state: such a
        // set is answered with the whole (empty) representation (§14.2: a server MAY ignore Range).
        // Any other valid set is unsatisfiable there: 416 with "bytes */0".
        boolean emptySelection = false;
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
                    first = -1; // "-0" is unsatisfiable
                    last = -1;
                } else if (size == 0) {
                    emptySelection = true; // satisfiable, but selects no byte
                    first = -1;
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
            return emptySelection ? NONE : UNSATISFIABLE;
        }
        count = coalesce(n);
        return count;
    }

    /**
     * Merges ranges that overlap or touch, keeping the requested order (RFC 9110 §15.3.7.2: parts
     * SHOULD follow the order of their range-specs; a merged part stands where its earliest
     * range-spec stood). O(n²) for n <= rangesMax (the insertion sort), in preallocated arrays.
     *
     * @return ranges left in {@link #starts}/{@link #ends}
     */
    private int coalesce(int n) {
        long[] s = starts;
        long[] e = ends;
        int[] order = byStart;
        // indices sorted by start
        for (int i = 0; i < n; i++) {
            int k = i;
            int j = i - 1;
            while (j >= 0 && s[order[j]] > s[k]) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = k;
        }
        // sweep: each merged range keeps its earliest range-spec index
        long[] ms = mergedStarts;
        long[] me = mergedEnds;
        int[] first = mergedFirst;
        int m = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            if (m > 0 && s[i] <= me[m - 1] + 1) { // ends are < size <= Long.MAX_VALUE: +1 cannot overflow
                me[m - 1] = Math.max(me[m - 1], e[i]);
                first[m - 1] = Math.min(first[m - 1], i);
            } else {
                ms[m] = s[i];
                me[m] = e[i];
                first[m] = i;
                m++;
            }
        }
        if (m == n) {
            return n; // nothing merged: starts/ends are as requested already
        }
        // place each merged range at its earliest range-spec's position (indices are distinct)
        int[] at = order; // reused: order is no longer needed
        for (int i = 0; i < n; i++) {
            at[i] = -1;
        }
        for (int g = 0; g < m; g++) {
            at[first[g]] = g;
        }
        int w = 0;
        for (int i = 0; i < n; i++) {
            int g = at[i];
            if (g >= 0) {
                s[w] = ms[g];
                e[w] = me[g];
                w++;
            }
        }
        return m;
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
