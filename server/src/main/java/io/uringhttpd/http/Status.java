package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;

/** Status codes the server sends, with RFC 9110 §15 reason phrases and precomputed status lines. */
public final class Status {
    public static final int OK = 200, NO_CONTENT = 204, PARTIAL_CONTENT = 206, MOVED_PERMANENTLY = 301,
        NOT_MODIFIED = 304, BAD_REQUEST = 400, FORBIDDEN = 403, NOT_FOUND = 404, METHOD_NOT_ALLOWED = 405,
        REQUEST_TIMEOUT = 408, LENGTH_REQUIRED = 411, PRECONDITION_FAILED = 412, CONTENT_TOO_LARGE = 413,
        URI_TOO_LONG = 414, RANGE_NOT_SATISFIABLE = 416, REQUEST_HEADER_FIELDS_TOO_LARGE = 431,
        INTERNAL_SERVER_ERROR = 500, NOT_IMPLEMENTED = 501, SERVICE_UNAVAILABLE = 503,
        HTTP_VERSION_NOT_SUPPORTED = 505;

    private static final String[] REASONS = new String[600];
    private static final byte[][] LINES = new byte[600][];

    static {
        reason(200, "OK");
        reason(204, "No Content");
        reason(206, "Partial Content");
        reason(301, "Moved Permanently");
        reason(302, "Found");
        reason(303, "See Other");
        reason(307, "Temporary Redirect");
        reason(308, "Permanent Redirect");
        reason(304, "Not Modified");
        reason(400, "Bad Request");
        reason(403, "Forbidden");
        reason(404, "Not Found");
        reason(405, "Method Not Allowed");
        reason(406, "Not Acceptable");
        reason(408, "Request Timeout");
        reason(411, "Length Required");
        reason(412, "Precondition Failed");
        reason(413, "Content Too Large");
        reason(414, "URI Too Long");
        reason(416, "Range Not Satisfiable");
        reason(431, "Request Header Fields Too Large");
        reason(500, "Internal Server Error");
        reason(501, "Not Implemented");
        reason(503, "Service Unavailable");
        reason(505, "HTTP Version Not Supported");
    }

    private Status() {}

    private static void reason(int code, String reason) {
        REASONS[code] = reason;
        LINES[code] = ("HTTP/1.1 " + code + " " + reason + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** True for the codes listed above. */
    public static boolean isKnown(int code) {
        return code >= 0 && code < LINES.length && LINES[code] != null;
    }

    /** Reason phrase (setup and logging use), "Internal Server Error" for an unknown code. */
    public static String reason(int code) {
        return isKnown(code) ? REASONS[code] : REASONS[500];
    }

    /** "HTTP/1.1 404 Not Found\r\n"; an unknown code maps to 500. Shared array: do not modify. */
    public static byte[] line(int code) {
        return isKnown(code) ? LINES[code] : LINES[500];
    }

    /**
     * Statuses after which the connection closes whatever the request asked: the parser's errors
     * (the framing of what follows is unknown or the client is misbehaving), 408 (timed out) and 503.
     */
    public static boolean alwaysCloses(int code) {
        return code == 400 || code == 408 || code == 413 || code == 414 || code == 431 || code == 501
            || code == 503 || code == 505;
    }
}
