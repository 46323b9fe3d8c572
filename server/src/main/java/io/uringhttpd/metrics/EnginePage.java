package io.uringhttpd.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The engine comparison page at / of the metrics listener (docs/architecture.md#metrics-path, "The engine page"):
 * one HTML, one script and one style sheet of this jar, and uPlot's script and style sheet from its
 * WebJar, also in the jar. Nothing is fetched from elsewhere, which the Content-Security-Policy
 * says to the browser as well.
 */
final class EnginePage {
    /** Only this origin's scripts, styles and fetches; no inline code, no frames, no forms. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /** A file of the page: its bytes and media type. */
    record Asset(byte[] bytes, String contentType) {}

    private static final String PAGE = "/io/uringhttpd/metrics/page/";
    private static final String UPLOT_PROPERTIES = "/META-INF/maven/org.webjars.npm/uplot/pom.properties";

    /** Read when this class is first used, i.e. at the first request that is not for /metrics. */
    private static final Map<String, Asset> ASSETS = load();

    private EnginePage() {
    }

    /** The file served at {@code path} ("/", "/page.js", ...), if it is one of the page's. */
    static Optional<Asset> asset(String path) {
        return Optional.ofNullable(ASSETS.get(path));
    }

    private static Map<String, Asset> load() {
        String uplot = "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        return Map.of(
                "/", new Asset(read(PAGE + "index.html"), "text/html; charset=utf-8"),
                "/page.js", new Asset(read(PAGE + "page.js"), "text/javascript; charset=utf-8"),
                "/page.css", new Asset(read(PAGE + "page.css"), "text/css; charset=utf-8"),
                "/uPlot.iife.min.js", new Asset(read(uplot + "uPlot.iife.min.js"), "text/javascript; charset=utf-8"),
                "/uPlot.min.css", new Asset(read(uplot + "uPlot.min.css"), "text/css; charset=utf-8"));
    }

    /** The WebJar's version, from its Maven properties: the jar holds exactly one. */
    private static String uplotVersion() {
        try (InputStream in = EnginePage.class.getResourceAsStream(UPLOT_PROPERTIES)) {
            if (in == null) {
                throw new IllegalStateException("uPlot's WebJar is missing from the class path: " + UPLOT_PROPERTIES);
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(String resource) {
        try (InputStream in = EnginePage.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing from the jar: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
