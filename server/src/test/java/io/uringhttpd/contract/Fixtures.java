package io.uringhttpd.contract;

import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A document root with known content, nested four levels below a base folder
 * that holds decoy files (etc/passwd, boot.ini, win.ini…) containing {@link #SECRET}:
 * a traversal that escapes the root by any number of levels finds a decoy, so
 * "the body never contains SECRET or root:" really tests containment.
 *
 * <pre>
 * base/
 *   etc/passwd, boot.ini, WINDOWS/win.ini, …     decoys (also in a/, a/b/, a/b/c/)
 *   outside/secret.txt                            target of the escaping symlinks
 *   a/b/c/www/                                    the document root
 * </pre>
 */
public final class Fixtures {
    /** Every regular file and directory of the root gets this mtime, so Last-Modified is exact. */
    public static final Instant MTIME = Instant.parse("2021-03-04T05:06:07Z");
    public static final String MTIME_HTTP = "Thu, 04 Mar 2021 05:06:07 GMT";
    public static final String SECRET = "OUTSIDE-ROOT-SECRET-5b1e";

    /** The sparse file: 5 GiB, zeros except {@link #BIG_MARK} at 4 GiB and {@link #BIG_TAIL} at the end. */
    public static final String BIG_PATH = "/big5g.bin";
    public static final long BIG_SIZE = 5L << 30;
    public static final long BIG_MARK_OFFSET = 1L << 32;
    public static final byte[] BIG_MARK = randomBytes(104, 4242);
    public static final byte[] BIG_TAIL = randomBytes(100, 4343);

    public static final String INDEX_HTML = """
            <!doctype html>
            <html><head><title>uring-httpd contract root</title>
            <link rel="stylesheet" href="/style.css"></head>
            <body><h1>contract root index</h1><script src="/app.js"></script></body></html>
            """;
    public static final String DIR_INDEX_HTML = "<!doctype html><title>dir</title><p>index of /dir/</p>\n";
    /** A name that must be HTML-escaped and percent-encoded in a listing. */
    public static final String NASTY_NAME = "<script>&\".txt";

    /** Fixture files by size, URL path -> size. */
    public static final Map<String, Integer> SIZED = sized();

    public final Path base;
    public final Path root;
    public final Path outsideSecret;
    /** URL path -> exact content of every file written under the root (dotfiles included), plus the inside symlinks. */
    public final Map<String, byte[]> content = new LinkedHashMap<>();
    /** Null when the filesystem refused the sparse 5 GiB file. */
    public final String bigFileProblem;

    private static Map<String, Integer> sized() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("/empty.bin", 0);
        m.put("/one.bin", 1);
        m.put("/1k.bin", 1024);
        m.put("/16k.bin", 16 * 1024);
        m.put("/1m.bin", 1024 * 1024);
        m.put("/3m.bin", 3 * 1024 * 1024);
        return m;
    }

    private Fixtures(Path base) throws IOException {
        this.base = base;
        this.root = Files.createDirectories(base.resolve("a/b/c/www"));
        this.outsideSecret = base.resolve("outside/secret.txt");
        write(outsideSecret, ("root:x:0:0:" + SECRET + " outside/secret.txt\n").getBytes(StandardCharsets.UTF_8));
        for (Path level : List.of(base, base.resolve("a"), base.resolve("a/b"), base.resolve("a/b/c"))) {
            for (String decoy : List.of("etc/passwd", "etc/issue", "boot.ini", "WINDOWS/win.ini", "windows/win.ini",
                    "winnt/win.ini", "windows/system32/drivers/etc/hosts", "winnt/system32/cmd.exe")) {
                write(level.resolve(decoy), ("root:x:0:0:" + SECRET + " " + decoy + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }

        long seed = 1;
        for (Map.Entry<String, Integer> e : SIZED.entrySet()) {
            put(e.getKey(), randomBytes(e.getValue(), seed++));
        }
        put("/index.html", INDEX_HTML.getBytes(StandardCharsets.UTF_8));
        put("/style.css", "body { font-family: sans-serif; }\nh1 { color: #036; }\n".getBytes(StandardCharsets.UTF_8));
        put("/app.js", "document.title += ' \u2713';\nconsole.log('app.js loaded');\n".getBytes(StandardCharsets.UTF_8));
        put("/NOTES.TXT", "upper-case extension, still text/plain\n".getBytes(StandardCharsets.UTF_8));
        put("/.hidden", (SECRET + " dotfile\n").getBytes(StandardCharsets.UTF_8));
        put("/.git/config", (SECRET + " dot-directory\n").getBytes(StandardCharsets.UTF_8));
        put("/dir/index.html", DIR_INDEX_HTML.getBytes(StandardCharsets.UTF_8));
        put("/dir/file.txt", "a file in dir\n".getBytes(StandardCharsets.UTF_8));
        put("/noindex/a.txt", "a\n".getBytes(StandardCharsets.UTF_8));
        put("/noindex/" + NASTY_NAME, "nasty name\n".getBytes(StandardCharsets.UTF_8));
        put("/noindex/sp ace.txt", "space in name\n".getBytes(StandardCharsets.UTF_8));
        put("/noindex/\u00fc.txt", "u umlaut in name\n".getBytes(StandardCharsets.UTF_8));
        put("/noindex/.secret", (SECRET + " dotfile in a listed dir\n").getBytes(StandardCharsets.UTF_8));
        put("/noindex/sub/x.txt", "x\n".getBytes(StandardCharsets.UTF_8));

        // Symlinks: one inside the root (served), three that leave it (refused by the default policy).
        Files.createSymbolicLink(root.resolve("link-inside.bin"), Path.of("1k.bin"));
        content.put("/link-inside.bin", content.get("/1k.bin"));
        Files.createSymbolicLink(root.resolve("link-dir"), Path.of("dir"));
        content.put("/link-dir/file.txt", content.get("/dir/file.txt"));
        Files.createSymbolicLink(root.resolve("link-outside.txt"), outsideSecret.toAbsolutePath());
        Files.createSymbolicLink(root.resolve("link-outside-relative.txt"), Path.of("../../../../outside/secret.txt"));
        Files.createSymbolicLink(root.resolve("link-outdir"), base.resolve("a").toAbsolutePath());

        String problem = null;
        try {
            createSparse(root.resolve(BIG_PATH.substring(1)));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(root.resolve(BIG_PATH.substring(1)));
            problem = "sparse 5 GiB file refused: " + e;
        }
        this.bigFileProblem = problem;

        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.from(MTIME));
                }
            }
        }
    }

    /** Stops {@code server}, then deletes {@code files} (either may be null: a setup that failed half way). */
    public static void stop(TestServer server, Fixtures files) throws IOException {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (files != null) {
                files.delete();
            }
        }
    }

    public static Fixtures create() throws IOException {
        return new Fixtures(Files.createTempDirectory("uring-httpd-contract"));
    }

    public byte[] bytes(String urlPath) {
        byte[] b = content.get(urlPath);
        if (b == null) {
            throw new IllegalArgumentException("no fixture " + urlPath);
        }
        return b;
    }

    private void put(String urlPath, byte[] bytes) throws IOException {
        write(root.resolve(urlPath.substring(1)), bytes);
        content.put(urlPath, bytes);
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static void createSparse(Path file) throws IOException {
        if (file.getFileSystem().provider().getFileStore(file.getParent()).getUsableSpace() < (64L << 20)) {
            throw new IOException("less than 64 MiB free");
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(BIG_SIZE);
            raf.seek(BIG_MARK_OFFSET);
            raf.write(BIG_MARK);
            raf.seek(BIG_SIZE - BIG_TAIL.length);
            raf.write(BIG_TAIL);
        }
        if (Files.size(file) != BIG_SIZE) {
            throw new IOException("size is " + Files.size(file));
        }
    }

    public static byte[] randomBytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The bytes of the sparse file in [start, end] (inclusive), computed, not read. */
    public static byte[] bigSlice(long start, long end) {
        byte[] out = new byte[Math.toIntExact(end - start + 1)];
        overlay(out, start, BIG_MARK, BIG_MARK_OFFSET);
        overlay(out, start, BIG_TAIL, BIG_SIZE - BIG_TAIL.length);
        return out;
    }

    private static void overlay(byte[] out, long outStart, byte[] src, long srcStart) {
        for (int i = 0; i < src.length; i++) {
            long pos = srcStart + i;
            if (pos >= outStart && pos < outStart + out.length) {
                out[(int) (pos - outStart)] = src[i];
            }
        }
    }

    /** Deletes the whole tree without following symlinks. */
    public void delete() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
