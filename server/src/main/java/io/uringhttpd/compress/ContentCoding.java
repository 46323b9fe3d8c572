package io.uringhttpd.compress;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The content-codings the server can produce (RFC 9110 §8.4.1; zstd: RFC 8878, br: RFC 7932),
 * with the file-name suffix of a precompressed sidecar next to the original (the suffixes the
 * gzip, zstd and brotli command-line tools write). The order of the constants is no preference.
 */
public enum ContentCoding {
    GZIP("gzip", ".gz"),
    ZSTD("zstd", ".zst"),
    BR("br", ".br");

    /** How many there are: per-coding arrays are sized by it (values() would copy the array each time). */
    public static final int COUNT = 3;

    private final String token;
    private final byte[] tokenBytes;
    private final String sidecarSuffix;
    private final byte[] sidecarSuffixBytes;

    ContentCoding(String token, String sidecarSuffix) {
        this.token = token;
        this.tokenBytes = token.getBytes(StandardCharsets.US_ASCII);
        this.sidecarSuffix = sidecarSuffix;
        this.sidecarSuffixBytes = sidecarSuffix.getBytes(StandardCharsets.US_ASCII);
    }

    /** The content-coding token, lower case, as sent in Content-Encoding. */
    public String token() {
        return token;
    }

    /** {@link #token()} in US-ASCII; shared, do not modify. */
    public byte[] tokenBytes() {
        return tokenBytes;
    }

    /** ".gz", ".zst" or ".br". */
    public String sidecarSuffix() {
        return sidecarSuffix;
    }

    /** {@link #sidecarSuffix()} in US-ASCII; shared, do not modify. */
    public byte[] sidecarSuffixBytes() {
        return sidecarSuffixBytes;
    }

    /** The metrics label: the token. */
    public String label() {
        return token;
    }

    /**
     * The coding of a token, ignoring case (tokens are case-insensitive, RFC 9110 §8.4.1);
     * "x-gzip" is GZIP (RFC 9110 §8.4.1.3: recipients should treat it as equivalent).
     */
    public static ContentCoding ofToken(String token) {
        for (ContentCoding c : values()) {
            if (c.token.equalsIgnoreCase(token)) {
                return c;
            }
        }
        if ("x-gzip".equalsIgnoreCase(token)) {
            return GZIP;
        }
        throw new IllegalArgumentException("unknown content-coding '" + token + "': expected one of "
                + Arrays.stream(values()).map(ContentCoding::token).collect(Collectors.joining(", "))
                + " (or x-gzip)");
    }
}
