package io.uringhttpd.http;

/**
 * Where {@link RequestParser} stopped inside a request head that has not fully arrived: the state of
 * its byte loop and the offsets (relative to the start of the request's bytes) of what it has seen.
 * Each received byte is examined once, so a head trickling in one byte per read costs O(n) in total.
 * One per connection. It resets itself when a parse completes or fails; call {@link #reset()} when a
 * connection slot is reused while a head was half-read.
 */
public final class ParseState {
    static final int S_START = 0, S_START_LF = 1, S_METHOD = 2, S_TARGET = 3, S_VERSION = 4, S_LINE_LF = 5,
        S_FIELD_START = 6, S_FIELD_NAME = 7, S_FIELD_OWS = 8, S_FIELD_VALUE = 9, S_FIELD_LF = 10, S_END_LF = 11;

    // Field ids: the ones we keep. F_OTHER is skipped. If-None-Match, If-Match and Accept-Encoding go to the lists below.
    static final int F_OTHER = 0, F_HOST = 1, F_CONNECTION = 2, F_CONTENT_LENGTH = 3, F_TRANSFER_ENCODING = 4,
        F_IF_NONE_MATCH = 5, F_IF_MATCH = 6, F_IF_MODIFIED_SINCE = 7, F_IF_UNMODIFIED_SINCE = 8, F_IF_RANGE = 9,
        F_RANGE = 10, F_USER_AGENT = 11, F_REFERER = 12, F_ACCEPT_ENCODING = 13, F_COUNT = 14;

    int state;
    /** Next offset to examine. */
    int p;
    int lineStart;
    long methodBits;
    int targetStart, targetEnd, versionStart;
    int headersStart;
    int fieldCount;
    int nameStart, fieldId, valueStart;
    /** Authority of an absolute-form or authority-form target (offsets), hostLen -1 when none. */
    int authorityOff, authorityLen;
    int queryOff, queryLen;
    /** Value offset/length per field id, valid where the id's bit is set in {@link #seen}. */
    final int[] fieldOff = new int[F_COUNT];
    final int[] fieldLen = new int[F_COUNT];
    /** Bit (1 << field id) per field seen; a second bit set per field seen more than once. */
    int seen, repeated;
    // List-based fields whose every line counts (RFC 9110 §5.3): value offset/length per line,
    // line i of list l at [l * FieldLines.LINES_MAX + i]. Indexes: LIST_IF_NONE_MATCH, LIST_IF_MATCH, LIST_ACCEPT_ENCODING.
    static final int LIST_IF_NONE_MATCH = 0, LIST_IF_MATCH = 1, LIST_ACCEPT_ENCODING = 2, LIST_COUNT = 3;
    final int[] listOff = new int[LIST_COUNT * FieldLines.LINES_MAX];
    final int[] listLen = new int[LIST_COUNT * FieldLines.LINES_MAX];
    /** Lines per list so far. */
    final int[] listLines = new int[LIST_COUNT];
    boolean connectionClose, connectionKeepAlive;
    /**
     * What the request line and fields said so far, kept here (not in the Request) until the head is
     * complete: heads arriving in pieces on several connections are parsed in turns.
     */
    int method;
    int versionMinor;
    long contentLength;
    /** Transfer-Encoding seen; chunked seen; the last coding so far is chunked; a coding other than chunked seen. */
    boolean transferEncoding, teChunkedSeen, teLastChunked, teOther;

    public ParseState() {
        reset();
    }

    /** Forgets a half-parsed head. */
    public void reset() {
        state = S_START;
        p = 0;
        lineStart = 0;
        methodBits = 0;
        targetStart = targetEnd = versionStart = 0;
        headersStart = 0;
        fieldCount = 0;
        nameStart = fieldId = valueStart = 0;
        authorityOff = 0;
        authorityLen = -1;
        queryOff = queryLen = 0;
        seen = repeated = 0; // fieldOff/fieldLen need no clearing: read only under 'seen'
        listLines[LIST_IF_NONE_MATCH] = listLines[LIST_IF_MATCH] = listLines[LIST_ACCEPT_ENCODING] = 0; // likewise listOff/listLen
        connectionClose = connectionKeepAlive = false;
        method = Method.UNKNOWN;
        versionMinor = 1;
        contentLength = -1;
        transferEncoding = teChunkedSeen = teLastChunked = teOther = false;
    }

    /** True between requests: nothing of a next head has been examined yet. */
    public boolean isIdle() {
        return state == S_START && p == 0;
    }

    /** Bytes of the current head examined so far (for a header-timeout log line, say). */
    public int bytesExamined() {
        return p;
    }
}
