package io.uringhttpd.http;

import static io.uringhttpd.http.Chars.HEX;

/**
 * Request-target path to a file-system-safe path: percent-decode once (RFC 3986 §2.1), validate the
 * result as UTF-8 (RFC 3629), then remove dot-segments (RFC 3986 §5.2.4) and collapse "//", with '/'
 * as the only separator ('\' is an ordinary file-name byte on Linux). Decoding comes first so that
 * "%2e%2e" and "..%2f" are seen as the ".." and "/" they mean; decoding only once keeps "%252e" the
 * literal name "%2e". A path that climbs above the root is refused rather than clamped (RFC 3986
 * would clamp): no legitimate client sends one.
 */
final class TargetDecoder {
    private TargetDecoder() {}

    /**
     * Splits [from, to) of the request-target at the first '?' (query into st), and decodes the
     * path part into out.path.
     *
     * @return 0, or {@link RequestParser#BAD_REQUEST}
     */
    static int decode(long base, int from, int to, ParseState st, Request out) {
        byte[] path = out.path;
        // Fast pass: one bulk copy of the whole target (path.length >= any target), then look in
        // the array for what needs work ('%', "//" or "/.", bytes >= 0x80) up to the first '?'.
        // Most targets need none of it and are done after this loop.
        int n = to - from;
        Mem.copy(base + from, path, 0, n);
        int w = 0;
        int prev = 0;
        int pct = 0;
        int dots = 0;
        int high = 0;
        while (w < n) {
            int b = path[w];
            if (b == '?') {
                break;
            }
            pct |= b == '%' ? 1 : 0;
            dots |= prev == '/' && (b == '/' || b == '.') ? 1 : 0;
            high |= b;
            prev = b;
            w++;
        }
        int i = from + w;
        st.queryOff = i;
        st.queryLen = to - i;
        if (w == 0) {
            // absolute-form without a path: "http://host" means "/" (RFC 9112 §3.2.2 via §3.3)
            path[0] = '/';
            out.pathLength = 1;
            out.pathEndsWithSlash = true;
            return 0;
        }
        if (pct != 0) {
            w = percentDecode(base + from, w, path);
            if (w < 0) {
                return RequestParser.BAD_REQUEST;
            }
            high = 0;
            for (int k = 0; k < w; k++) {
                high |= path[k];
            }
            dots = 1;
        }
        if ((high & 0x80) != 0 && !validUtf8(path, w)) {
            return RequestParser.BAD_REQUEST;
        }
        if (dots != 0) {
            return normalize(path, w, out);
        }
        out.pathLength = w;
        out.pathEndsWithSlash = path[w - 1] == '/';
        return 0;
    }

    /** Decodes %XX of the raw path [address, address+length) into path; returns the decoded length or -1. */
    private static int percentDecode(long address, int length, byte[] path) {
        int w = 0;
        for (int i = 0; i < length; i++) {
            int b = Mem.u8(address + i);
            if (b == '%') {
                if (i + 2 >= length) {
                    return -1; // "%" or "%2" at the end
                }
                int h = HEX[Mem.u8(address + i + 1)];
                int l = HEX[Mem.u8(address + i + 2)];
                if ((h | l) < 0) {
                    return -1; // "%G1"
                }
                b = h << 4 | l;
                if (b == 0) {
                    return -1; // NUL would cut the path short in every C API below us
                }
                i += 2;
            }
            path[w++] = (byte) b;
        }
        return w;
    }

    /** Well-formed UTF-8 per RFC 3629 §4: no overlongs (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing above U+10FFFF. */
    static boolean validUtf8(byte[] s, int n) {
        int i = 0;
        while (i < n) {
            int c = s[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
            } else if (c == 0xE0) {
                need = 2;
                lo = 0xA0;
            } else if (c == 0xED) {
                need = 2;
                hi = 0x9F;
            } else if (c >= 0xE1 && c <= 0xEF) {
                need = 2;
            } else if (c == 0xF0) {
                need = 3;
                lo = 0x90;
            } else if (c == 0xF4) {
                need = 3;
                hi = 0x8F;
            } else if (c >= 0xF1 && c <= 0xF3) {
                need = 3;
            } else {
                return false; // 80-C1 (continuation or overlong lead), F5-FF
            }
            if (i + need >= n) {
                return false;
            }
            int c1 = s[i + 1] & 0xFF;
            if (c1 < lo || c1 > hi) {
                return false;
            }
            for (int k = 2; k <= need; k++) {
                if ((s[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }

    /** In place: the write position never passes the read position, as every output segment was preceded by a '/' in the input. */
    static int normalize(byte[] path, int n, Request out) {
        int r = 0;
        int w = 0;
        while (r < n) {
            while (r < n && path[r] == '/') {
                r++;
            }
            if (r == n) {
                path[w++] = '/';
                break;
            }
            int s = r;
            while (r < n && path[r] != '/') {
                r++;
            }
            int segLen = r - s;
            if (segLen == 1 && path[s] == '.') {
                if (r == n) {
                    path[w++] = '/'; // "/a/." names the directory "/a/"
                }
                continue;
            }
            if (segLen == 2 && path[s] == '.' && path[s + 1] == '.') {
                if (w == 0) {
                    return RequestParser.BAD_REQUEST; // above the root
                }
                do {
                    w--;
                } while (path[w] != '/');
                if (r == n) {
                    path[w++] = '/';
                }
                continue;
            }
            path[w++] = '/';
            System.arraycopy(path, s, path, w, segLen);
            w += segLen;
        }
        if (w == 0) {
            path[w++] = '/';
        }
        out.pathLength = w;
        out.pathEndsWithSlash = path[w - 1] == '/';
        return 0;
    }
}
