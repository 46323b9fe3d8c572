package io.uringhttpd.http;

/**
 * The field lines of one list-based request field (If-None-Match, If-Match), in the order received.
 * RFC 9110 §5.3: several lines of such a field mean one list, their values joined with commas, so
 * every line counts. Joining them would need a copy; instead each value stays where it is in the
 * input and its position is kept here. Reused: one per field per {@link Request}, nothing allocated
 * per request; positions are valid as long as the {@link Request}'s other addresses are.
 *
 * <p>At most {@link #LINES_MAX} lines are kept; the parser refuses a request with more (400, see
 * {@link RequestParser}).
 */
public final class FieldLines {
    /**
     * Lines kept per field. Clients send one line; a proxy that splits a list sends a few. Treating
     * the field as absent past the cap would not be safe: an ignored If-Match performs the method
     * although the precondition failed (RFC 9110 §13.1.1: MUST NOT), an ignored If-None-Match
     * answers 200 where 304 is required (§13.1.2). So more lines are a 400, like the other resource
     * limits on a request head.
     */
    public static final int LINES_MAX = 8;

    private final long[] addresses = new long[LINES_MAX];
    private final int[] lengths = new int[LINES_MAX];
    private int count;

    /** Lines received; 0 when the field is absent. */
    public int count() {
        return count;
    }

    public boolean isPresent() {
        return count > 0;
    }

    /** Address of the OWS-trimmed value of line {@code line} (0-based, below {@link #count()}). */
    public long address(int line) {
        return addresses[line];
    }

    /** Length of the OWS-trimmed value of line {@code line}; may be 0 (an empty line). */
    public int length(int line) {
        return lengths[line];
    }

    void clear() {
        count = 0;
    }

    /** Appends a line; the caller keeps {@code count() < LINES_MAX}. */
    void add(long address, int length) {
        addresses[count] = address;
        lengths[count] = length;
        count++;
    }
}
