package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;

/** Small HTML bodies for error statuses, built once. */
public final class ErrorPages {
    /** Content-Type value of every page. */
    public static final byte[] CONTENT_TYPE = "text/html; charset=utf-8".getBytes(StandardCharsets.US_ASCII);

    private static final byte[][] BODIES = new byte[600][];

    static {
        int[] codes = {301, 302, 303, 307, 308, 400, 403, 404, 405, 406, 408, 411, 412, 413, 414, 416, 431, 500, 501, 503, 505};
        for (int code : codes) {
            String title = code + " " + Status.reason(code);
            BODIES[code] = ("<html><head><title>" + title + "</title></head><body><h1>" + title
                + "</h1></body></html>\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private ErrorPages() {}

    /** The page for {@code code}; a code without a page of its own (including 2xx/304) gets the 500 page. Shared array: do not modify. */
    public static byte[] body(int code) {
        return code >= 0 && code < BODIES.length && BODIES[code] != null ? BODIES[code] : BODIES[500];
    }

    /** Whether {@code code} has its own page. 204 and 304 never carry a body (RFC 9110 §15.3.5, §15.4.5). */
    public static boolean has(int code) {
        return code >= 0 && code < BODIES.length && BODIES[code] != null;
    }
}
