package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A deploy is seen by the very next request, although the open-file cache trusts its entries for an hour
 * ({@code open-file-cache.valid=1h}) and keeps small files in memory: only a change notification from the
 * kernel can make these pass. Each test caches the old state (every path requested twice), deploys the way
 * people do it — java.nio as a deploy script's JVM would, or the real tool (mv, ln, rsync, git) — and
 * requests again at once: the exact new bytes or status, and for a 200 a new ETag. No sleeps, no retries.
 *
 * <p>Every test works in its own directory under the root, so the order of tests does not matter. Files of
 * the old state get {@link Fixtures#MTIME}, as a deploy long after the previous one finds them: a rewrite in
 * place then always changes the mtime (and the ETag), however coarse the file system's clock.
 */
public abstract class DeployContract extends ServerContract {
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.open-file-cache.valid=1h"};
    }

    // ---- single files ------------------------------------------------------------------------------

    @Test
    void renameOverIsSeen() throws IOException {
        Path dir = testDir("deploy-rename-over");
        byte[] v1 = Fixtures.randomBytes(3000, 101);
        byte[] v2 = Fixtures.randomBytes(3100, 102);
        writeOld(dir.resolve("a"), v1);
        RawHttp.Response old = cached("/deploy-rename-over/a", v1);

        Files.write(dir.resolve("a.new"), v2);
        Files.move(dir.resolve("a.new"), dir.resolve("a"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        assertNewContent("/deploy-rename-over/a", v2, old);
    }

    @Test
    void rewriteInPlaceIsSeen() throws IOException {
        Path dir = testDir("deploy-rewrite");
        byte[] v1 = Fixtures.randomBytes(2000, 201);
        byte[] v2 = Fixtures.randomBytes(2000, 202); // same size, same inode: only the bytes and the mtime differ
        writeOld(dir.resolve("page.html"), v1);
        RawHttp.Response old = cached("/deploy-rewrite/page.html", v1);

        Files.write(dir.resolve("page.html"), v2, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);

        assertNewContent("/deploy-rewrite/page.html", v2, old);
    }

    @Test
    void appendIsSeen() throws IOException {
        Path dir = testDir("deploy-append");
        byte[] v1 = "line 1\nline 2\n".getBytes(StandardCharsets.UTF_8);
        byte[] more = "line 3, appended\n".getBytes(StandardCharsets.UTF_8);
        writeOld(dir.resolve("log.txt"), v1);
        RawHttp.Response old = cached("/deploy-append/log.txt", v1);

        Files.write(dir.resolve("log.txt"), more, StandardOpenOption.WRITE, StandardOpenOption.APPEND);

        RawHttp.Response r = assertNewContent("/deploy-append/log.txt", concat(v1, more), old);
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(v1.length + more.length));
    }

    @Test
    void truncateIsSeen() throws IOException {
        Path dir = testDir("deploy-truncate");
        byte[] v1 = Fixtures.randomBytes(5000, 401);
        writeOld(dir.resolve("data.bin"), v1);
        RawHttp.Response old = cached("/deploy-truncate/data.bin", v1);

        try (FileChannel ch = FileChannel.open(dir.resolve("data.bin"), StandardOpenOption.WRITE)) {
            ch.truncate(1234);
        }

        RawHttp.Response r = assertNewContent("/deploy-truncate/data.bin", Arrays.copyOf(v1, 1234), old);
        assertThat(r.header("Content-Length")).isEqualTo("1234");
    }

    @Test
    void deletedFileIs404() throws IOException {
        Path dir = testDir("deploy-delete");
        byte[] v1 = "about to be removed\n".getBytes(StandardCharsets.UTF_8);
        writeOld(dir.resolve("old.txt"), v1);
        cached("/deploy-delete/old.txt", v1);

        Files.delete(dir.resolve("old.txt"));

        assertErrorPage(get("/deploy-delete/old.txt"), 404);
    }

    @Test
    void createdFileIsFound() throws IOException {
        Path dir = testDir("deploy-create");
        cachedMissing("/deploy-create/new.txt");
        cachedMissing("/deploy-create/sub/x.txt"); // its directory does not exist yet: ENOENT on a parent

        byte[] v2 = "created by the deploy\n".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("new.txt"), v2);
        byte[] x = "in a directory created by the deploy\n".getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/x.txt"), x);

        assertNewContent("/deploy-create/new.txt", v2, null);
        assertNewContent("/deploy-create/sub/x.txt", x, null);
    }

    // ---- directories -------------------------------------------------------------------------------

    @Test
    void directoryReplacedByRmRfAndMvIsSeen() throws IOException {
        Path dir = testDir("deploy-rmrf");
        Map<String, byte[]> v1 = Map.of(
                "site/index.html", bytes("<p>site v1</p>\n"),
                "site/app.js", bytes("console.log('v1');\n"),
                "site/assets/logo.svg", bytes("<svg id='v1'/>\n"),
                "site/removed.txt", bytes("only in v1\n"));
        writeOld(dir, v1);
        RawHttp.Response oldIndex = cached("/deploy-rmrf/site/index.html", v1.get("site/index.html"));
        RawHttp.Response oldApp = cached("/deploy-rmrf/site/app.js", v1.get("site/app.js"));
        RawHttp.Response oldLogo = cached("/deploy-rmrf/site/assets/logo.svg", v1.get("site/assets/logo.svg"));
        cached("/deploy-rmrf/site/removed.txt", v1.get("site/removed.txt"));
        cachedMissing("/deploy-rmrf/site/added.txt");

        byte[] index = bytes("<p>site version 2</p>\n");
        byte[] app = bytes("console.log('version 2');\n");
        byte[] logo = bytes("<svg id='version-2'/>\n");
        byte[] added = bytes("only in version 2\n");
        write(dir.resolve("site.new/index.html"), index);
        write(dir.resolve("site.new/app.js"), app);
        write(dir.resolve("site.new/assets/logo.svg"), logo);
        write(dir.resolve("site.new/added.txt"), added);
        run(dir, "bash", "-c", "rm -rf site && mv site.new site");

        assertNewContent("/deploy-rmrf/site/index.html", index, oldIndex);
        assertNewContent("/deploy-rmrf/site/app.js", app, oldApp);
        assertNewContent("/deploy-rmrf/site/assets/logo.svg", logo, oldLogo);
        assertNewContent("/deploy-rmrf/site/added.txt", added, null);
        assertErrorPage(get("/deploy-rmrf/site/removed.txt"), 404);
    }

    @Test
    void parentDirectoryRenamedIsSeen() throws IOException {
        Path dir = testDir("deploy-parent-rename");
        byte[] v1 = bytes("nested, version 1\n");
        writeOld(dir.resolve("dir/sub/f.txt"), v1);
        RawHttp.Response old = cached("/deploy-parent-rename/dir/sub/f.txt", v1);

        byte[] v2 = bytes("nested, the second version\n");
        write(dir.resolve("dir.new/sub/f.txt"), v2);
        run(dir, "bash", "-c", "mv dir dir.old && mv dir.new dir");

        assertNewContent("/deploy-parent-rename/dir/sub/f.txt", v2, old);
        // the old tree is still on disk, under a name no request uses
        assertThat(Files.readAllBytes(dir.resolve("dir.old/sub/f.txt"))).isEqualTo(v1);
    }

    // ---- symlinks ----------------------------------------------------------------------------------

    @Test
    void directorySymlinkRetargetedIsSeen() throws IOException {
        Path dir = testDir("deploy-symlink-dir");
        byte[] v1 = bytes("release 1\n");
        byte[] v2 = bytes("release 2, longer\n");
        writeOld(dir.resolve("v1/app.js"), v1);
        writeOld(dir.resolve("v2/app.js"), v2);
        Files.createSymbolicLink(dir.resolve("current"), Path.of("v1"));
        RawHttp.Response old = cached("/deploy-symlink-dir/current/app.js", v1);

        run(dir, "ln", "-sfn", "v2", "current");

        assertThat(Files.readSymbolicLink(dir.resolve("current"))).isEqualTo(Path.of("v2"));
        assertNewContent("/deploy-symlink-dir/current/app.js", v2, old);
    }

    @Test
    void fileSymlinkRetargetedIsSeen() throws IOException {
        Path dir = testDir("deploy-symlink-file");
        byte[] v1 = bytes("v1 of the file\n");
        byte[] v2 = bytes("v2 of the file, longer\n");
        writeOld(dir.resolve("v1.txt"), v1);
        writeOld(dir.resolve("v2.txt"), v2);
        Files.createSymbolicLink(dir.resolve("latest.txt"), Path.of("v1.txt"));
        RawHttp.Response old = cached("/deploy-symlink-file/latest.txt", v1);

        run(dir, "ln", "-sfn", "v2.txt", "latest.txt");

        assertThat(Files.readSymbolicLink(dir.resolve("latest.txt"))).isEqualTo(Path.of("v2.txt"));
        assertNewContent("/deploy-symlink-file/latest.txt", v2, old);
    }

    /**
     * A ConfigMap or Secret volume as kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go) keeps it:
     * the data in a timestamped directory, {@code ..data} pointing at it, one symlink per key through
     * {@code ..data}. An update writes a new timestamped directory, points {@code ..data_tmp} at it, renames
     * {@code ..data_tmp} over {@code ..data} (the one atomic step) and removes the old directory. Requests
     * name only the keys: the {@code ..} names are dotfiles.
     */
    @Test
    void kubernetesConfigMapUpdateIsSeen() throws IOException {
        Path dir = testDir("deploy-configmap");
        String oldTs = "..2026_01_01_00_00_00.1";
        String newTs = "..2026_01_01_00_00_01.2";
        byte[] key1 = bytes("{\"feature\": false}\n");
        byte[] other1 = bytes("color=blue\n");
        writeOld(dir.resolve(oldTs + "/config.json"), key1);
        writeOld(dir.resolve(oldTs + "/settings.properties"), other1);
        Files.createSymbolicLink(dir.resolve("..data"), Path.of(oldTs));
        Files.createSymbolicLink(dir.resolve("config.json"), Path.of("..data/config.json"));
        Files.createSymbolicLink(dir.resolve("settings.properties"), Path.of("..data/settings.properties"));
        RawHttp.Response oldKey = cached("/deploy-configmap/config.json", key1);
        RawHttp.Response oldOther = cached("/deploy-configmap/settings.properties", other1);

        byte[] key2 = bytes("{\"feature\": true, \"rollout\": 2}\n");
        byte[] other2 = bytes("color=green-ish\n");
        write(dir.resolve(newTs + "/config.json"), key2);
        write(dir.resolve(newTs + "/settings.properties"), other2);
        Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of(newTs));
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        run(dir, "rm", "-rf", oldTs);

        assertNewContent("/deploy-configmap/config.json", key2, oldKey);
        assertNewContent("/deploy-configmap/settings.properties", other2, oldOther);
    }

    // ---- tools -------------------------------------------------------------------------------------

    @Test
    void rsyncDelayUpdatesIsSeen() throws IOException {
        assumeTrue(onPath("rsync"), "rsync is not installed (CI installs the Debian package rsync)");
        Path dir = testDir("deploy-rsync");
        writeOld(dir, Map.of(
                "index.html", bytes("<p>rsync v1</p>\n"),
                "css/site.css", bytes("body { color: red; }\n"),
                "gone.txt", bytes("deleted by --delete\n")));
        RawHttp.Response oldIndex = cached("/deploy-rsync/index.html", bytes("<p>rsync v1</p>\n"));
        RawHttp.Response oldCss = cached("/deploy-rsync/css/site.css", bytes("body { color: red; }\n"));
        cached("/deploy-rsync/gone.txt", bytes("deleted by --delete\n"));
        cachedMissing("/deploy-rsync/added.txt");

        Path staging = Files.createDirectories(files.base.resolve("rsync-staging")); // outside the root
        byte[] index = bytes("<p>rsync version 2</p>\n");
        byte[] css = bytes("body { color: darkgreen; }\n");
        byte[] added = bytes("new in version 2\n");
        write(staging.resolve("index.html"), index);
        write(staging.resolve("css/site.css"), css);
        write(staging.resolve("added.txt"), added);
        run(dir, "rsync", "-a", "--delay-updates", "--delete", staging + "/", dir + "/");

        assertNewContent("/deploy-rsync/index.html", index, oldIndex);
        assertNewContent("/deploy-rsync/css/site.css", css, oldCss);
        assertNewContent("/deploy-rsync/added.txt", added, null);
        assertErrorPage(get("/deploy-rsync/gone.txt"), 404);
    }

    /** git writes a checked-out file as unlink + open(O_CREAT|O_EXCL) + write: a new inode under the old name. */
    @Test
    void gitCheckoutIsSeen() throws IOException {
        assumeTrue(onPath("git"), "git is not installed");
        Path dir = testDir("deploy-git");
        byte[] a1 = bytes("a, first commit\n");
        byte[] b1 = bytes("nested b, first commit\n");
        byte[] gone = bytes("only in the first commit\n");
        write(dir.resolve("a.txt"), a1);
        write(dir.resolve("sub/b.txt"), b1);
        write(dir.resolve("gone.txt"), gone);
        git(dir, "init", "-q");
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", "first");
        git(dir, "tag", "first");
        byte[] a2 = bytes("a, second commit: changed\n");
        byte[] b2 = bytes("nested b, second commit: changed\n");
        byte[] added = bytes("only in the second commit\n");
        write(dir.resolve("a.txt"), a2);
        write(dir.resolve("sub/b.txt"), b2);
        Files.delete(dir.resolve("gone.txt"));
        write(dir.resolve("added.txt"), added);
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", "second");
        git(dir, "tag", "second");

        RawHttp.Response a = cached("/deploy-git/a.txt", a2);
        RawHttp.Response b = cached("/deploy-git/sub/b.txt", b2);
        cached("/deploy-git/added.txt", added);
        cachedMissing("/deploy-git/gone.txt");

        git(dir, "checkout", "-q", "first");

        a = assertNewContent("/deploy-git/a.txt", a1, a);
        b = assertNewContent("/deploy-git/sub/b.txt", b1, b);
        assertNewContent("/deploy-git/gone.txt", gone, null);
        assertErrorPage(get("/deploy-git/added.txt"), 404);
        cached("/deploy-git/a.txt", a1);
        cached("/deploy-git/sub/b.txt", b1);
        cached("/deploy-git/gone.txt", gone);
        cachedMissing("/deploy-git/added.txt");

        git(dir, "checkout", "-q", "second");

        assertNewContent("/deploy-git/a.txt", a2, a);
        assertNewContent("/deploy-git/sub/b.txt", b2, b);
        assertNewContent("/deploy-git/added.txt", added, null);
        assertErrorPage(get("/deploy-git/gone.txt"), 404);
    }

    // ---- a response under way ----------------------------------------------------------------------

    /**
     * A response already being sent keeps the file it opened: a rename over its path in the middle changes
     * what the next request gets, not the rest of this one. The client's small receive buffer (set before
     * connecting, so the window stays small) keeps most of the 8 MiB in the file, not in socket buffers,
     * when the rename happens.
     */
    @Test
    void responseUnderWayKeepsItsFile() throws IOException {
        Path dir = testDir("deploy-under-way");
        byte[] v1 = Fixtures.randomBytes(8 << 20, 1201);
        byte[] v2 = Fixtures.randomBytes(1 << 20, 1202);
        writeOld(dir.resolve("big.bin"), v1);
        RawHttp.Response old = get("/deploy-under-way/big.bin");
        assertThat(old.status()).as("first full GET:\n%s", old).isEqualTo(200);
        assertBody(old.body(), v1, "first full GET");

        Socket socket = new Socket();
        socket.setReceiveBufferSize(64 * 1024);
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port()), (int) RawHttp.READ_TIMEOUT.toMillis());
        socket.setSoTimeout((int) RawHttp.READ_TIMEOUT.toMillis());
        try (RawHttp.Conn slow = new RawHttp.Conn(socket)) {
            // readHead() parses the head and stops before the body: the body is then read by hand
            RawHttp.Response head = slow.send(RawHttp.get("/deploy-under-way/big.bin")).readHead();
            assertThat(head.status()).as("head of the slow GET:\n%s", head).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(v1.length));
            assertThat(head.header("ETag")).isEqualTo(old.header("ETag"));
            InputStream in = slow.input();
            byte[] start = in.readNBytes(4096);
            assertBody(start, Arrays.copyOf(v1, 4096), "first 4 KiB of the slow response");

            write(dir.resolve("big.bin.new"), v2);
            Files.move(dir.resolve("big.bin.new"), dir.resolve("big.bin"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

            assertNewContent("/deploy-under-way/big.bin", v2, old);

            byte[] rest = in.readNBytes(v1.length - start.length);
            assertBody(rest, Arrays.copyOfRange(v1, start.length, v1.length), "rest of the slow response (the old file to its end)");
            assertStillOpen(slow);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private RawHttp.Response get(String path) throws IOException {
        return exchange(RawHttp.get(path));
    }

    /** Requests the path twice (each on a new connection), asserting 200 and the bytes: cached, in memory if small. */
    private RawHttp.Response cached(String path, byte[] expected) throws IOException {
        RawHttp.Response r = null;
        for (int i = 0; i < 2; i++) {
            r = get(path);
            assertThat(r.status()).as("old state of %s:\n%s", path, r).isEqualTo(200);
            assertBody(r.body(), expected, "old bytes of " + path);
        }
        return r;
    }

    /** Requests the path twice, asserting 404: the miss is cached as well. */
    private void cachedMissing(String path) throws IOException {
        for (int i = 0; i < 2; i++) {
            assertErrorPage(get(path), 404);
        }
    }

    /**
     * The request right after the deploy: 200, exactly {@code expected}, and when {@code old} is given an
     * ETag other than the old one.
     */
    private RawHttp.Response assertNewContent(String path, byte[] expected, RawHttp.Response old) throws IOException {
        RawHttp.Response r = get(path);
        assertThat(r.status()).as("status of %s after the deploy:\n%s", path, r).isEqualTo(200);
        assertThat(r.header("Content-Length")).as("Content-Length of %s after the deploy", path)
                .isEqualTo(String.valueOf(expected.length));
        assertBody(r.body(), expected, "bytes of " + path + " after the deploy");
        if (old != null) {
            assertThat(r.header("ETag")).as("ETag of %s after the deploy", path).isNotNull().isNotEqualTo(old.header("ETag"));
        }
        return r;
    }

    /** Equal bytes; a failure names sizes, digests and the first differing byte instead of printing two arrays. */
    private static void assertBody(byte[] actual, byte[] expected, String what) {
        assertThat(Arrays.mismatch(actual, expected))
                .as("%s: got %d bytes (sha256 %s), expected %d bytes (sha256 %s)%s; index of the first difference",
                        what, actual.length, Fixtures.sha256(actual), expected.length, Fixtures.sha256(expected),
                        actual.length <= 200 && expected.length <= 200
                                ? "\n got:      " + new String(actual, StandardCharsets.UTF_8)
                                        + "\n expected: " + new String(expected, StandardCharsets.UTF_8)
                                : "")
                .isEqualTo(-1);
    }

    private Path testDir(String name) throws IOException {
        return Files.createDirectories(files.root.resolve(name));
    }

    /** A file of the old state: written, then dated {@link Fixtures#MTIME} like the fixture files. */
    private static void writeOld(Path file, byte[] content) throws IOException {
        write(file, content);
        Files.setLastModifiedTime(file, FileTime.from(Fixtures.MTIME));
    }

    private static void writeOld(Path dir, Map<String, byte[]> content) throws IOException {
        for (Map.Entry<String, byte[]> e : content.entrySet()) {
            writeOld(dir.resolve(e.getKey()), e.getValue());
        }
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, content);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private void git(Path dir, String... args) throws IOException {
        String[] cmd = new String[args.length + 5];
        cmd[0] = "git";
        cmd[1] = "-c";
        cmd[2] = "user.email=deploy@example.invalid";
        cmd[3] = "-c";
        cmd[4] = "user.name=Deploy Test";
        System.arraycopy(args, 0, cmd, 5, args.length);
        run(dir, cmd);
    }

    /**
     * Runs a command in {@code dir} (inside the test's directory), stdin from /dev/null, stdout and stderr to a
     * file outside the root; asserts exit 0 within 30 s, with the command's output in the message. HOME is an
     * empty folder outside the root and GIT_CONFIG_NOSYSTEM=1, so no user or system configuration applies.
     */
    private void run(Path dir, String... cmd) throws IOException {
        Path home = Files.createDirectories(files.base.resolve("deploy-home"));
        Path output = Files.createTempFile(files.base, "deploy-command", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.remove("XDG_CONFIG_HOME");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("LC_ALL", "C");
        Process p = pb.start();
        boolean exited;
        try {
            exited = p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted waiting for " + String.join(" ", cmd), e);
        }
        if (!exited) {
            p.destroyForcibly();
        }
        String out = new String(Files.readAllBytes(output), StandardCharsets.UTF_8);
        Files.delete(output);
        assertThat(exited).as("%s finished within %d s; output:\n%s", String.join(" ", cmd), COMMAND_TIMEOUT_SECONDS, out).isTrue();
        assertThat(p.exitValue()).as("exit code of %s; output:\n%s", String.join(" ", cmd), out).isZero();
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return false;
    }
}
