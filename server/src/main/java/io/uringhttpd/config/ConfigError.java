package io.uringhttpd.config;

import java.util.Objects;

/**
 * One problem found in the configuration.
 *
 * @param origin  where the offending value was written: "config/uring-httpd.conf:12", "--set",
 *                "reference.conf:9" (a default that does not fit this machine), or a bare file name
 *                when no line applies (missing file)
 * @param key     the full key, e.g. "uring-httpd.timeouts.send"; "" when the problem is not about one key
 * @param message what is wrong and what is accepted
 */
public record ConfigError(String origin, String key, String message) {
    public ConfigError {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
    }

    /** "ORIGIN: KEY: message" (parts that are empty are left out). */
    public String format() {
        StringBuilder b = new StringBuilder();
        if (!origin.isEmpty()) {
            b.append(origin).append(": ");
        }
        if (!key.isEmpty()) {
            b.append(key).append(": ");
        }
        return b.append(message).toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
