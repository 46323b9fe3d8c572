package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;

/** Request methods the parser knows (RFC 9110 §9 plus PATCH, RFC 5789). Any other token: 501. */
public final class Method {
    public static final int UNKNOWN = 0;
    public static final int GET = 1, HEAD = 2, OPTIONS = 3, POST = 4, PUT = 5, DELETE = 6, PATCH = 7, TRACE = 8, CONNECT = 9;

    private static final byte[][] NAMES = {
        bytes("?"), bytes("GET"), bytes("HEAD"), bytes("OPTIONS"), bytes("POST"), bytes("PUT"),
        bytes("DELETE"), bytes("PATCH"), bytes("TRACE"), bytes("CONNECT"),
    };

    // Methods are case-sensitive (RFC 9110 §9.1): "get" is a different, unknown token.
    // Each name packed big-endian into a long, so the parser matches a method with one compare.
    private static final long P_GET = pack("GET"), P_PUT = pack("PUT"), P_HEAD = pack("HEAD"), P_POST = pack("POST"),
        P_PATCH = pack("PATCH"), P_TRACE = pack("TRACE"), P_DELETE = pack("DELETE"), P_OPTIONS = pack("OPTIONS"),
        P_CONNECT = pack("CONNECT");

    private Method() {}

    /** ASCII name, e.g. for the access log. Shared array: do not modify. */
    public static byte[] name(int method) {
        return method > 0 && method < NAMES.length ? NAMES[method] : NAMES[0];
    }

    /** @param packed the token's bytes shifted in big-endian (only meaningful for length <= 8) */
    static int lookup(long packed, int length) {
        switch (length) {
            case 3:
                if (packed == P_GET) return GET;
                if (packed == P_PUT) return PUT;
                return UNKNOWN;
            case 4:
                if (packed == P_HEAD) return HEAD;
                if (packed == P_POST) return POST;
                return UNKNOWN;
            case 5:
                if (packed == P_PATCH) return PATCH;
                if (packed == P_TRACE) return TRACE;
                return UNKNOWN;
            case 6:
                return packed == P_DELETE ? DELETE : UNKNOWN;
            case 7:
                if (packed == P_OPTIONS) return OPTIONS;
                if (packed == P_CONNECT) return CONNECT;
                return UNKNOWN;
            default:
                return UNKNOWN;
        }
    }

    private static long pack(String s) {
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            v = v << 8 | s.charAt(i);
        }
        return v;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
