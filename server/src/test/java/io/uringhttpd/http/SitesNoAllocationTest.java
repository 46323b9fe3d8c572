package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.files.FileEventSet;
import io.uringhttpd.files.FileService;
import io.uringhttpd.files.FileSettings;
import io.uringhttpd.files.VariantSettings;
import io.uringhttpd.files.Variants;
import io.uringhttpd.log.AccessLog;
import io.uringhttpd.log.AccessLogSettings;
import io.uringhttpd.sys.Syscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sites cost no allocation per request: choosing the site from Host, try-files (a miss then the SPA
 * fallback, a clean URL), header rules, a redirect with a capture, a site's error page. The handler
 * runs as a loop runs it, measured with the JVM's per-thread allocation counter after warm-up.
 */
class SitesNoAllocationTest {
    @TempDir
    Path dir;

    @Test
    void servingSitesAllocatesNothing() throws Exception {
        Path root = Files.createDirectories(dir.resolve("default"));
        Files.writeString(root.resolve("index.html"), "DEFAULT");
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.writeString(app.resolve("index.html"), "APP");
        Files.writeString(app.resolve("about.html"), "ABOUT");
        Files.writeString(app.resolve("404.html"), "NOT HERE");
        Files.createDirectories(app.resolve("assets"));
        Files.writeString(app.resolve("assets/app.1a2b.js"), "JS");
        Syscalls sys = new Syscalls();
        try (NativeText mem = new NativeText();
             AccessLog log = AccessLog.open(new AccessLogSettings(false, dir.resolve("access.log"), 0, 1000))) {
            FileService defaultFiles = new FileService(FileSettings.defaults(root), sys);
            FileService appFiles = new FileService(FileSettings.defaults(app), sys);
            HeaderRules rules = HeaderRules.compile(List.of(
                    new HeaderRules.Rule(List.of("/assets/**"), Map.of("Cache-Control", "max-age=31536000"), List.of(), List.of(2, 3)),
                    new HeaderRules.Rule(List.of("**"), Map.of("X-Content-Type-Options", "nosniff"), List.of("server"),
                            List.of(2, 3, 4))));
            Redirects redirects = new Redirects(List.of(new Redirects.Redirect("/old/**", "/new/$1", 308)));
            StaticFileHandler handler = new StaticFileHandler(new HttpSettings(8192, 16384, 100, 16,
                    "t".getBytes(StandardCharsets.US_ASCII)), new SiteSelector(List.of(List.of("app.test"))),
                    List.of(new StaticFileHandler.Site(defaultFiles, new Variants(defaultFiles, VariantSettings.off(), null),
                                    List.of(), HeaderRules.compile(List.of()), new Redirects(List.of()), Map.of()),
                            new StaticFileHandler.Site(appFiles, new Variants(appFiles, VariantSettings.off(), null),
                                    List.of("$uri", "$uri.html", "$uri/", "=404"), rules, redirects, Map.of(404, "/404.html"))),
                    new FileEventSet(List.of(defaultFiles, appFiles), sys), log.newWriter(sys));
            String[] requests = {
                "GET /settings/profile HTTP/1.1\r\nHost: app.test\r\n\r\n",
                "GET /about HTTP/1.1\r\nHost: APP.test:8080\r\n\r\n",
                "GET /assets/app.1a2b.js HTTP/1.1\r\nHost: app.test.\r\n\r\n",
                "GET /old/a/b?x=1 HTTP/1.1\r\nHost: app.test\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n",
                "GET /index.html HTTP/1.1\r\nHost: other.test\r\n\r\n",
            };
            int[] expected = {404, 200, 200, 308, 200, 200};
            long allocated = HandlerAllocation.measure(handler, mem, requests, expected, 1_000);
            assertThat(allocated).as("bytes allocated by %d requests", HandlerAllocation.REQUESTS).isZero();
            handler.close();
        }
    }
}
