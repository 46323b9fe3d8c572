package io.uringhttpd.http;

import static io.uringhttpd.http.Chars.CLASS;
import static io.uringhttpd.http.Chars.ETAGC;
import static io.uringhttpd.http.Chars.OWS;

/**
 * Conditional request fields (RFC 9110 §13.1) evaluated against a representation's validators.
 * Pure functions over header values in native memory (address, length; length -1 = absent), or
 * over the {@link FieldLines} of a field received on several lines.
 * The order of evaluation (§13.2.2) is the caller's: If-Match, If-Unmodified-Since, If-None-Match,
 * If-Modified-Since (only when If-None-Match is absent), then If-Range for a Range request.
 *
 * <p>ETags are given as the file layer makes them: the quoted opaque-tag, e.g. {@code "5f3-65a1"},
 * optionally prefixed by {@code W/}.
 */
public final class Conditionals {
    private Conditionals() {}

    /**
     * If-None-Match (§13.1.2), weak comparison: {@code W/} is ignored on both sides.
     *
     * @return true when the field matches the current ETag, i.e. a GET/HEAD gets 304. False when
     *     absent or malformed (a malformed list never yields 304: a full answer is always safe).
     */
    public static boolean ifNoneMatch(long address, int length, byte[] etag) {
        return matches(address, length, etag, false);
    }

    /**
     * If-None-Match received on one or more field lines, which form one list (RFC 9110 §5.3).
     * {@code "*"} is valid only as the whole field value, so a {@code "*"} line next to another line
     * makes the field malformed (no match).
     *
     * @return as {@link #ifNoneMatch(long, int, byte[])}; false when absent
     */
    public static boolean ifNoneMatch(FieldLines field, byte[] etag) {
        return field.isPresent() && matches(field, etag, false);
    }

    /**
     * If-Match (§13.1.1), strong comparison: a weak tag on either side never matches.
     *
     * @return true when the condition holds (serve normally); false means 412. Absent: true.
     */
    public static boolean ifMatch(long address, int length, byte[] etag) {
        if (length < 0) {
            return true;
        }
        return matches(address, length, etag, true);
    }

    /**
     * If-Match received on one or more field lines, which form one list (RFC 9110 §5.3).
     *
     * @return as {@link #ifMatch(long, int, byte[])}; true when absent
     */
    public static boolean ifMatch(FieldLines field, byte[] etag) {
        return !field.isPresent() || matches(field, etag, true);
    }

    /**
     * If-Modified-Since (§13.1.3).
     *
     * @return true when the representation was NOT modified after the given date (answer 304);
     *     false when absent or not a valid HTTP-date (the field is then ignored)
     */
    public static boolean ifModifiedSince(long address, int length, long mtimeSec) {
        if (length < 0) {
            return false;
        }
        long date = HttpDate.parse(address, length);
        return date >= 0 && mtimeSec <= date;
    }

    /**
     * If-Unmodified-Since (§13.1.4).
     *
     * @return true when the condition holds (serve normally), including when absent or invalid
     *     (the field is then ignored); false means 412
     */
    public static boolean ifUnmodifiedSince(long address, int length, long mtimeSec) {
        if (length < 0) {
            return true;
        }
        long date = HttpDate.parse(address, length);
        return date < 0 || mtimeSec <= date;
    }

    /**
     * If-Range (§13.1.5): an entity-tag compares strongly (a weak tag never matches), a date must
     * equal Last-Modified exactly.
     *
     * @return true when the Range applies (also when If-Range is absent); false means ignore Range
     *     and send the whole representation with 200
     */
    public static boolean ifRange(long address, int length, byte[] etag, long mtimeSec) {
        if (length < 0) {
            return true;
        }
        if (length == 0) {
            return false;
        }
        byte first = Mem.get(address);
        if (first == '"' || first == 'W') {
            // Exactly one entity-tag, which must be strong and equal to ours, which must be strong.
            if (first == 'W' || isWeak(etag)) {
                return false;
            }
            int end = entityTagEnd(address, 0, length);
            return end == length && sameOpaque(address, length, etag, 0);
        }
        long date = HttpDate.parse(address, length);
        return date >= 0 && date == mtimeSec;
    }

    /** "*" or a comma list of entity-tags; any malformed element makes the whole field not match. */
    private static boolean matches(long address, int length, byte[] etag, boolean strong) {
        if (length <= 0) {
            return false;
        }
        if (length == 1 && Mem.get(address) == '*') {
            return true; // the representation exists (callers ask only then)
        }
        return list(address, length, etag, strong) == LIST_MATCH;
    }

    /** The lines of one field as one list: a malformed line spoils all (as an element would). */
    private static boolean matches(FieldLines field, byte[] etag, boolean strong) {
        int n = field.count();
        if (n == 1) {
            return matches(field.address(0), field.length(0), etag, strong);
        }
        boolean matched = false;
        for (int i = 0; i < n; i++) {
            // "*" is no entity-tag, so list() finds a "*" line malformed, as it must be here.
            int r = list(field.address(i), field.length(i), etag, strong);
            if (r == LIST_MALFORMED) {
                return false;
            }
            matched |= r == LIST_MATCH;
        }
        return matched;
    }

    private static final int LIST_MALFORMED = -1, LIST_NO_MATCH = 0, LIST_MATCH = 1;

    /**
     * A comma list of entity-tags, possibly empty (RFC 9110 §5.6.1: {@code #entity-tag}): whether
     * one element matches {@code etag}, or {@link #LIST_MALFORMED}.
     */
    private static int list(long address, int length, byte[] etag, boolean strong) {
        boolean ourWeak = isWeak(etag);
        int ourOpaque = ourWeak ? 2 : 0;
        boolean matched = false;
        int i = 0;
        for (;;) {
            while (i < length && (Mem.get(address + i) == ',' || (CLASS[Mem.u8(address + i)] & OWS) != 0)) {
                i++;
            }
            if (i == length) {
                break;
            }
            int s = i;
            int e = entityTagEnd(address, i, length);
            if (e < 0) {
                return LIST_MALFORMED;
            }
            boolean weak = Mem.get(address + s) == 'W';
            int opaque = weak ? s + 2 : s;
            if (!(strong && (weak || ourWeak)) && sameOpaque(address + opaque, e - opaque, etag, ourOpaque)) {
                matched = true;
            }
            i = e;
            while (i < length && (CLASS[Mem.u8(address + i)] & OWS) != 0) {
                i++;
            }
            if (i < length && Mem.get(address + i) != ',') {
                return LIST_MALFORMED;
            }
        }
        return matched ? LIST_MATCH : LIST_NO_MATCH;
    }

    /** entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, starting at {@code from}; returns the offset after it or -1. */
    private static int entityTagEnd(long address, int from, int length) {
        int i = from;
        if (i + 1 < length && Mem.get(address + i) == 'W' && Mem.get(address + i + 1) == '/') {
            i += 2;
        }
        if (i >= length || Mem.get(address + i) != '"') {
            return -1;
        }
        i++;
        while (i < length && (CLASS[Mem.u8(address + i)] & ETAGC) != 0) {
            i++;
        }
        if (i >= length || Mem.get(address + i) != '"') {
            return -1;
        }
        return i + 1;
    }

    private static boolean sameOpaque(long address, int length, byte[] etag, int etagFrom) {
        if (length != etag.length - etagFrom) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (Mem.get(address + i) != etag[etagFrom + i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWeak(byte[] etag) {
        return etag.length >= 2 && etag[0] == 'W' && etag[1] == '/';
    }
}
