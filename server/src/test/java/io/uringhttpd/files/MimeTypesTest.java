package io.uringhttpd.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MimeTypesTest {
    private final MimeTypes mime = MimeTypes.builtIn();

    private static String type(MimeTypes m, String path) {
        // put the path in the middle of a larger buffer: lookups must honour len, not the array length
        byte[] p = (path + "GARBAGE").getBytes(StandardCharsets.UTF_8);
        return new String(m.contentType(p, p.length - 7), StandardCharsets.US_ASCII);
    }

    @Test
    void builtInTypes() {
        assertThat(type(mime, "/index.html")).isEqualTo("text/html; charset=utf-8");
        assertThat(type(mime, "/a/b/style.css")).isEqualTo("text/css; charset=utf-8");
        assertThat(type(mime, "/app.js")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(type(mime, "/app.mjs")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(type(mime, "/data.json")).isEqualTo("application/json; charset=utf-8");
        assertThat(type(mime, "/logo.svg")).isEqualTo("image/svg+xml; charset=utf-8");
        assertThat(type(mime, "/feed.xml")).isEqualTo("text/xml; charset=utf-8");
        assertThat(type(mime, "/img.png")).isEqualTo("image/png");
        assertThat(type(mime, "/img.jpeg")).isEqualTo("image/jpeg");
        assertThat(type(mime, "/f.woff2")).isEqualTo("font/woff2");
        assertThat(type(mime, "/m.wasm")).isEqualTo("application/wasm");
        assertThat(type(mime, "/v.mp4")).isEqualTo("video/mp4");
        assertThat(type(mime, "/x.tar.gz")).isEqualTo("application/gzip");
        for (String ext : new String[] {"htm", "map", "txt", "gif", "webp", "avif", "ico", "bmp", "woff", "ttf",
                "otf", "pdf", "zip", "tar", "webm", "mp3", "ogg", "wav", "csv", "md", "yaml", "yml", "jpg"}) {
            assertThat(type(mime, "/f." + ext)).as(ext).isNotEqualTo("application/octet-stream");
        }
    }

    @Test
    void caseInsensitive() {
        assertThat(type(mime, "/INDEX.HTML")).isEqualTo("text/html; charset=utf-8");
        assertThat(type(mime, "/Photo.JpG")).isEqualTo("image/jpeg");
    }

    @Test
    void unknownAndEdgeCasesGiveOctetStream() {
        for (String p : new String[] {"/", "/README", "/x.unknownext", "/dir.html/file", "/file.", "/.html",
                "/a/.bashrc", "", "/x." + "a".repeat(40), "/x.ht\u00e9"}) {
            assertThat(type(mime, p)).as(p).isEqualTo("application/octet-stream");
        }
        assertThat(type(mime, "/a.b/c.css")).isEqualTo("text/css; charset=utf-8");
    }

    @Test
    void nginxFormatFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mime.types");
        Files.writeString(f, """
                # nginx style
                types {
                    text/x-custom   cust  CUS2;   # trailing comment
                    image/png       png;
                    application/x-multi
                        one two;
                }
                """);
        MimeTypes m = mime.withFile(f);
        assertThat(type(m, "/a.cust")).isEqualTo("text/x-custom; charset=utf-8");
        assertThat(type(m, "/a.CUS2")).isEqualTo("text/x-custom; charset=utf-8");
        assertThat(type(m, "/a.two")).isEqualTo("application/x-multi");
        assertThat(type(m, "/a.css")).isEqualTo("text/css; charset=utf-8"); // built-ins kept
        assertThat(mime.contentType("a.cust")).isEqualTo("application/octet-stream"); // original untouched
    }

    @Test
    void apacheFormatFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("mime.types");
        Files.writeString(f, """
                # Apache style: type ext ext
                application/x-foo\tfoo bar
                text/x-readme   readme
                application/x-no-extension

                image/x-icon ico   # override
                """);
        MimeTypes m = mime.withFile(f);
        assertThat(m.contentType("x.foo")).isEqualTo("application/x-foo");
        assertThat(m.contentType("x.BAR")).isEqualTo("application/x-foo");
        assertThat(m.contentType("x.readme")).isEqualTo("text/x-readme; charset=utf-8");
        assertThat(m.contentType("x.ico")).isEqualTo("image/x-icon");
        assertThat(m.size()).isGreaterThan(mime.size());
    }

    @Test
    void malformedFilesNameFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.types");
        Files.writeString(f, "types {\n  text/html html\n}\n");
        assertThatThrownBy(() -> mime.withFile(f)).isInstanceOf(IOException.class)
                .hasMessageContaining("bad.types:2").hasMessageContaining("missing ';'");
        Files.writeString(f, "types {\n  text/html html;\n");
        assertThatThrownBy(() -> mime.withFile(f)).hasMessageContaining("missing closing '}'");
        Files.writeString(f, "text/html html\nnotatype foo\n");
        assertThatThrownBy(() -> mime.withFile(f)).hasMessageContaining("bad.types:2").hasMessageContaining("notatype");
        Files.writeString(f, "text/html ht.ml\n");
        assertThatThrownBy(() -> mime.withFile(f)).hasMessageContaining("ht.ml");
    }

    @Test
    void lookupAllocatesNothing() {
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        byte[] p = "/assets/app.Bundle.CSS".getBytes(StandardCharsets.US_ASCII);
        long sink = 0;
        for (int i = 0; i < 20_000; i++) sink += mime.contentType(p, p.length).length; // warm up / JIT
        long tid = Thread.currentThread().threadId();
        long before = bean.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) sink += mime.contentType(p, p.length).length;
        long after = bean.getThreadAllocatedBytes(tid);
        assertThat(sink).isPositive();
        // One allocation per lookup would show as >= 16 MB; what remains is JIT/OSR noise.
        assertThat(after - before).isLessThan(64 * 1024);
    }
}
