package io.uringhttpd.http;

import static io.uringhttpd.http.Chars.CLASS;
import static io.uringhttpd.http.Chars.OWS;
import static io.uringhttpd.http.Chars.TCHAR;

import io.uringhttpd.compress.ContentCoding;

/**
 * What a request's Accept-Encoding field (RFC 9110 §12.5.3) says of each content coding this
 * server can send, as q-values in thousandths (0..1000). One per loop, refilled per request by
 * {@link #parse}: nothing is allocated.
 *
 * <p>Grammar: {@code #( ( content-coding / "identity" / "*" ) [ OWS ";" OWS "q=" qvalue ] )}, tokens
 * case-insensitive (§8.4.1), {@code x-gzip} the same as {@code gzip} (§8.4.1.3). Lenient where being
 * lenient cannot hurt: an element that does not parse (a bad q, a parameter other than q, junk) is
 * skipped and the rest of the list still counts; a coding named twice keeps its first q. Codings
 * this server does not make (compress, deflate, …) are ignored.
 *
 * <p>Absent field: no coding is acceptable to us. RFC 9110 lets a server send any coding then,
 * but a client that sends no Accept-Encoding (curl, wrk, health checks) wants the bytes as they are,
 * and every server sends those.
 */
public final class AcceptEncoding {
    /** A coding or token the field did not name. */
    static final int UNSET = -1;
    private static final int Q_MAX = 1000;
    private static final byte[] L_GZIP = "gzip".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] L_X_GZIP = "x-gzip".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] L_ZSTD = "zstd".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] L_BR = "br".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] L_IDENTITY = "identity".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Token ids while parsing: a coding's ordinal, or one of these. */
    private static final int T_OTHER = -1, T_IDENTITY = -2, T_STAR = -3;

    private final int[] codingQ = new int[ContentCoding.COUNT];
    private int identityQ;
    private int starQ;
    private boolean present;

    public AcceptEncoding() {
        clear();
    }

    private void clear() {
        java.util.Arrays.fill(codingQ, UNSET);
        identityQ = UNSET;
        starQ = UNSET;
        present = false;
    }

    /** Reads every line of the field (several lines form one list, RFC 9110 §5.3). */
    public void parse(FieldLines field) {
        clear();
        present = field.isPresent();
        for (int line = 0; line < field.count(); line++) {
            parseList(field.address(line), field.length(line));
        }
    }

    /** Whether the request had the field at all (an empty value counts: "no coding, please"). */
    public boolean isPresent() {
        return present;
    }

    /** The q (thousandths) the client gives {@code coding}: named, else through "*", else 0. */
    public int q(ContentCoding coding) {
        int q = codingQ[coding.ordinal()];
        if (q != UNSET) {
            return q;
        }
        return starQ != UNSET ? starQ : 0;
    }

    /**
     * The q (thousandths) of the unencoded representation: named, else 0 when "*;q=0" excludes it,
     * else 1000 ("acceptable by default", RFC 9110 §12.5.3).
     */
    public int identityQ() {
        if (identityQ != UNSET) {
            return identityQ;
        }
        return starQ == 0 ? 0 : Q_MAX;
    }

    /** Whether "identity" was named with its own q (an implicit identity never outranks a coding). */
    public boolean identityNamed() {
        return identityQ != UNSET;
    }

    private void parseList(long address, int length) {
        int i = 0;
        while (i < length) {
            int b = Mem.u8(address + i);
            if (b == ',' || (CLASS[b] & OWS) != 0) {
                i++;
                continue;
            }
            i = element(address, i, length);
        }
    }

    /** Parses one list element from {@code i}; returns the offset after it (at a ',' or the end). */
    private int element(long a, int i, int end) {
        int start = i;
        while (i < end && (CLASS[Mem.u8(a + i)] & TCHAR) != 0) {
            i++;
        }
        int token = start == i ? T_OTHER : token(a + start, i - start);
        boolean valid = start < i;
        int q = Q_MAX;
        i = skipOws(a, i, end);
        if (valid && i < end && Mem.get(a + i) == ';') {
            i = skipOws(a, i + 1, end);
            q = i + 2 <= end && (Mem.get(a + i) | 0x20) == 'q' && Mem.get(a + i + 1) == '=' ? -1 : -2;
            if (q == -1) {
                int from = i + 2;
                int to = from;
                while (to < end && Mem.get(a + to) != ',' && (CLASS[Mem.u8(a + to)] & OWS) == 0) {
                    to++;
                }
                q = qvalue(a + from, to - from);
                i = skipOws(a, to, end);
            }
            valid = q >= 0;
        }
        if (i < end && Mem.get(a + i) != ',') {
            valid = false; // junk after the element (a second parameter, a stray character)
        }
        while (i < end && Mem.get(a + i) != ',') {
            i++;
        }
        if (valid) {
            record(token, q);
        }
        return i;
    }

    private void record(int token, int q) {
        if (token >= 0) {
            if (codingQ[token] == UNSET) codingQ[token] = q;
        } else if (token == T_IDENTITY) {
            if (identityQ == UNSET) identityQ = q;
        } else if (token == T_STAR) {
            if (starQ == UNSET) starQ = q;
        }
    }

    private static int skipOws(long a, int i, int end) {
        while (i < end && (CLASS[Mem.u8(a + i)] & OWS) != 0) {
            i++;
        }
        return i;
    }

    private static int token(long address, int length) {
        switch (length) {
            case 1:
                return Mem.get(address) == '*' ? T_STAR : T_OTHER;
            case 2:
                return Mem.equalsLower(address, L_BR) ? ContentCoding.BR.ordinal() : T_OTHER;
            case 4:
                if (Mem.equalsLower(address, L_GZIP)) return ContentCoding.GZIP.ordinal();
                return Mem.equalsLower(address, L_ZSTD) ? ContentCoding.ZSTD.ordinal() : T_OTHER;
            case 6:
                return Mem.equalsLower(address, L_X_GZIP) ? ContentCoding.GZIP.ordinal() : T_OTHER;
            case 8:
                return Mem.equalsLower(address, L_IDENTITY) ? T_IDENTITY : T_OTHER;
            default:
                return T_OTHER;
        }
    }

    /**
     * qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 9110 §12.4.2), in thousandths;
     * -1 when malformed.
     */
    static int qvalue(long a, int length) {
        if (length < 1 || length > 5) {
            return -1;
        }
        int first = Mem.get(a);
        if (first != '0' && first != '1') {
            return -1;
        }
        int q = (first - '0') * Q_MAX;
        if (length == 1) {
            return q;
        }
        if (Mem.get(a + 1) != '.') {
            return -1;
        }
        int scale = 100;
        for (int i = 2; i < length; i++, scale /= 10) {
            int d = Mem.get(a + i) - '0';
            if (d < 0 || d > 9 || (first == '1' && d != 0)) {
                return -1;
            }
            q += d * scale;
        }
        return q;
    }
}
