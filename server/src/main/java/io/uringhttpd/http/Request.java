package io.uringhttpd.http;

/**
 * One parsed request head. Reused: one instance per connection (or per loop), refilled by
 * {@link RequestParser#parse}: its content is valid from a positive {@code parse} result until the
 * next {@code parse} call with the same instance. The {@code *Address} fields point into the
 * caller's input bytes and are valid only while those bytes stay where they were. Optional header
 * values are OWS-trimmed; their {@code *Length} is -1 when the field is absent. After a negative
 * result only {@link #method} is meaningful (0 if the method was not read).
 */
public final class Request {
    /** Request-target forms (RFC 9112 §3.2). */
    public static final int ORIGIN_FORM = 1, ABSOLUTE_FORM = 2, AUTHORITY_FORM = 3, ASTERISK_FORM = 4;

    /** {@link Method} constant; on an error result it is set if the method token was read, else 0. */
    public int method;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1 and for HTTP/1.2-1.9 (RFC 9110 §2.5: a higher minor is handled as the highest we know). */
    public int versionMinor;
    /** HTTP/1.1: true unless "Connection: close"; HTTP/1.0: true only with "Connection: keep-alive" (and no close). */
    public boolean keepAlive;
    /** Content-Length, or -1 when absent. Never set together with {@link #chunked}. */
    public long contentLength;
    /** Transfer-Encoding: chunked, the one transfer coding accepted (any other is 501, RFC 9112 §6.1). */
    public boolean chunked;
    /** One of the *_FORM constants. */
    public int targetForm;

    /**
     * Decoded, UTF-8 validated, dot-segment-free path; starts with '/', no "//", no "." or ".." segment.
     * Exceptions: ASTERISK_FORM sets "*", AUTHORITY_FORM (CONNECT only) leaves it empty.
     * Capacity = requestLineBytesMax, so any target that fits in the request line fits here.
     */
    public final byte[] path;
    public int pathLength;
    public boolean pathEndsWithSlash;

    /** Raw request-target as received (for the access log). */
    public long targetAddress;
    public int targetLength;
    /** Raw query including its leading '?', or length 0 when there is none (kept for redirects). */
    public long queryAddress;
    public int queryLength;
    /** Host header value, or for absolute-form and authority-form the target's authority (RFC 9112 §3.2.2); -1 when absent (HTTP/1.0). */
    public long hostAddress;
    public int hostLength;

    // Conditional and range fields (RFC 9110 §13, §14).
    /** If-None-Match: every line, as one list (RFC 9110 §5.3); none when absent. */
    public final FieldLines ifNoneMatch = new FieldLines();
    /** If-Match: every line, as one list (RFC 9110 §5.3); none when absent. */
    public final FieldLines ifMatch = new FieldLines();
    /** Accept-Encoding: every line, as one list (RFC 9110 §5.3, §12.5.3); none when absent. */
    public final FieldLines acceptEncoding = new FieldLines();
    // Singleton fields: a repeated line makes the field count as absent. For the dates that is
    // what RFC 9110 §13.1.3 and §13.1.4 ask (a list of dates is ignored); for Range, an invalid
    // field may be ignored (§14.2), and the whole representation is always a correct answer.
    // Except If-Range: repeated, it is present with length 0 (invalid, never matches), so the
    // Range is ignored rather than applied unconditionally.
    public long ifModifiedSinceAddress;
    public int ifModifiedSinceLength;
    public long ifUnmodifiedSinceAddress;
    public int ifUnmodifiedSinceLength;
    public long ifRangeAddress;
    public int ifRangeLength;
    public long rangeAddress;
    public int rangeLength;
    // For the access log; the first line wins when repeated.
    public long userAgentAddress;
    public int userAgentLength;
    public long refererAddress;
    public int refererLength;

    /** Bytes of the head (leading empty lines, request line, fields, final empty line): the positive parse result. */
    public int headLength;

    public Request(int pathCapacity) {
        this.path = new byte[pathCapacity];
        clear();
    }

    /** True when a message body follows the head. */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** The defaults a head's fields then overwrite (when it completes, or with the method of a refused one). */
    void begin() {
        method = Method.UNKNOWN;
        versionMinor = 1;
        keepAlive = false;
        contentLength = -1;
        chunked = false;
        targetForm = 0;
        pathLength = 0;
        pathEndsWithSlash = false;
        headLength = 0;
    }

    void clear() {
        method = Method.UNKNOWN;
        versionMinor = 1;
        keepAlive = false;
        contentLength = -1;
        chunked = false;
        targetForm = 0;
        pathLength = 0;
        pathEndsWithSlash = false;
        targetAddress = 0;
        targetLength = 0;
        queryAddress = 0;
        queryLength = 0;
        hostAddress = 0;
        hostLength = -1;
        ifNoneMatch.clear();
        ifMatch.clear();
        acceptEncoding.clear();
        ifModifiedSinceAddress = 0;
        ifModifiedSinceLength = -1;
        ifUnmodifiedSinceAddress = 0;
        ifUnmodifiedSinceLength = -1;
        ifRangeAddress = 0;
        ifRangeLength = -1;
        rangeAddress = 0;
        rangeLength = -1;
        userAgentAddress = 0;
        userAgentLength = -1;
        refererAddress = 0;
        refererLength = -1;
        headLength = 0;
    }
}
