package io.uringhttpd.http;

import static io.uringhttpd.http.Chars.CLASS;
import static io.uringhttpd.http.Chars.CR;
import static io.uringhttpd.http.Chars.HOST;
import static io.uringhttpd.http.Chars.HTAB;
import static io.uringhttpd.http.Chars.LF;
import static io.uringhttpd.http.Chars.OWS;
import static io.uringhttpd.http.Chars.SP;
import static io.uringhttpd.http.Chars.TARGET;
import static io.uringhttpd.http.Chars.TCHAR;
import static io.uringhttpd.http.Chars.VCHAR;
import static io.uringhttpd.http.ParseState.*;

/**
 * HTTP/1.x request-head parser (RFC 9112 §2-§6, RFC 9110), in the shape of nginx's
 * ngx_http_parse_request_line: one loop over a {@code switch (state)}, each state consuming as many
 * bytes as it can in a tight inner loop. When input runs out the state and offsets go to
 * {@link ParseState} and the next call resumes at the first unexamined byte.
 *
 * <p>Input contract: call {@code parse(address, length, state, request)} where
 * {@code [address, address+length)} holds all bytes received for this request so far, starting at its
 * first byte. Between calls the bytes already passed must be passed again (the engine may have moved
 * them: only offsets are kept). After a positive result the next request starts at
 * {@code address + result}.
 *
 * <p>Every line of the head ends with CRLF: a bare LF anywhere in it (an empty line before the
 * request-line, the request-line, a field line, the blank line ending the head) is 400. RFC 9112
 * §2.2 lets a recipient accept a bare LF as a line end, but a proxy in front that does not (it
 * reads {@code "Dummy: x\nContent-Length: 23\r\n"} as one field) would frame the request
 * differently from this server: request smuggling (RFC 9112 §11.2). A bare CR is 400 as well.
 *
 * <p>Nothing is allocated per call. Every negative result means: answer with that status (without
 * reading anything more from the connection) and close the connection; several of them (400 on
 * framing, 414, 431, 501) leave the framing of what follows unknown, so no error keeps the
 * connection alive. Not thread-safe: one parser per event loop.
 */
public final class RequestParser {
    /** The head is incomplete: call again with more bytes. */
    public static final int NEED_MORE = 0;
    /** Malformed request. Always close after answering. */
    public static final int BAD_REQUEST = -400;
    /** Request line longer than requestLineBytesMax. Always close. */
    public static final int URI_TOO_LONG = -414;
    /** Header section over headerSectionBytesMax, or more than headerCountMax fields. Always close. */
    public static final int HEADER_FIELDS_TOO_LARGE = -431;
    /** Unknown method, or a transfer coding other than chunked. Always close. */
    public static final int NOT_IMPLEMENTED = -501;
    /** HTTP major version other than 1. Always close. */
    public static final int VERSION_NOT_SUPPORTED = -505;

    private static final byte[] L_HOST = lower("host");
    private static final byte[] L_RANGE = lower("range");
    private static final byte[] L_REFERER = lower("referer");
    private static final byte[] L_IF_MATCH = lower("if-match");
    private static final byte[] L_IF_RANGE = lower("if-range");
    private static final byte[] L_CONNECTION = lower("connection");
    private static final byte[] L_USER_AGENT = lower("user-agent");
    private static final byte[] L_IF_NONE_MATCH = lower("if-none-match");
    private static final byte[] L_CONTENT_LENGTH = lower("content-length");
    private static final byte[] L_TRANSFER_ENCODING = lower("transfer-encoding");
    private static final byte[] L_ACCEPT_ENCODING = lower("accept-encoding");
    private static final byte[] L_IF_MODIFIED_SINCE = lower("if-modified-since");
    private static final byte[] L_IF_UNMODIFIED_SINCE = lower("if-unmodified-since");
    private static final byte[] L_CLOSE = lower("close");
    private static final byte[] L_KEEP_ALIVE = lower("keep-alive");
    private static final byte[] L_CHUNKED = lower("chunked");
    private static final byte[] L_HTTP = lower("http://");
    private static final byte[] L_HTTPS = lower("https://");

    // Native-order words for the fast paths, in the byte order the reads (Mem.getInt/getLong) use.
    private static final int GET_SP = java.nio.ByteBuffer.wrap(lower("GET "))
        .order(java.nio.ByteOrder.nativeOrder()).getInt(0);
    private static final long HTTP_1_1 = java.nio.ByteBuffer.wrap(lower("HTTP/1.1"))
        .order(java.nio.ByteOrder.nativeOrder()).getLong(0);
    private static final long HTTP_1_0 = java.nio.ByteBuffer.wrap(lower("HTTP/1.0"))
        .order(java.nio.ByteOrder.nativeOrder()).getLong(0);

    private final int requestLineBytesMax;
    private final int headerSectionBytesMax;
    private final int headerCountMax;

    public RequestParser(HttpLimits limits) {
        this.requestLineBytesMax = limits.requestLineBytesMax();
        this.headerSectionBytesMax = limits.headerSectionBytesMax();
        this.headerCountMax = limits.headerCountMax();
    }

    /** A request whose path buffer fits this parser's request-line limit (setup time). */
    public Request newRequest() {
        return new Request(requestLineBytesMax);
    }

    /**
     * Parses (or continues parsing) one request head.
     *
     * @return {@code > 0} bytes of the head (request filled in, state reset for the next request);
     *     {@link #NEED_MORE}; or a negative status: {@link #BAD_REQUEST}, {@link #URI_TOO_LONG},
     *     {@link #HEADER_FIELDS_TOO_LARGE}, {@link #NOT_IMPLEMENTED}, {@link #VERSION_NOT_SUPPORTED}
     *     (state reset; always close the connection after answering).
     */
    public int parse(long address, int length, ParseState st, Request out) {
        int r = parseHead(address, length, st, out);
        if (r < 0) {
            // A refused head leaves no field of an earlier request behind, but its method when it
            // was read (a HEAD's error answer carries no body); then the state starts over.
            out.begin();
            out.method = st.method;
            st.reset();
        }
        return r;
    }

    private int parseHead(long address, int length, ParseState st, Request out) {
        int p = st.p;
        int state = st.state;
        if (state == S_START && p == 0) {
            if (out.path.length < requestLineBytesMax) {
                throw new IllegalArgumentException("Request.path holds " + out.path.length
                    + " bytes, below requestLineBytesMax " + requestLineBytesMax + ": use RequestParser.newRequest()");
            }
        }
        if (length < p) {
            throw new IllegalArgumentException("length " + length + " is below the " + p + " bytes already examined");
        }
        final long base = address;
        final int end = length;
        final int lineMax = requestLineBytesMax;

        for (;;) {
            switch (state) {
                case S_START -> {
                    // RFC 9112 §2.2: ignore empty lines (CRLF) before the request-line. Capped, so a
                    // stream of CRLFs cannot hold the buffer forever.
                    if (p >= end) {
                        return suspend(st, p, state);
                    }
                    byte b = Mem.get(base + p);
                    if (b == LF) {
                        return BAD_REQUEST; // bare LF
                    } else if (b == CR) {
                        p++;
                        state = S_START_LF;
                    } else {
                        st.lineStart = p;
                        // Fast path for the method nearly every request uses: one 4-byte compare.
                        if (p + 4 <= end && Mem.getInt(base + p) == GET_SP) {
                            st.method = Method.GET;
                            p += 4;
                            st.targetStart = p;
                            state = S_TARGET;
                            continue;
                        }
                        st.methodBits = 0;
                        state = S_METHOD;
                        continue;
                    }
                    if (p > lineMax) {
                        return BAD_REQUEST;
                    }
                }
                case S_START_LF -> {
                    if (p >= end) {
                        return suspend(st, p, state);
                    }
                    if (Mem.get(base + p) != LF) {
                        return BAD_REQUEST; // bare CR
                    }
                    p++;
                    state = S_START;
                }
                case S_METHOD -> {
                    // Request-line content must fit in [lineStart, lineStart + lineMax): a byte of it
                    // at or past 'cap' means 414, whether or not the line's end has arrived.
                    int cap = st.lineStart + lineMax;
                    int stop = Math.min(end, cap);
                    long bits = st.methodBits;
                    int b = 0;
                    while (p < stop) {
                        b = Mem.u8(base + p);
                        if ((CLASS[b] & TCHAR) == 0) {
                            break;
                        }
                        bits = bits << 8 | b;
                        p++;
                    }
                    if (p == stop) {
                        if (p == end) {
                            st.methodBits = bits;
                            return suspend(st, p, state);
                        }
                        return URI_TOO_LONG;
                    }
                    int len = p - st.lineStart;
                    if (b != SP || len == 0) {
                        return BAD_REQUEST;
                    }
                    int m = Method.lookup(bits, len);
                    if (m == Method.UNKNOWN) {
                        return NOT_IMPLEMENTED;
                    }
                    st.method = m;
                    p++;
                    st.targetStart = p;
                    state = S_TARGET;
                }
                case S_TARGET -> {
                    int cap = st.lineStart + lineMax;
                    int stop = Math.min(end, cap);
                    // 8 bytes at a time while none is <= SP (ends the target, or is a CTL), DEL or '#'
                    while (p <= stop - 8) {
                        long w = Mem.getLong(base + p);
                        long low = (w - 0x2121212121212121L) & ~w;
                        long v = w ^ 0x7F7F7F7F7F7F7F7FL;
                        long del = (v - 0x0101010101010101L) & ~v;
                        long h = w ^ 0x2323232323232323L;
                        long hash = (h - 0x0101010101010101L) & ~h;
                        if (((low | del | hash) & 0x8080808080808080L) != 0) {
                            break;
                        }
                        p += 8;
                    }
                    int b = 0;
                    while (p < stop) {
                        b = Mem.u8(base + p);
                        if ((CLASS[b] & TARGET) == 0) {
                            break;
                        }
                        p++;
                    }
                    if (p == stop) {
                        if (p == end) {
                            return suspend(st, p, state);
                        }
                        return URI_TOO_LONG;
                    }
                    // A second SP (empty target), CTLs, DEL, '#', a line end: all 400.
                    if (b != SP || p == st.targetStart) {
                        return BAD_REQUEST;
                    }
                    st.targetEnd = p;
                    p++;
                    st.versionStart = p;
                    state = S_VERSION;
                }
                case S_VERSION -> {
                    int cap = st.lineStart + lineMax;
                    int stop = Math.min(end, cap);
                    int b = 0;
                    if (p == st.versionStart && p + 8 < end && p + 8 <= cap) {
                        // Fast path: "HTTP/1.1" or "HTTP/1.0" as one 8-byte compare, then the line end.
                        long v = Mem.getLong(base + p);
                        b = Mem.get(base + p + 8);
                        if ((v == HTTP_1_1 || v == HTTP_1_0) && b == CR) {
                            st.versionMinor = v == HTTP_1_1 ? 1 : 0;
                            p += 9;
                            state = S_LINE_LF;
                            continue;
                        }
                    }
                    while (p < stop) {
                        b = Mem.get(base + p);
                        if (b == CR || b == LF) {
                            break;
                        }
                        p++;
                    }
                    if (p == stop) {
                        if (p == end) {
                            return suspend(st, p, state);
                        }
                        b = Mem.get(base + p);
                        if (b != CR && b != LF) {
                            return URI_TOO_LONG;
                        }
                        // exactly lineMax bytes of content, then the line end: allowed
                    }
                    if (b == LF) {
                        return BAD_REQUEST; // bare LF
                    }
                    int r = version(base, st.versionStart, p, st);
                    if (r < 0) {
                        return r;
                    }
                    p++;
                    state = S_LINE_LF;
                }
                case S_LINE_LF -> {
                    if (p >= end) {
                        return suspend(st, p, state);
                    }
                    if (Mem.get(base + p) != LF) {
                        return BAD_REQUEST;
                    }
                    p++;
                    st.headersStart = p;
                    state = S_FIELD_START;
                }
                case S_FIELD_START -> {
                    // Every byte of the header section must lie below 'cap' (431 otherwise).
                    int cap = st.headersStart + headerSectionBytesMax;
                    if (p >= end) {
                        return suspend(st, p, state);
                    }
                    if (p >= cap) {
                        return HEADER_FIELDS_TOO_LARGE;
                    }
                    byte b = Mem.get(base + p);
                    if (b == CR) {
                        p++;
                        state = S_END_LF;
                    } else if (b == LF) {
                        return BAD_REQUEST; // bare LF: a field line or the end of the head
                    } else if (b == SP || b == HTAB) {
                        // obs-fold (RFC 9112 §5.2), or whitespace between the start-line and the
                        // first field (§2.2): reject rather than guess.
                        return BAD_REQUEST;
                    } else {
                        if (++st.fieldCount > headerCountMax) {
                            return HEADER_FIELDS_TOO_LARGE;
                        }
                        st.nameStart = p;
                        state = S_FIELD_NAME;
                    }
                }
                case S_FIELD_NAME -> {
                    int cap = st.headersStart + headerSectionBytesMax;
                    int stop = Math.min(end, cap);
                    int b = 0;
                    while (p < stop) {
                        b = Mem.u8(base + p);
                        if ((CLASS[b] & TCHAR) == 0) {
                            break;
                        }
                        p++;
                    }
                    if (p == stop) {
                        if (p == end) {
                            return suspend(st, p, state);
                        }
                        return HEADER_FIELDS_TOO_LARGE;
                    }
                    // Whitespace before ':' (RFC 9112 §5.1 MUST reject), no colon, a non-token byte.
                    if (b != ':' || p == st.nameStart) {
                        return BAD_REQUEST;
                    }
                    st.fieldId = fieldId(base + st.nameStart, p - st.nameStart);
                    p++;
                    state = S_FIELD_OWS;
                }
                case S_FIELD_OWS -> {
                    int cap = st.headersStart + headerSectionBytesMax;
                    int stop = Math.min(end, cap);
                    while (p < stop && (CLASS[Mem.u8(base + p)] & OWS) != 0) {
                        p++;
                    }
                    if (p == stop) {
                        if (p == end) {
                            return suspend(st, p, state);
                        }
                        return HEADER_FIELDS_TOO_LARGE;
                    }
                    st.valueStart = p;
                    state = S_FIELD_VALUE;
                }
                case S_FIELD_VALUE -> {
                    int cap = st.headersStart + headerSectionBytesMax;
                    int stop = Math.min(end, cap);
                    // Most head bytes are field values: skip 8 at a time while none is a CTL or DEL
                    // (SWAR "has byte less than 0x20" / "has byte equal to 0x7F"; bytes >= 0x80 are
                    // obs-text and pass). A word with HTAB or the line end goes byte by byte.
                    while (p <= stop - 8) {
                        long w = Mem.getLong(base + p);
                        long ctl = (w - 0x2020202020202020L) & ~w;
                        long v = w ^ 0x7F7F7F7F7F7F7F7FL;
                        long del = (v - 0x0101010101010101L) & ~v;
                        if (((ctl | del) & 0x8080808080808080L) != 0) {
                            break;
                        }
                        p += 8;
                    }
                    int b = 0;
                    while (p < stop) {
                        b = Mem.u8(base + p);
                        if ((CLASS[b] & (VCHAR | OWS)) == 0) {
                            break;
                        }
                        p++;
                    }
                    if (p == stop) {
                        if (p == end) {
                            return suspend(st, p, state);
                        }
                        return HEADER_FIELDS_TOO_LARGE;
                    }
                    if (b == CR) {
                        p++;
                        state = S_FIELD_LF;
                    } else {
                        return BAD_REQUEST; // bare LF, NUL, other CTLs, DEL (RFC 9110 §5.5)
                    }
                }
                case S_FIELD_LF -> {
                    if (p >= end) {
                        return suspend(st, p, state);
                    }
                    if (p >= st.headersStart + headerSectionBytesMax) {
                        return HEADER_FIELDS_TOO_LARGE;
                    }
                    if (Mem.get(base + p) != LF) {
                        return BAD_REQUEST;
                    }
                    int r = field(base, st, p - 1);
                    if (r < 0) {
                        return r;
                    }
                    p++;
                    state = S_FIELD_START;
                }
                case S_END_LF -> {
                    if (p >= end) {
                        return suspend(st, p, state);
                    }
                    if (p >= st.headersStart + headerSectionBytesMax) {
                        return HEADER_FIELDS_TOO_LARGE;
                    }
                    if (Mem.get(base + p) != LF) {
                        return BAD_REQUEST;
                    }
                    return complete(base, p + 1, st, out);
                }
                default -> throw new IllegalStateException("parser state " + state);
            }
        }
    }

    private static int suspend(ParseState st, int p, int state) {
        st.p = p;
        st.state = state;
        return NEED_MORE;
    }

    // ---------------------------------------------------------------- end of head

    private int complete(long base, int headLength, ParseState st, Request out) {
        // The request is written here only, from the head's own state: a head that arrived in
        // pieces was parsed in turns with other connections' heads, into the same Request.
        out.begin();
        out.method = st.method;
        out.versionMinor = st.versionMinor;
        out.contentLength = st.contentLength;
        int r = target(base, st, out);
        if (r < 0) {
            return r;
        }
        if (out.versionMinor == 1 && (st.seen & 1 << F_HOST) == 0) {
            return BAD_REQUEST; // RFC 9112 §3.2: Host is required in HTTP/1.1
        }
        if (st.transferEncoding) {
            // RFC 9112 §6.1 and §6.3: TE with CL, or TE in HTTP/1.0, is a smuggling signal: 400 and close.
            if (out.contentLength >= 0 || out.versionMinor == 0) {
                return BAD_REQUEST;
            }
            if (st.teChunkedSeen && !st.teLastChunked) {
                // RFC 9112 §6.3: chunked present but not final, so the body length cannot be
                // determined: 400. Checked before 501 because it is a framing error.
                return BAD_REQUEST;
            }
            if (st.teOther) {
                // RFC 9112 §6.1: a transfer coding we do not implement (we decode none but
                // chunked), wherever it stands in the list, even before a final chunked: 501.
                // Accepting "gzip, chunked" would hand the handler a body still gzip-coded.
                return NOT_IMPLEMENTED;
            }
            out.chunked = true;
        }
        out.keepAlive = out.versionMinor == 1 ? !st.connectionClose : st.connectionKeepAlive && !st.connectionClose;
        out.targetAddress = base + st.targetStart;
        out.targetLength = st.targetEnd - st.targetStart;
        out.queryAddress = base + st.queryOff;
        out.queryLength = st.queryLen;
        int[] off = st.fieldOff;
        int[] len = st.fieldLen;
        int seen = st.seen;
        int single = seen & ~st.repeated;
        if (st.authorityLen >= 0) {
            out.hostAddress = base + st.authorityOff;
            out.hostLength = st.authorityLen;
        } else if ((seen & 1 << F_HOST) != 0) {
            out.hostAddress = base + off[F_HOST];
            out.hostLength = len[F_HOST];
        } else {
            out.hostAddress = 0;
            out.hostLength = -1;
        }
        // Every optional field is written, present or not, so Request needs no clearing per parse.
        lines(base, st, LIST_IF_NONE_MATCH, out.ifNoneMatch);
        lines(base, st, LIST_IF_MATCH, out.ifMatch);
        lines(base, st, LIST_ACCEPT_ENCODING, out.acceptEncoding);
        boolean on = (single & 1 << F_IF_MODIFIED_SINCE) != 0;
        out.ifModifiedSinceAddress = on ? base + off[F_IF_MODIFIED_SINCE] : 0;
        out.ifModifiedSinceLength = on ? len[F_IF_MODIFIED_SINCE] : -1;
        on = (single & 1 << F_IF_UNMODIFIED_SINCE) != 0;
        out.ifUnmodifiedSinceAddress = on ? base + off[F_IF_UNMODIFIED_SINCE] : 0;
        out.ifUnmodifiedSinceLength = on ? len[F_IF_UNMODIFIED_SINCE] : -1;
        // If-Range repeated is invalid, not absent: "absent" would apply the Range unconditionally,
        // sending part of a representation that may have changed. Length 0 (an invalid value)
        // makes Conditionals.ifRange false: Range ignored, whole representation (RFC 9110 §13.1.5).
        on = (seen & 1 << F_IF_RANGE) != 0;
        out.ifRangeAddress = on ? base + off[F_IF_RANGE] : 0;
        out.ifRangeLength = on ? ((st.repeated & 1 << F_IF_RANGE) != 0 ? 0 : len[F_IF_RANGE]) : -1;
        on = (single & 1 << F_RANGE) != 0;
        out.rangeAddress = on ? base + off[F_RANGE] : 0;
        out.rangeLength = on ? len[F_RANGE] : -1;
        on = (seen & 1 << F_USER_AGENT) != 0;
        out.userAgentAddress = on ? base + off[F_USER_AGENT] : 0;
        out.userAgentLength = on ? len[F_USER_AGENT] : -1;
        on = (seen & 1 << F_REFERER) != 0;
        out.refererAddress = on ? base + off[F_REFERER] : 0;
        out.refererLength = on ? len[F_REFERER] : -1;
        out.headLength = headLength;
        st.reset();
        return headLength;
    }

    private static void lines(long base, ParseState st, int list, FieldLines out) {
        out.clear();
        int from = list * FieldLines.LINES_MAX;
        int n = st.listLines[list];
        for (int i = 0; i < n; i++) {
            out.add(base + st.listOff[from + i], st.listLen[from + i]);
        }
    }

    // ---------------------------------------------------------------- request line

    /**
     * HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive. Major 1 with any minor
     * digit is served as 1.x (a minor above 1 as 1.1, RFC 9110 §2.5); a well-formed other major
     * ("HTTP/2.0", "HTTP/3", "HTTP/0.9") is 505; anything else 400.
     */
    private static int version(long base, int from, int to, ParseState st) {
        int len = to - from;
        long a = base + from;
        if (len < 6 || Mem.get(a) != 'H' || Mem.get(a + 1) != 'T' || Mem.get(a + 2) != 'T' || Mem.get(a + 3) != 'P'
            || Mem.get(a + 4) != '/') {
            return BAD_REQUEST;
        }
        int i = 5;
        while (i < len && isDigit(Mem.get(a + i))) {
            i++;
        }
        int majorDigits = i - 5;
        if (majorDigits == 0) {
            return BAD_REQUEST;
        }
        if (majorDigits == 1 && Mem.get(a + 5) == '1') {
            if (len != 8 || Mem.get(a + 6) != '.' || !isDigit(Mem.get(a + 7))) {
                return BAD_REQUEST;
            }
            st.versionMinor = Mem.get(a + 7) == '0' ? 0 : 1;
            return 0;
        }
        // Another major version: well-formed as "HTTP/" 1*DIGIT [ "." 1*DIGIT ]?
        if (i < len) {
            if (Mem.get(a + i) != '.' || i + 1 == len) {
                return BAD_REQUEST;
            }
            for (int j = i + 1; j < len; j++) {
                if (!isDigit(Mem.get(a + j))) {
                    return BAD_REQUEST;
                }
            }
        }
        return VERSION_NOT_SUPPORTED;
    }

    /** Classifies the request-target (RFC 9112 §3.2), keeps its query, and decodes its path into out.path. */
    private static int target(long base, ParseState st, Request out) {
        int ts = st.targetStart;
        int te = st.targetEnd;
        long a = base + ts;
        int len = te - ts;
        byte first = Mem.get(a);
        int pathStart;
        if (first == '/') {
            out.targetForm = Request.ORIGIN_FORM;
            pathStart = ts;
        } else if (first == '*' && len == 1) {
            if (out.method != Method.OPTIONS) {
                return BAD_REQUEST; // asterisk-form is only for a server-wide OPTIONS (RFC 9112 §3.2.4)
            }
            out.targetForm = Request.ASTERISK_FORM;
            out.path[0] = '*';
            out.pathLength = 1;
            out.pathEndsWithSlash = false;
            return 0;
        } else {
            int schemeLen = 0;
            if (len > L_HTTP.length && Mem.equalsLower(a, L_HTTP)) {
                schemeLen = L_HTTP.length;
            } else if (len > L_HTTPS.length && Mem.equalsLower(a, L_HTTPS)) {
                schemeLen = L_HTTPS.length;
            }
            if (schemeLen > 0) {
                // absolute-form: the authority stands in for Host (RFC 9112 §3.2.2)
                int as = ts + schemeLen;
                int ae = as;
                while (ae < te) {
                    byte b = Mem.get(base + ae);
                    if (b == '/' || b == '?') {
                        break;
                    }
                    ae++;
                }
                int r = authority(base, as, ae);
                if (r < 0) {
                    return r;
                }
                st.authorityOff = as;
                st.authorityLen = ae - as;
                out.targetForm = Request.ABSOLUTE_FORM;
                pathStart = ae;
            } else if (out.method == Method.CONNECT) {
                // authority-form: the only form CONNECT uses; the handler refuses CONNECT (405).
                int r = authority(base, ts, te);
                if (r < 0) {
                    return r;
                }
                st.authorityOff = ts;
                st.authorityLen = len;
                out.targetForm = Request.AUTHORITY_FORM;
                out.pathLength = 0;
                out.pathEndsWithSlash = false;
                return 0;
            } else {
                return BAD_REQUEST;
            }
        }
        return TargetDecoder.decode(base, pathStart, te, st, out);
    }

    /** uri-host [":" port] of an absolute-form target: non-empty, no userinfo (RFC 9110 §4.2.4: treat '@' as an error). */
    private static int authority(long base, int from, int to) {
        if (from == to) {
            return BAD_REQUEST; // the http(s) scheme requires a non-empty host (RFC 9110 §4.2.1)
        }
        for (int i = from; i < to; i++) {
            if ((CLASS[Mem.u8(base + i)] & HOST) == 0) {
                return BAD_REQUEST;
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- fields

    private static int fieldId(long name, int len) {
        // Dispatch on length, then one case-insensitive compare.
        switch (len) {
            case 4:
                return Mem.equalsLower(name, L_HOST) ? F_HOST : F_OTHER;
            case 5:
                return Mem.equalsLower(name, L_RANGE) ? F_RANGE : F_OTHER;
            case 7:
                return Mem.equalsLower(name, L_REFERER) ? F_REFERER : F_OTHER;
            case 8:
                if (Mem.equalsLower(name, L_IF_RANGE)) return F_IF_RANGE;
                return Mem.equalsLower(name, L_IF_MATCH) ? F_IF_MATCH : F_OTHER;
            case 10:
                if (Mem.equalsLower(name, L_CONNECTION)) return F_CONNECTION;
                return Mem.equalsLower(name, L_USER_AGENT) ? F_USER_AGENT : F_OTHER;
            case 13:
                return Mem.equalsLower(name, L_IF_NONE_MATCH) ? F_IF_NONE_MATCH : F_OTHER;
            case 14:
                return Mem.equalsLower(name, L_CONTENT_LENGTH) ? F_CONTENT_LENGTH : F_OTHER;
            case 15:
                return Mem.equalsLower(name, L_ACCEPT_ENCODING) ? F_ACCEPT_ENCODING : F_OTHER;
            case 17:
                if (Mem.equalsLower(name, L_TRANSFER_ENCODING)) return F_TRANSFER_ENCODING;
                return Mem.equalsLower(name, L_IF_MODIFIED_SINCE) ? F_IF_MODIFIED_SINCE : F_OTHER;
            case 19:
                return Mem.equalsLower(name, L_IF_UNMODIFIED_SINCE) ? F_IF_UNMODIFIED_SINCE : F_OTHER;
            default:
                return F_OTHER;
        }
    }

    /** Interprets one complete field line whose value runs from valueStart to {@code lineEnd} (its CR). */
    private static int field(long base, ParseState st, int lineEnd) {
        int id = st.fieldId;
        if (id == F_OTHER) {
            return 0;
        }
        int vs = st.valueStart;
        int ve = lineEnd;
        while (ve > vs && (CLASS[Mem.u8(base + ve - 1)] & OWS) != 0) {
            ve--; // trailing OWS is not part of the value (RFC 9112 §5.1)
        }
        int bit = 1 << id;
        switch (id) {
            case F_HOST -> {
                if ((st.seen & bit) != 0) {
                    return BAD_REQUEST; // RFC 9112 §3.2: more than one Host line
                }
                // Empty is valid (reg-name may be empty); anything outside uri-host [":" port] is not.
                for (int i = vs; i < ve; i++) {
                    if ((CLASS[Mem.u8(base + i)] & HOST) == 0) {
                        return BAD_REQUEST;
                    }
                }
                st.seen |= bit;
                st.fieldOff[F_HOST] = vs;
                st.fieldLen[F_HOST] = ve - vs;
            }
            case F_CONNECTION -> connection(base, vs, ve, st);
            case F_CONTENT_LENGTH -> {
                long v = contentLength(base, vs, ve);
                if (v < 0 || (st.contentLength >= 0 && st.contentLength != v)) {
                    return BAD_REQUEST; // RFC 9112 §6.3 item 5: invalid or conflicting
                }
                st.contentLength = v;
            }
            case F_TRANSFER_ENCODING -> {
                return transferEncoding(base, vs, ve, st);
            }
            case F_IF_NONE_MATCH, F_IF_MATCH, F_ACCEPT_ENCODING -> {
                // Lists: every line counts (RFC 9110 §5.3). Past the cap 400, not "absent": see
                // FieldLines.LINES_MAX for why ignoring them would be wrong.
                int list = id == F_IF_NONE_MATCH ? LIST_IF_NONE_MATCH : id == F_IF_MATCH ? LIST_IF_MATCH : LIST_ACCEPT_ENCODING;
                int n = st.listLines[list];
                if (n == FieldLines.LINES_MAX) {
                    return BAD_REQUEST;
                }
                int at = list * FieldLines.LINES_MAX + n;
                st.listOff[at] = vs;
                st.listLen[at] = ve - vs;
                st.listLines[list] = n + 1;
            }
            default -> {
                // Dates, If-Range and Range: a second line makes the field count as absent for
                // good (see Request). User-Agent and Referer: the first line wins.
                if ((st.seen & bit) == 0) {
                    st.seen |= bit;
                    st.fieldOff[id] = vs;
                    st.fieldLen[id] = ve - vs;
                } else {
                    st.repeated |= bit;
                }
            }
        }
        return 0;
    }

    /** Connection = #connection-option (RFC 9110 §7.6.1); only close and keep-alive matter. */
    private static void connection(long base, int vs, int ve, ParseState st) {
        int i = vs;
        while (i < ve) {
            while (i < ve && (Mem.get(base + i) == ',' || (CLASS[Mem.u8(base + i)] & OWS) != 0)) {
                i++;
            }
            int s = i;
            while (i < ve && Mem.get(base + i) != ',') {
                i++;
            }
            int e = i;
            while (e > s && (CLASS[Mem.u8(base + e - 1)] & OWS) != 0) {
                e--;
            }
            int n = e - s;
            if (n == 5 && Mem.equalsLower(base + s, L_CLOSE)) {
                st.connectionClose = true;
            } else if (n == 10 && Mem.equalsLower(base + s, L_KEEP_ALIVE)) {
                st.connectionKeepAlive = true;
            }
        }
    }

    /**
     * Content-Length = 1*DIGIT; a comma list of identical values is accepted (RFC 9110 §8.6 lets a
     * recipient treat it as the one value). Returns the value, or -1 when invalid, empty, overflowing
     * or conflicting.
     */
    private static long contentLength(long base, int vs, int ve) {
        long value = -1;
        int i = vs;
        for (;;) {
            int digits = 0;
            long v = 0;
            while (i < ve) {
                int d = Mem.get(base + i) - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                if (v > (Long.MAX_VALUE - d) / 10) {
                    return -1;
                }
                v = v * 10 + d;
                digits++;
                i++;
            }
            if (digits == 0 || (value >= 0 && v != value)) {
                return -1;
            }
            value = v;
            if (i == ve) {
                return value;
            }
            while (i < ve && (CLASS[Mem.u8(base + i)] & OWS) != 0) {
                i++;
            }
            if (i == ve || Mem.get(base + i) != ',') {
                return -1;
            }
            i++;
            while (i < ve && (CLASS[Mem.u8(base + i)] & OWS) != 0) {
                i++;
            }
        }
    }

    /**
     * Transfer-Encoding = #transfer-coding. Codings accumulate across field lines in order (RFC 9110
     * §5.3: the lines are one list); the verdict (chunked alone / 400 / 501) is taken in
     * {@link #complete}. Only "chunked" is implemented; any other coding makes the request 501.
     */
    private static int transferEncoding(long base, int vs, int ve, ParseState st) {
        st.transferEncoding = true;
        int codings = 0;
        int i = vs;
        while (i < ve) {
            byte b = Mem.get(base + i);
            if (b == ',' || (CLASS[b & 0xFF] & OWS) != 0) {
                i++; // empty list elements are allowed (RFC 9110 §5.6.1.2)
                continue;
            }
            int s = i;
            while (i < ve && (CLASS[Mem.u8(base + i)] & TCHAR) != 0) {
                i++;
            }
            if (i == s) {
                return BAD_REQUEST;
            }
            boolean chunked = i - s == 7 && Mem.equalsLower(base + s, L_CHUNKED);
            // skip OWS ";" transfer-parameters (unknown codings only; chunked has none)
            int j = i;
            while (j < ve && (CLASS[Mem.u8(base + j)] & OWS) != 0) {
                j++;
            }
            if (j < ve && Mem.get(base + j) == ';') {
                if (chunked) {
                    return BAD_REQUEST;
                }
                j = transferParameters(base, j, ve);
                if (j < 0) {
                    return BAD_REQUEST;
                }
            }
            if (j < ve && Mem.get(base + j) != ',') {
                return BAD_REQUEST;
            }
            i = j;
            codings++;
            if (chunked) {
                if (st.teChunkedSeen) {
                    return BAD_REQUEST; // RFC 9112 §6.1: chunked MUST NOT be applied more than once
                }
                st.teChunkedSeen = true;
                st.teLastChunked = true;
            } else {
                st.teLastChunked = false;
                st.teOther = true;
            }
        }
        if (codings == 0) {
            return BAD_REQUEST; // empty Transfer-Encoding: no framing stated
        }
        return 0;
    }

    /**
     * Skips {@code *( OWS ";" OWS token BWS "=" BWS ( token / quoted-string ) ) OWS} from {@code i}
     * (at a ';'), RFC 9112 §7 and RFC 9110 §5.6.6; a quoted-string may hold a comma. Returns the
     * offset after it, or -1 when malformed. The value bytes were checked in the field-value scan
     * already (VCHAR, OWS, obs-text), so inside quotes only DQUOTE and backslash need a look.
     */
    private static int transferParameters(long base, int i, int ve) {
        while (i < ve && Mem.get(base + i) == ';') {
            i = skipOws(base, i + 1, ve);
            int s = i;
            while (i < ve && (CLASS[Mem.u8(base + i)] & TCHAR) != 0) {
                i++;
            }
            if (i == s) {
                return -1;
            }
            i = skipOws(base, i, ve);
            if (i == ve || Mem.get(base + i) != '=') {
                return -1;
            }
            i = skipOws(base, i + 1, ve);
            if (i < ve && Mem.get(base + i) == '"') {
                i++;
                for (;;) {
                    if (i == ve) {
                        return -1; // unterminated
                    }
                    byte b = Mem.get(base + i);
                    if (b == '"') {
                        i++;
                        break;
                    }
                    i += b == '\\' ? 2 : 1; // quoted-pair
                    if (i > ve) {
                        return -1;
                    }
                }
            } else {
                s = i;
                while (i < ve && (CLASS[Mem.u8(base + i)] & TCHAR) != 0) {
                    i++;
                }
                if (i == s) {
                    return -1;
                }
            }
            i = skipOws(base, i, ve);
        }
        return i;
    }

    private static int skipOws(long base, int i, int ve) {
        while (i < ve && (CLASS[Mem.u8(base + i)] & OWS) != 0) {
            i++;
        }
        return i;
    }

    private static boolean isDigit(int b) {
        return b >= '0' && b <= '9';
    }

    private static byte[] lower(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
