package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.compress.CompressionPool;
import io.uringhttpd.compress.Compressors;
import io.uringhttpd.compress.ContentCoding;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Negotiating and sending compressed representations allocates nothing per request: Accept-Encoding
 * parsing, a sidecar hit, a cached variant hit, the sidecar probe remembered on a file without
 * sidecars, a 304 against a variant's ETag. The handler runs as a loop runs it (same thread, its
 * tick between requests), measured with the JVM's per-thread allocation counter after warm-up.
 */
class CompressionNoAllocationTest {
    @TempDir
    Path dir;

    @Test
    void servingCompressedRepresentationsAllocatesNothing() throws Exception {
        Path root = Files.createDirectories(dir.resolve("www"));
        String css = "body { margin: 0 auto; color: #333; }\n".repeat(200);
        Files.writeString(root.resolve("site.css"), css);
        Files.write(root.resolve("page.html"), "<p>hello</p>\n".repeat(100).getBytes(StandardCharsets.US_ASCII));
        Files.write(root.resolve("page.html.br"), new byte[300]); // its bytes are not looked at
        Files.write(root.resolve("logo.png"), new byte[900]);
        FileSettings fileSettings = FileSettings.defaults(root);
        VariantSettings variantSettings = new VariantSettings(List.of(ContentCoding.BR, ContentCoding.GZIP), true, true,
                List.of("text/*"), 256, 1 << 20, 1 << 20, 1 << 20, 100);
        try (NativeText mem = new NativeText();
             AccessLog log = AccessLog.open(new AccessLogSettings(false, dir.resolve("access.log"), 0, 1000));
             CompressionPool pool = new CompressionPool(Compressors.available(List.of(ContentCoding.GZIP), 6, 19, 11),
                     1, 10, dir.resolve("cache"), 1 << 20)) {
            Syscalls sys = new Syscalls();
            FileService files = new FileService(fileSettings, sys);
            Variants variants = new Variants(files, variantSettings, pool);
            StaticFileHandler handler = new StaticFileHandler(new HttpSettings(8192, 16384, 100, 16,
                    "t".getBytes(StandardCharsets.US_ASCII)), files, variants, log.newWriter(sys));
            ConnectionHttpState st = handler.newConnectionState();
            ResponsePlan plan = handler.newPlan();
            long out = mem.allocate(16384).address();
            long now = 1_000;
            handler.tick(now);
            // The gzip variant of site.css: asked for once, made by the pool, installed at a tick.
            String variantEtag = null;
            for (int i = 0; i < 3000 && variantEtag == null; i++) {
                Thread.sleep(1);
                handler.tick(++now);
                String head = exchange(handler, st, plan, mem, out, "GET /site.css HTTP/1.1\r\nHost: t\r\n"
                        + "Accept-Encoding: gzip\r\n\r\n", now);
                if (head.contains("Content-Encoding: gzip")) {
                    variantEtag = head.replaceAll("(?s).*ETag: (\"[^\"]+\").*", "$1");
                }
            }
            assertThat(variantEtag).as("the gzip variant within 3 s").isNotNull();
            String[] requests = {
                "GET /site.css HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br;q=1, gzip;q=0.8\r\n\r\n",
                "GET /page.html HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n\r\n",
                "GET /logo.png HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip, br\r\n\r\n",
                "GET /logo.png HTTP/1.1\r\nHost: t\r\n\r\n",
                "GET /site.css HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\nIf-None-Match: " + variantEtag + "\r\n\r\n",
                "HEAD /page.html HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br\r\nRange: bytes=0-9\r\n\r\n",
            };
            int[] expected = {200, 200, 200, 200, 304, 200};
            long allocated = HandlerAllocation.measure(handler, mem, requests, expected, now);
            assertThat(allocated).as("bytes allocated by %d requests", HandlerAllocation.REQUESTS).isZero();
            handler.close();
        }
    }

    /** One request through the handler; the response head as text. */
    private static String exchange(StaticFileHandler handler, ConnectionHttpState st, ResponsePlan plan, NativeText mem,
                                   long out, String request, long now) {
        long in = mem.put(request);
        int n = handler.handle(st, in, request.length(), out, 16384, plan, now);
        assertThat(n).isPositive();
        String head = NativeText.read(out, plan.headLength);
        plan.releaseFile();
        plan.reset();
        return head;
    }
}
