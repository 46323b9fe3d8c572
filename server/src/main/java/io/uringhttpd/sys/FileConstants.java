package io.uringhttpd.sys;

/**
 * File constants for x86_64 Linux, spelled as in C. Values checked against Debian 12's
 * headers with a C program (kernel 6.18).
 */
public final class FileConstants {
    // include/uapi/asm-generic/fcntl.h (x86_64 uses the generic values; ARM/PowerPC differ
    // for O_DIRECTORY/O_NOFOLLOW)
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 0x1;
    public static final int O_RDWR = 0x2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    /**
     * Every write(2) goes to the current end of file, offset update and write as one step
     * (open(2): "the modification of the file offset and the write operation are performed as a
     * single atomic step"; not so on NFS): several loops append whole chunks to one log file.
     */
    public static final int O_APPEND = 0x400;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = 0x1_0000;
    public static final int O_NOFOLLOW = 0x2_0000;
    public static final int O_CLOEXEC = 0x8_0000;
    /** An fd that only names a location (no read); fine as dirfd for openat2 (kernel >= 2.6.39). */
    public static final int O_PATH = 0x20_0000;
    /** __O_TMPFILE | O_DIRECTORY (asm-generic/fcntl.h, Linux >= 3.11): an unnamed file in the given directory. */
    public static final int O_TMPFILE = 0x41_0000;
    /** fcntl(2): duplicate to the lowest free fd >= arg, with FD_CLOEXEC (F_LINUX_SPECIFIC_BASE + 6). */
    public static final int F_DUPFD_CLOEXEC = 1030;

    // include/uapi/linux/fcntl.h
    /** "Relative to the current working directory" as a dirfd. */
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** With an empty path the call works on dirfd itself: statx of an open fd. */
    public static final int AT_EMPTY_PATH = 0x1000;

    // include/uapi/linux/openat2.h (struct open_how.resolve; kernel >= 5.6)
    /** Refuse crossing a mount point (bind mounts included). */
    public static final int RESOLVE_NO_XDEV = 0x01;
    /** Refuse /proc/PID/fd-style "magic" links. */
    public static final int RESOLVE_NO_MAGICLINKS = 0x02;
    /** Refuse every symlink (ELOOP). */
    public static final int RESOLVE_NO_SYMLINKS = 0x04;
    /** Resolution must stay under dirfd: "..", absolute paths or symlinks leaving it give EXDEV. */
    public static final int RESOLVE_BENEATH = 0x08;
    /** Treat dirfd as "/" (chroot-like); ".." at the root stays at the root. */
    public static final int RESOLVE_IN_ROOT = 0x10;
    /** Only the dcache, no I/O: EAGAIN if that is not enough (kernel >= 5.12). */
    public static final int RESOLVE_CACHED = 0x20;

    // include/uapi/linux/stat.h (octal in C: 0170000, 0100000, 0040000, 0120000)
    public static final int S_IFMT = 0xF000;
    public static final int S_IFREG = 0x8000;
    public static final int S_IFDIR = 0x4000;
    public static final int S_IFLNK = 0xA000;

    // include/uapi/linux/stat.h (statx mask bits, kernel >= 4.11)
    public static final int STATX_TYPE = 0x001;
    public static final int STATX_MODE = 0x002;
    public static final int STATX_MTIME = 0x040;
    public static final int STATX_INO = 0x100;
    public static final int STATX_SIZE = 0x200;
    /** Everything struct stat holds (type, mode, nlink, uid, gid, times, ino, size, blocks). */
    public static final int STATX_BASIC_STATS = 0x7FF;

    private FileConstants() {
    }
}
