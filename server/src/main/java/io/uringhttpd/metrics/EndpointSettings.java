package io.uringhttpd.metrics;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where the metrics endpoint listens and which path it serves, built by the caller from the
 * configuration (uring-httpd.metrics), so that this package does not depend on the config one.
 *
 * @param host an IPv4 or IPv6 literal (IPv6 without brackets) or a host name
 * @param port 0..65535; 0 = any free port (tests)
 * @param path starts with '/'
 */
public record EndpointSettings(String host, int port, String path) {
    public EndpointSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }
    }

    /** Resolves the host (no DNS for literals). Setup path only. */
    InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    /** "127.0.0.1:9145" or "[::1]:9145", with {@code boundPort} in place of the configured port. */
    String listen(int boundPort) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + boundPort : host + ":" + boundPort;
    }
}
