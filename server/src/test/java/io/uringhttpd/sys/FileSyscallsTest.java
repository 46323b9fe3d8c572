package io.uringhttpd.sys;

import static io.uringhttpd.sys.FileConstants.AT_FDCWD;
import static io.uringhttpd.sys.FileConstants.AT_SYMLINK_NOFOLLOW;
import static io.uringhttpd.sys.FileConstants.O_CLOEXEC;
import static io.uringhttpd.sys.FileConstants.O_DIRECTORY;
import static io.uringhttpd.sys.FileConstants.O_NOFOLLOW;
import static io.uringhttpd.sys.FileConstants.O_PATH;
import static io.uringhttpd.sys.FileConstants.O_RDONLY;
import static io.uringhttpd.sys.FileConstants.RESOLVE_BENEATH;
import static io.uringhttpd.sys.FileConstants.RESOLVE_IN_ROOT;
import static io.uringhttpd.sys.FileConstants.RESOLVE_NO_MAGICLINKS;
import static io.uringhttpd.sys.FileConstants.RESOLVE_NO_SYMLINKS;
import static io.uringhttpd.sys.FileConstants.STATX_BASIC_STATS;
import static io.uringhttpd.sys.FileConstants.STATX_INO;
import static io.uringhttpd.sys.FileConstants.STATX_MTIME;
import static io.uringhttpd.sys.FileConstants.STATX_SIZE;
import static io.uringhttpd.sys.FileConstants.STATX_TYPE;
import static io.uringhttpd.sys.FileConstants.S_IFDIR;
import static io.uringhttpd.sys.FileConstants.S_IFLNK;
import static io.uringhttpd.sys.FileConstants.S_IFMT;
import static io.uringhttpd.sys.FileConstants.S_IFREG;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * openat/openat2/statx against a real directory tree:
 * <pre>
 *  base/outside.txt
 *  base/www/index.html
 *  base/www/sub/page.txt
 *  base/www/inner -> sub/page.txt        (stays inside: allowed under RESOLVE_BENEATH)
 *  base/www/escape -> ../outside.txt     (leaves the root: EXDEV)
 *  base/www/absolute -> /etc/hostname    (absolute: EXDEV)
 * </pre>
 */
class FileSyscallsTest {
    private static final int OPEN_FLAGS = O_RDONLY | O_CLOEXEC;
    private static final long SAFE = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

    @TempDir
    Path base;
    private Path root;
    private final Syscalls sys = new Syscalls();
    private Arena arena;
    private long buffer;
    private long statx;
    private int rootFd = -1;

    @BeforeEach
    void tree() throws IOException {
        arena = Arena.ofConfined();
        buffer = NativeMemory.allocate(arena, 4096).address();
        statx = NativeMemory.allocate(arena, Statx.BYTES).address();
        root = Files.createDirectory(base.resolve("www"));
        Files.writeString(base.resolve("outside.txt"), "secret");
        Files.writeString(root.resolve("index.html"), "<h1>hi</h1>");
        Files.createDirectory(root.resolve("sub"));
        Files.writeString(root.resolve("sub/page.txt"), "inner page");
        Files.createSymbolicLink(root.resolve("inner"), Path.of("sub/page.txt"));
        Files.createSymbolicLink(root.resolve("escape"), Path.of("../outside.txt"));
        Files.createSymbolicLink(root.resolve("absolute"), Path.of("/etc/hostname"));
        rootFd = sys.openat(AT_FDCWD, path(root.toString()), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        assertThat(rootFd).isGreaterThanOrEqualTo(0);
    }

    @AfterEach
    void closeAll() {
        sys.close(rootFd);
        arena.close();
    }

    @Test
    void openat2BeneathOpensInnerFilesAndInnerSymlinks() {
        assertThat(readAll(openBeneath("index.html", SAFE))).isEqualTo("<h1>hi</h1>");
        assertThat(readAll(openBeneath("sub/page.txt", SAFE))).isEqualTo("inner page");
        assertThat(readAll(openBeneath("inner", SAFE))).isEqualTo("inner page");
        assertThat(readAll(openBeneath("sub/../index.html", SAFE))).isEqualTo("<h1>hi</h1>");
    }

    @Test
    void openat2BeneathRefusesEverythingThatLeavesTheRoot() {
        assertThat(openBeneath("../outside.txt", SAFE)).isEqualTo(-Errno.EXDEV);
        assertThat(openBeneath("sub/../../outside.txt", SAFE)).isEqualTo(-Errno.EXDEV);
        assertThat(openBeneath("escape", SAFE)).isEqualTo(-Errno.EXDEV);
        assertThat(openBeneath("absolute", SAFE)).isEqualTo(-Errno.EXDEV);
        assertThat(openBeneath(base.resolve("outside.txt").toString(), SAFE)).isEqualTo(-Errno.EXDEV);
        // plain openat follows the same link out: the reason openat2 is used
        int fd = sys.openat(rootFd, path("escape"), OPEN_FLAGS, 0);
        assertThat(readAll(fd)).isEqualTo("secret");
    }

    @Test
    void openat2OtherResolveModesAndErrors() {
        assertThat(openBeneath("inner", SAFE | RESOLVE_NO_SYMLINKS)).isEqualTo(-Errno.ELOOP);
        assertThat(openBeneath("missing.txt", SAFE)).isEqualTo(-Errno.ENOENT);
        assertThat(openBeneath("index.html/x", SAFE)).isEqualTo(-Errno.ENOTDIR);
        // IN_ROOT: ".." at the root stays at the root, so this names www/index.html
        assertThat(readAll(sys.openat2(rootFd, path("../index.html"), OPEN_FLAGS, 0, RESOLVE_IN_ROOT)))
                .isEqualTo("<h1>hi</h1>");
        // mode without O_CREAT and unknown resolve bits: EINVAL (openat2 is strict, openat is not)
        assertThat(sys.openat2(rootFd, path("index.html"), OPEN_FLAGS, 0644, SAFE)).isEqualTo(-Errno.EINVAL);
        assertThat(sys.openat2(rootFd, path("index.html"), OPEN_FLAGS, 0, 1L << 40)).isEqualTo(-Errno.EINVAL);
        assertThat(sys.openat2(-1, path("index.html"), OPEN_FLAGS, 0, SAFE)).isEqualTo(-Errno.EBADF);
        assertThat(sys.counts.openat2).isEqualTo(7);
    }

    @Test
    void openatErrorsComeBackAsNegativeErrno() {
        assertThat(sys.openat(rootFd, path("missing"), OPEN_FLAGS, 0)).isEqualTo(-Errno.ENOENT);
        assertThat(sys.openat(rootFd, path("inner"), OPEN_FLAGS | O_NOFOLLOW, 0)).isEqualTo(-Errno.ELOOP);
        assertThat(sys.openat(rootFd, path("index.html"), OPEN_FLAGS | O_DIRECTORY, 0)).isEqualTo(-Errno.ENOTDIR);
    }

    @Test
    void statxMatchesJavaNio() throws IOException {
        Path file = root.resolve("index.html");
        Instant mtime = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
        Files.setLastModifiedTime(file, FileTime.from(mtime));

        assertThat(sys.statx(AT_FDCWD, path(file.toString()), 0, STATX_BASIC_STATS, statx)).isZero();
        assertThat(Statx.mask(statx) & (STATX_TYPE | STATX_INO | STATX_SIZE | STATX_MTIME))
                .isEqualTo(STATX_TYPE | STATX_INO | STATX_SIZE | STATX_MTIME);
        assertThat(Statx.size(statx)).isEqualTo(Files.size(file)).isEqualTo(11);
        assertThat(Statx.ino(statx)).isEqualTo((long) Files.getAttribute(file, "unix:ino"));
        assertThat(Statx.mode(statx) & S_IFMT).isEqualTo(S_IFREG);
        assertThat(Statx.mode(statx) & 0xFFF).isEqualTo((int) Files.getAttribute(file, "unix:mode") & 0xFFF);
        Instant nioMtime = Files.getLastModifiedTime(file).toInstant();
        assertThat(Statx.mtimeSec(statx)).isEqualTo(nioMtime.getEpochSecond()).isEqualTo(1_700_000_000L);
        assertThat(Statx.mtimeNsec(statx)).isEqualTo(nioMtime.getNano());
        long dev = (long) Files.getAttribute(file, "unix:dev");
        // glibc's gnu_dev_major/minor decoding of dev_t (sys/sysmacros.h)
        assertThat(Statx.devMajor(statx)).isEqualTo((int) (((dev >>> 8) & 0xFFF) | ((dev >>> 32) & ~0xFFFL)));
        assertThat(Statx.devMinor(statx)).isEqualTo((int) ((dev & 0xFF) | ((dev >>> 12) & ~0xFFL)));

        assertThat(sys.statx(rootFd, path("sub"), 0, STATX_TYPE, statx)).isZero();
        assertThat(Statx.mode(statx) & S_IFMT).isEqualTo(S_IFDIR);
        assertThat(sys.statx(rootFd, path("inner"), AT_SYMLINK_NOFOLLOW, STATX_TYPE, statx)).isZero();
        assertThat(Statx.mode(statx) & S_IFMT).isEqualTo(S_IFLNK);
        assertThat(sys.statx(rootFd, path("missing"), 0, STATX_TYPE, statx)).isEqualTo(-Errno.ENOENT);
    }

    @Test
    void fstatxDescribesAnOpenFd() throws IOException {
        Path file = root.resolve("sub/page.txt");
        int fd = openBeneath("sub/page.txt", SAFE);
        try {
            assertThat(NativeMemory.getByte(sys.emptyPathAddress())).isZero();
            assertThat(sys.fstatx(fd, STATX_BASIC_STATS, statx)).isZero();
            assertThat(Statx.size(statx)).isEqualTo(Files.size(file));
            assertThat(Statx.ino(statx)).isEqualTo((long) Files.getAttribute(file, "unix:ino"));
            assertThat(Statx.mode(statx) & S_IFMT).isEqualTo(S_IFREG);
            assertThat(sys.fstatx(rootFd, STATX_TYPE, statx)).isZero(); // an O_PATH fd works too
            assertThat(Statx.mode(statx) & S_IFMT).isEqualTo(S_IFDIR);
        } finally {
            assertThat(sys.close(fd)).isZero();
        }
        assertThat(sys.fstatx(fd, STATX_TYPE, statx)).isEqualTo(-Errno.EBADF);
    }

    private int openBeneath(String relative, long resolve) {
        return sys.openat2(rootFd, path(relative), OPEN_FLAGS, 0, resolve);
    }

    /** Reads a small file through read(2) and closes it. */
    private String readAll(int fd) {
        assertThat(fd).as("fd (%s)", fd < 0 ? Errno.describe(fd) : "ok").isGreaterThanOrEqualTo(0);
        try {
            long n = sys.read(fd, buffer, 4096);
            assertThat(n).isGreaterThanOrEqualTo(0);
            byte[] b = new byte[(int) n];
            NativeMemory.copy(buffer, b, 0, (int) n);
            return new String(b, US_ASCII);
        } finally {
            sys.close(fd);
        }
    }

    private long path(String s) {
        return arena.allocateFrom(s).address();
    }
}
