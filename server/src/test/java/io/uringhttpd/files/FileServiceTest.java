package io.uringhttpd.files;

import static io.uringhttpd.files.FileService.ERROR;
import static io.uringhttpd.files.FileService.FORBIDDEN;
import static io.uringhttpd.files.FileService.FOUND;
import static io.uringhttpd.files.FileService.NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file service with statx revalidation only (no watches: {@code cacheWatchesMax} 0), the fallback
 * where notification cannot be trusted; {@link FileWatchTest} covers the watched cache.
 */
class FileServiceTest {
    private static final long VALID_MS = 1000;

    @TempDir Path tmp;
    private Path root;
    private Path outside;
    private final List<FileService> services = new ArrayList<>();
    private final FileLookup lookup = new FileLookup();

    @BeforeEach
    void createTree() throws IOException {
        root = Files.createDirectory(tmp.resolve("www"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "outside secret");
        Files.writeString(root.resolve("index.html"), "<h1>hello</h1>");
        Files.writeString(root.resolve("style.css"), "body{}");
        Files.createDirectories(root.resolve("sub/deeper"));
        Files.writeString(root.resolve("sub/a.txt"), "aaa");
        Files.createDirectory(root.resolve("empty"));
        Files.writeString(root.resolve(".env"), "SECRET=1");
        Files.createDirectory(root.resolve(".git"));
        Files.writeString(root.resolve(".git/config"), "[core]");
        Files.createSymbolicLink(root.resolve("link-inside.css"), Path.of("style.css"));
        Files.createSymbolicLink(root.resolve("sub/link-up.css"), Path.of("../style.css"));
        Files.createSymbolicLink(root.resolve("link-dir"), Path.of("sub"));
        Files.createSymbolicLink(root.resolve("link-passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("link-outside.txt"), Path.of("../outside/secret.txt"));
        Files.createSymbolicLink(root.resolve("link-outside-dir"), Path.of("../outside"));
        Files.createSymbolicLink(root.resolve("link-abs-outside.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("link-proc"), Path.of("/proc/self/root/etc/passwd"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("nowhere"));
    }

    @AfterEach
    void closeServices() throws IOException {
        services.forEach(FileService::close);
        // links to outside the temp dir make @TempDir cleanup warn; they are ours to remove
        Files.deleteIfExists(root.resolve("link-passwd"));
        Files.deleteIfExists(root.resolve("link-proc"));
    }

    private FileService service(DotfilesPolicy dotfiles, SymlinkPolicy symlinks, boolean autoindex, int entriesMax) {
        FileService s = new FileService(new FileSettings(root, List.of("index.html"), autoindex, dotfiles, symlinks,
                entriesMax, VALID_MS, 0, 64, MimeTypes.builtIn()));
        services.add(s);
        return s;
    }

    private FileService service() {
        return service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, true, 100);
    }

    private int open(FileService s, String path, long nowMs) {
        byte[] p = (path + "\u0000junk").getBytes(StandardCharsets.UTF_8); // len, not the array, bounds the path
        return s.open(p, p.length - 5, nowMs, lookup);
    }

    /** Opens, checks the status, releases anything found. */
    private int status(FileService s, String path) {
        int st = open(s, path, 0);
        if (st == FOUND) {
            assertThat(lookup.entry).isNotNull();
            lookup.entry.release();
        } else {
            assertThat(lookup.entry).isNull();
        }
        return st;
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** What /proc says an fd is: the file's path, or null once closed (or reused for something else). */
    private static Path fdTarget(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void foundFileHasMetadata() throws IOException {
        FileService s = service();
        assertThat(open(s, "/style.css", 0)).isEqualTo(FOUND);
        FileEntry e = lookup.entry;
        try {
            Path f = root.resolve("style.css");
            assertThat(e.isDirectory()).isFalse();
            assertThat(e.size()).isEqualTo(6);
            assertThat(ascii(e.contentType())).isEqualTo("text/css; charset=utf-8");
            assertThat(e.mtimeEpochSec()).isEqualTo(Files.getLastModifiedTime(f).toInstant().getEpochSecond());
            long ino = (Long) Files.getAttribute(f, "unix:ino");
            assertThat(ascii(e.etag())).matches("\"6-[0-9a-f]+-" + Long.toHexString(ino) + "\"");
            assertThat(ascii(e.lastModified())).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
            assertThat(fdTarget(e.fd())).isEqualTo(f.toRealPath());
            assertThat(e.refCount()).isEqualTo(1);
        } finally {
            e.release();
        }
    }

    @Test
    void notFound() {
        FileService s = service();
        assertThat(status(s, "/missing.html")).isEqualTo(NOT_FOUND);
        assertThat(status(s, "/style.css/x")).isEqualTo(NOT_FOUND); // ENOTDIR
        assertThat(status(s, "/style.css/")).isEqualTo(NOT_FOUND);
        assertThat(status(s, "/sub/missing/a.txt")).isEqualTo(NOT_FOUND);
        assertThat(status(s, "/" + "x".repeat(300))).isEqualTo(NOT_FOUND); // ENAMETOOLONG (NAME_MAX 255)
        assertThat(status(s, "/" + "x/".repeat(2100))).isEqualTo(NOT_FOUND); // over PATH_MAX
        assertThat(status(s, "relative")).isEqualTo(NOT_FOUND);
        assertThat(status(s, "")).isEqualTo(NOT_FOUND);
        assertThat(status(s, "/style.css\u0000.png")).isEqualTo(NOT_FOUND);
        assertThat(status(s, "/dangling")).isEqualTo(NOT_FOUND);
    }

    @Test
    void dotfilesDeniedOrAllowed() {
        FileService deny = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, false, 100);
        assertThat(status(deny, "/.env")).isEqualTo(NOT_FOUND);
        assertThat(status(deny, "/.git/config")).isEqualTo(NOT_FOUND);
        assertThat(status(deny, "/.git/")).isEqualTo(NOT_FOUND);
        assertThat(deny.misses()).isZero(); // refused from the bytes, before any syscall

        FileService allow = service(DotfilesPolicy.ALLOW, SymlinkPolicy.INSIDE_ROOT, false, 100);
        assertThat(status(allow, "/.env")).isEqualTo(FOUND);
        assertThat(status(allow, "/.git/config")).isEqualTo(FOUND);
        assertThat(status(allow, "/sub/../.env")).isEqualTo(NOT_FOUND); // dot-segments never pass
        assertThat(status(allow, "/sub/./a.txt")).isEqualTo(NOT_FOUND);
        assertThat(status(allow, "/..")).isEqualTo(NOT_FOUND);
        assertThat(status(allow, "/..a")).isEqualTo(NOT_FOUND); // a real (missing) file named "..a"
    }

    @Test
    void dotDotNeverPassesEvenUnderFollow() {
        FileService follow = service(DotfilesPolicy.ALLOW, SymlinkPolicy.FOLLOW, false, 100);
        assertThat(status(follow, "/../outside/secret.txt")).isEqualTo(NOT_FOUND);
        assertThat(status(follow, "/sub/../../outside/secret.txt")).isEqualTo(NOT_FOUND);
    }

    @Test
    void leadingSlashesNeverMakeAnAbsolutePath() throws IOException {
        Files.createDirectories(outside.resolve("www-sibling"));
        for (SymlinkPolicy policy : SymlinkPolicy.values()) {
            FileService s = service(DotfilesPolicy.ALLOW, policy, true, 100);
            String secret = outside.resolve("secret.txt").toString(); // absolute, starts with '/'
            assertThat(status(s, "/" + secret)).as(policy.name()).isEqualTo(NOT_FOUND);
            assertThat(status(s, "//" + secret)).as(policy.name()).isEqualTo(NOT_FOUND);
            assertThat(status(s, "//style.css")).as(policy.name()).isEqualTo(FOUND); // = /style.css
            byte[] dir = ("/" + outside + "/").getBytes(StandardCharsets.UTF_8);
            assertThat(s.listing(dir, dir.length)).as(policy.name()).isNull();
            byte[] etc = "//etc/".getBytes(StandardCharsets.UTF_8);
            assertThat(s.listing(etc, etc.length)).as(policy.name()).isNull();
            byte[] top = "//".getBytes(StandardCharsets.UTF_8);
            assertThat(new String(s.listing(top, top.length), StandardCharsets.UTF_8)).contains(">style.css<");
        }
    }

    @Test
    void symlinksInsideRoot() {
        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, false, 100);
        assertThat(status(s, "/link-inside.css")).isEqualTo(FOUND);
        assertThat(status(s, "/sub/link-up.css")).isEqualTo(FOUND); // ".." inside a link, staying inside
        assertThat(status(s, "/link-dir/a.txt")).isEqualTo(FOUND);
        assertThat(status(s, "/link-passwd")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-outside.txt")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-abs-outside.txt")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-outside-dir/secret.txt")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-proc")).isEqualTo(FORBIDDEN);
    }

    @Test
    void symlinksRefused() {
        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.REFUSE, false, 100);
        assertThat(status(s, "/style.css")).isEqualTo(FOUND);
        assertThat(status(s, "/link-inside.css")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-dir/a.txt")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-passwd")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-outside.txt")).isEqualTo(FORBIDDEN);
        assertThat(status(s, "/link-outside-dir/secret.txt")).isEqualTo(FORBIDDEN);
    }

    @Test
    void symlinksFollowed() {
        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.FOLLOW, false, 100);
        assertThat(status(s, "/link-inside.css")).isEqualTo(FOUND);
        assertThat(status(s, "/link-outside.txt")).isEqualTo(FOUND);
        assertThat(status(s, "/link-abs-outside.txt")).isEqualTo(FOUND);
        assertThat(status(s, "/link-outside-dir/secret.txt")).isEqualTo(FOUND);
        if (Files.isReadable(Path.of("/etc/passwd"))) assertThat(status(s, "/link-passwd")).isEqualTo(FOUND);
        assertThat(status(s, "/link-proc")).isEqualTo(FORBIDDEN); // magic links stay refused
    }

    @Test
    void fifoIsForbiddenWithoutBlocking() throws Exception {
        Process p = new ProcessBuilder("mkfifo", root.resolve("pipe").toString()).start();
        assertThat(p.waitFor()).isZero();
        FileService s = service();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertThat(status(s, "/pipe")).isEqualTo(FORBIDDEN);
        });
    }

    @Test
    void unreadableFileIsForbidden() throws IOException {
        Path f = root.resolve("private.txt");
        Files.writeString(f, "x");
        Files.setPosixFilePermissions(f, java.util.Set.of());
        FileService s = service();
        // root bypasses permissions (CAP_DAC_OVERRIDE): then the file is simply served
        assertThat(status(s, "/private.txt")).isIn(FORBIDDEN, FOUND);
        if (!"root".equals(System.getProperty("user.name"))) assertThat(status(s, "/private.txt")).isEqualTo(FORBIDDEN);
    }

    @Test
    void directories() {
        FileService s = service();
        for (String dir : new String[] {"/", "/sub", "/sub/", "/link-dir/"}) {
            assertThat(open(s, dir, 0)).as(dir).isEqualTo(FOUND);
            assertThat(lookup.entry.isDirectory()).as(dir).isTrue();
            assertThat(lookup.entry.smallBody()).isNull();
            lookup.entry.release();
        }
    }

    @Test
    void indexLookup() throws IOException {
        FileService s = service();
        assertThat(s.openIndex("/".getBytes(StandardCharsets.UTF_8), 1, 0, lookup)).isEqualTo(FOUND);
        assertThat(lookup.entry.size()).isEqualTo(14);
        assertThat(ascii(lookup.entry.contentType())).isEqualTo("text/html; charset=utf-8");
        lookup.entry.release();
        assertThat(s.openIndex("/sub/".getBytes(StandardCharsets.UTF_8), 5, 0, lookup)).isEqualTo(NOT_FOUND);
        assertThat(lookup.entry).isNull();
        assertThat(s.openIndex("/sub".getBytes(StandardCharsets.UTF_8), 4, 0, lookup)).isEqualTo(NOT_FOUND);

        // tried in order; a directory named like an index does not count
        Files.createDirectory(root.resolve("sub/index.htm"));
        Files.writeString(root.resolve("sub/default.txt"), "default");
        FileService ordered = new FileService(new FileSettings(root, List.of("index.htm", "index.html", "default.txt"),
                false, DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, 100, VALID_MS, 0, 64, MimeTypes.builtIn()));
        services.add(ordered);
        assertThat(ordered.openIndex("/sub/".getBytes(StandardCharsets.UTF_8), 5, 0, lookup)).isEqualTo(FOUND);
        assertThat(lookup.entry.size()).isEqualTo(7);
        lookup.entry.release();
        Files.writeString(root.resolve("sub/index.html"), "index");
        // "index.html: not found" is cached until VALID_MS
        assertThat(ordered.openIndex("/sub/".getBytes(StandardCharsets.UTF_8), 5, VALID_MS, lookup)).isEqualTo(FOUND);
        assertThat(lookup.entry.size()).isEqualTo(5);
        lookup.entry.release();
    }

    @Test
    void listingEscapesAndFilters() throws Exception {
        Files.writeString(root.resolve("sub/<script>alert(1)"), "x");
        Files.writeString(root.resolve("sub/a&b \"q\".txt"), "xy");
        Files.writeString(root.resolve("sub/.hidden"), "h");
        Files.createSymbolicLink(root.resolve("sub/escape"), Path.of("../../outside/secret.txt"));
        Files.createSymbolicLink(root.resolve("sub/fine"), Path.of("a.txt"));
        new ProcessBuilder("mkfifo", root.resolve("sub/pipe").toString()).start().waitFor();

        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, true, 100);
        byte[] dir = "/sub/".getBytes(StandardCharsets.UTF_8);
        String html = new String(s.listing(dir, dir.length), StandardCharsets.UTF_8);
        assertThat(html).startsWith("<!DOCTYPE html>");
        assertThat(html).doesNotContain("<script>");
        assertThat(html).contains("<a href=\"%3Cscript%3Ealert%281%29\">&lt;script&gt;alert(1)</a>");
        assertThat(html).contains("<a href=\"a%26b%20%22q%22.txt\">a&amp;b &quot;q&quot;.txt</a>");
        assertThat(html).contains("<a href=\"deeper/\">deeper/</a>");
        assertThat(html).contains("<a href=\"a.txt\">a.txt</a>").contains("<a href=\"fine\">fine</a>");
        assertThat(html).contains("<td class=\"s\">3</td>");
        assertThat(html).doesNotContain(".hidden").doesNotContain("escape").doesNotContain("pipe");
        assertThat(html.indexOf("deeper/")).isLessThan(html.indexOf("a.txt")); // directories first
        assertThat(html).contains("Index of /sub/");

        FileService allow = service(DotfilesPolicy.ALLOW, SymlinkPolicy.FOLLOW, true, 100);
        String all = new String(allow.listing(dir, dir.length), StandardCharsets.UTF_8);
        assertThat(all).contains(">.hidden<").contains(">escape<").doesNotContain("pipe");

        FileService refuse = service(DotfilesPolicy.DENY, SymlinkPolicy.REFUSE, true, 100);
        String noLinks = new String(refuse.listing(dir, dir.length), StandardCharsets.UTF_8);
        assertThat(noLinks).doesNotContain(">fine<").contains(">a.txt<");

        byte[] top = "/".getBytes(StandardCharsets.UTF_8);
        String rootHtml = new String(s.listing(top, 1), StandardCharsets.UTF_8);
        assertThat(rootHtml).contains(">sub/<").contains(">link-dir/<").doesNotContain(".env").doesNotContain("../")
                .doesNotContain("link-passwd").doesNotContain("link-outside").doesNotContain("dangling");

        FileService off = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, false, 100);
        assertThat(off.listing(dir, dir.length)).isNull();
        byte[] notDir = "/style.css/".getBytes(StandardCharsets.UTF_8);
        assertThat(s.listing(notDir, notDir.length)).isNull();
        byte[] escaping = "/link-outside-dir/".getBytes(StandardCharsets.UTF_8);
        assertThat(s.listing(escaping, escaping.length)).isNull();
        byte[] noSlash = "/sub".getBytes(StandardCharsets.UTF_8);
        assertThat(s.listing(noSlash, noSlash.length)).isNull();
        byte[] dotDir = "/.git/".getBytes(StandardCharsets.UTF_8);
        assertThat(s.listing(dotDir, dotDir.length)).isNull();
    }

    @Test
    void smallBodyHoldsTheFileAndLargeFilesHaveNone() throws IOException {
        byte[] content = new byte[64];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 7);
        Files.write(root.resolve("small.bin"), content);
        Files.write(root.resolve("large.bin"), new byte[65]);
        Files.write(root.resolve("zero.bin"), new byte[0]);
        FileService s = service();
        assertThat(open(s, "/small.bin", 0)).isEqualTo(FOUND);
        MemorySegment body = lookup.entry.smallBody();
        assertThat(body).isNotNull();
        assertThat(body.byteSize()).isEqualTo(64);
        assertThat(body.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(content);
        assertThat(body.isReadOnly()).isTrue();
        assertThat(ascii(lookup.entry.contentType())).isEqualTo("application/octet-stream");
        lookup.entry.release();
        assertThat(open(s, "/large.bin", 0)).isEqualTo(FOUND);
        assertThat(lookup.entry.smallBody()).isNull();
        lookup.entry.release();
        assertThat(open(s, "/zero.bin", 0)).isEqualTo(FOUND);
        assertThat(lookup.entry.smallBody().byteSize()).isZero();
        lookup.entry.release();
    }

    @Test
    void etagChangesOnlyAfterValidMs() throws IOException {
        Path f = root.resolve("style.css");
        FileService s = service();
        assertThat(open(s, "/style.css", 10_000)).isEqualTo(FOUND);
        FileEntry first = lookup.entry;
        String etag1 = ascii(first.etag());
        Files.writeString(f, "body{color:red}");
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5000));

        assertThat(open(s, "/style.css", 10_000 + VALID_MS - 1)).isEqualTo(FOUND);
        assertThat(lookup.entry).isSameAs(first); // still trusted: no syscall
        lookup.entry.release();

        assertThat(open(s, "/style.css", 10_000 + VALID_MS)).isEqualTo(FOUND);
        FileEntry second = lookup.entry;
        assertThat(second).isNotSameAs(first);
        assertThat(ascii(second.etag())).isNotEqualTo(etag1).startsWith("\"f-");
        assertThat(second.size()).isEqualTo(15);
        assertThat(new String(second.smallBody().toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8))
                .isEqualTo("body{color:red}");
        assertThat(s.revalidations()).isEqualTo(1);
        // the first entry, still retained by "a connection", keeps its fd and its old body
        assertThat(fdTarget(first.fd())).isEqualTo(f.toRealPath());
        assertThat(new String(first.smallBody().toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8)).isEqualTo("body{}");
        int oldFd = first.fd();
        first.release();
        assertThat(fdTarget(oldFd)).isNotEqualTo(f.toRealPath());
        second.release();
    }

    @Test
    void unchangedFileSurvivesRevalidation() {
        FileService s = service();
        assertThat(open(s, "/style.css", 0)).isEqualTo(FOUND);
        FileEntry first = lookup.entry;
        first.release();
        assertThat(open(s, "/style.css", VALID_MS * 5)).isEqualTo(FOUND);
        assertThat(lookup.entry).isSameAs(first);
        lookup.entry.release();
        assertThat(s.revalidations()).isEqualTo(1);
        assertThat(s.misses()).isEqualTo(1);
    }

    @Test
    void renamedReplacementIsDetectedByInode() throws IOException {
        Path f = root.resolve("style.css");
        FileService s = service();
        assertThat(open(s, "/style.css", 0)).isEqualTo(FOUND);
        FileEntry first = lookup.entry;
        first.release();
        // same size and mtime, new inode: what `rsync -t` or an atomic deploy by rename does
        Path tmpFile = root.resolve("style.css.new");
        Files.writeString(tmpFile, "BODY{}");
        Files.setLastModifiedTime(tmpFile, Files.getLastModifiedTime(f));
        Files.move(tmpFile, f, StandardCopyOption.ATOMIC_MOVE);
        assertThat(open(s, "/style.css", VALID_MS)).isEqualTo(FOUND);
        assertThat(lookup.entry).isNotSameAs(first);
        assertThat(ascii(lookup.entry.etag())).isNotEqualTo(ascii(first.etag()));
        lookup.entry.release();
    }

    @Test
    void lruEvictionKeepsRetainedFdOpenUntilRelease() throws IOException {
        Files.writeString(root.resolve("b.txt"), "b");
        Files.writeString(root.resolve("c.txt"), "c");
        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, false, 2);
        assertThat(open(s, "/style.css", 0)).isEqualTo(FOUND);
        FileEntry retained = lookup.entry;                     // held, like a connection mid-sendfile
        assertThat(open(s, "/b.txt", 0)).isEqualTo(FOUND);
        FileEntry b = lookup.entry;
        b.release();                                           // cached, unreferenced
        assertThat(open(s, "/c.txt", 0)).isEqualTo(FOUND);     // evicts style.css (the eldest)
        lookup.entry.release();
        assertThat(s.evictions()).isEqualTo(1);
        assertThat(s.cachedEntries()).isEqualTo(2);
        assertThat(fdTarget(retained.fd())).isEqualTo(root.resolve("style.css").toRealPath());

        assertThat(open(s, "/style.css", 0)).isEqualTo(FOUND); // a miss now: evicts b, whose fd closes at once
        FileEntry reopened = lookup.entry;
        assertThat(reopened).isNotSameAs(retained);
        assertThat(fdTarget(b.fd())).isNotEqualTo(root.resolve("b.txt").toRealPath());
        reopened.release();

        int fd = retained.fd();
        retained.release();
        assertThat(fdTarget(fd)).isNotEqualTo(root.resolve("style.css").toRealPath());
        assertThatThrownBy(retained::release).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void recentlyUsedEntriesSurvive() throws IOException {
        Files.writeString(root.resolve("b.txt"), "b");
        Files.writeString(root.resolve("c.txt"), "c");
        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, false, 2);
        status(s, "/style.css");
        status(s, "/b.txt");
        status(s, "/style.css"); // touch: b.txt is now the eldest
        status(s, "/c.txt");
        long misses = s.misses();
        status(s, "/style.css");
        assertThat(s.misses()).isEqualTo(misses);
        status(s, "/b.txt");
        assertThat(s.misses()).isEqualTo(misses + 1);
    }

    @Test
    void negativeResultsAreCachedForValidMs() throws IOException {
        FileService s = service();
        assertThat(open(s, "/later.txt", 0)).isEqualTo(NOT_FOUND);
        assertThat(open(s, "/link-passwd", 0)).isEqualTo(FORBIDDEN);
        Files.writeString(root.resolve("later.txt"), "now here");
        assertThat(open(s, "/later.txt", VALID_MS - 1)).isEqualTo(NOT_FOUND); // the cached answer
        assertThat(open(s, "/link-passwd", VALID_MS - 1)).isEqualTo(FORBIDDEN);
        assertThat(s.misses()).isEqualTo(2);
        assertThat(open(s, "/later.txt", VALID_MS)).isEqualTo(FOUND);
        lookup.entry.release();
        assertThat(open(s, "/link-passwd", VALID_MS)).isEqualTo(FORBIDDEN);
        assertThat(s.misses()).isEqualTo(4);
    }

    @Test
    void negativeResultsNeverEvictOpenFiles() throws IOException {
        Files.writeString(root.resolve("b.txt"), "b");
        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, false, 2);
        status(s, "/style.css");
        assertThat(status(s, "/nope")).isEqualTo(NOT_FOUND);   // a free slot: cached
        for (int i = 0; i < 100; i++) assertThat(status(s, "/flood" + i)).isEqualTo(NOT_FOUND);
        long misses = s.misses();
        status(s, "/nope");
        status(s, "/style.css");
        assertThat(s.misses()).isEqualTo(misses);              // neither was pushed out by the flood
        status(s, "/b.txt");                                   // a positive entry evicts the eldest (the miss)
        assertThat(s.cachedEntries()).isEqualTo(2);
        status(s, "/style.css");
        assertThat(s.misses()).isEqualTo(misses + 1);
    }

    @Test
    void cacheDisabledClosesOnRelease() {
        FileService s = service(DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT, false, 0);
        assertThat(open(s, "/style.css", 0)).isEqualTo(FOUND);
        FileEntry e = lookup.entry;
        assertThat(fdTarget(e.fd())).isNotNull();
        int fd = e.fd();
        e.release();
        assertThat(fdTarget(fd)).isNotEqualTo(root.resolve("style.css"));
        assertThat(s.cachedEntries()).isZero();
    }

    @Test
    void closeClosesCachedFdsAndLaterOpensFail() throws IOException {
        FileService s = service();
        assertThat(open(s, "/style.css", 0)).isEqualTo(FOUND);
        FileEntry held = lookup.entry;
        assertThat(open(s, "/index.html", 0)).isEqualTo(FOUND);
        FileEntry idle = lookup.entry;
        idle.release();
        s.close();
        assertThat(fdTarget(idle.fd())).isNotEqualTo(root.resolve("index.html").toRealPath());
        assertThat(fdTarget(held.fd())).isEqualTo(root.resolve("style.css").toRealPath());
        held.release();
        assertThat(fdTarget(held.fd())).isNotEqualTo(root.resolve("style.css").toRealPath());
        assertThat(open(s, "/style.css", 0)).isEqualTo(ERROR);
        s.close(); // idempotent
    }

    @Test
    void missingRootFailsAtStartup() {
        assertThatThrownBy(() -> new FileService(FileSettings.defaults(tmp.resolve("nope"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ENOENT");
        assertThatThrownBy(() -> new FileService(FileSettings.defaults(root.resolve("style.css"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ENOTDIR");
    }

    @Test
    void cacheHitAllocatesNothing() {
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        FileService s = service();
        byte[] p = "/sub/a.txt".getBytes(StandardCharsets.UTF_8);
        FileLookup r = new FileLookup();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += s.open(p, p.length, 0, r);
            r.entry.release();
        }
        long tid = Thread.currentThread().threadId();
        long before = bean.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1_000_000; i++) {
            sink += s.open(p, p.length, 0, r);
            sink += r.entry.size();
            r.entry.release();
        }
        long after = bean.getThreadAllocatedBytes(tid);
        assertThat(sink).isPositive();
        // One allocation per hit would show as >= 16 MB; what remains is JIT/OSR noise (~1 KiB measured).
        assertThat(after - before).isLessThan(64 * 1024);
    }

    @Test
    void contentTypeComesFromTheRequestPath() {
        FileService s = service();
        assertThat(open(s, "/link-inside.css", 0)).isEqualTo(FOUND);
        assertThat(ascii(lookup.entry.contentType())).isEqualTo("text/css; charset=utf-8");
        lookup.entry.release();
        assertThat(Pattern.matches("\"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\"", "\"6-1-2\"")).isTrue();
    }
}
