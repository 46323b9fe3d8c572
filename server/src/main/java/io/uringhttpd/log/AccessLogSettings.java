package io.uringhttpd.log;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What the access log needs to know, built by the caller from its configuration (the {@code log}
 * package does not read the configuration itself).
 *
 * @param enabled         false: no file is opened and nothing is logged
 * @param path            the log file; meaningful when enabled
 * @param bufferBytes     bytes collected per event loop before one write(2); 0 = one write per line
 * @param flushIntervalMs buffered lines reach the file at least this often
 */
public record AccessLogSettings(boolean enabled, Path path, int bufferBytes, long flushIntervalMs) {
    /** The largest buffer-bytes the configuration accepts. */
    public static final int BUFFER_BYTES_MAX = 16 << 20;

    public AccessLogSettings {
        Objects.requireNonNull(path, "path");
        if (bufferBytes < 0 || bufferBytes > BUFFER_BYTES_MAX) {
            throw new IllegalArgumentException("bufferBytes must be in [0, " + BUFFER_BYTES_MAX + "]: " + bufferBytes);
        }
        if (flushIntervalMs < 1) {
            throw new IllegalArgumentException("flushIntervalMs must be >= 1: " + flushIntervalMs);
        }
    }

    /** A disabled access log (tests, tools). */
    public static AccessLogSettings disabled() {
        return new AccessLogSettings(false, Path.of("/dev/null"), 0, 1000);
    }
}
