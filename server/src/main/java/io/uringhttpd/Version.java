package io.uringhttpd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The build's version, from /io/uringhttpd/version.properties (filtered by Maven at build time). */
public final class Version {
    private static final String VERSION = load();

    private Version() {}

    /** "0.1.0-SNAPSHOT". */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("io/uringhttpd/version.properties is missing from the class path");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").strip();
            if (v.isEmpty() || v.startsWith("${")) {
                throw new IllegalStateException("io/uringhttpd/version.properties was not filtered by Maven: " + v);
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
