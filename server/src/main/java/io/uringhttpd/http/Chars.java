package io.uringhttpd.http;

/** Byte classes from RFC 9110 §5.6.2 (tchar), §5.5 (field-vchar, obs-text), RFC 3986 (URI chars). */
final class Chars {
    static final byte CR = '\r', LF = '\n', SP = ' ', HTAB = '\t';

    /** token character: {@code "!#$%&'*+-.^_`|~" / DIGIT / ALPHA}. */
    static final int TCHAR = 1;
    /** field-vchar: VCHAR (0x21-0x7E) or obs-text (0x80-0xFF). */
    static final int VCHAR = 2;
    /** optional whitespace: SP / HTAB. */
    static final int OWS = 4;
    /** allowed raw in a request-target: 0x21-0x7E except '#', plus 0x80-0xFF (validated as UTF-8 after decoding). */
    static final int TARGET = 8;
    /** allowed in uri-host [":" port]: unreserved / sub-delims / pct-encoded / ":" / "[" / "]". */
    static final int HOST = 16;
    /** etagc: %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). */
    static final int ETAGC = 32;

    static final byte[] CLASS = new byte[256];
    /** hex digit value, or -1. */
    static final byte[] HEX = new byte[256];

    static {
        String tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for (int i = 0; i < tchar.length(); i++) {
            CLASS[tchar.charAt(i)] |= TCHAR;
        }
        for (int b = 0x21; b <= 0xFF; b++) {
            if (b != 0x7F) {
                CLASS[b] |= VCHAR | TARGET | ETAGC;
            }
        }
        CLASS['#'] &= ~TARGET;
        CLASS['"'] &= ~ETAGC;
        CLASS[' '] |= OWS;
        CLASS['\t'] |= OWS;
        String host = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:[]%";
        for (int i = 0; i < host.length(); i++) {
            CLASS[host.charAt(i)] |= HOST;
        }
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int i = 0; i < 10; i++) {
            HEX['0' + i] = (byte) i;
        }
        for (int i = 0; i < 6; i++) {
            HEX['a' + i] = (byte) (10 + i);
            HEX['A' + i] = (byte) (10 + i);
        }
    }

    private Chars() {}

    static boolean is(int b, int cls) {
        return (CLASS[b & 0xFF] & cls) != 0;
    }
}
