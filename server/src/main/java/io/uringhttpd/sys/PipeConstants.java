package io.uringhttpd.sys;

/**
 * Pipe and splice(2) constants, spelled as in C. F_*PIPE_SZ: include/uapi/linux/fcntl.h
 * (F_LINUX_SPECIFIC_BASE 1024 + 7/8, kernel >= 2.6.35); SPLICE_F_*: glibc's bits/fcntl-linux.h
 * (the kernel's include/linux/splice.h). Checked against Debian 12 with a C program. pipe2's
 * flags are O_CLOEXEC and O_NONBLOCK of {@link FileConstants}.
 */
public final class PipeConstants {
    /**
     * Sets a pipe's capacity: rounded up to a power-of-two number of pages; above
     * fs.pipe-max-size (1 MiB by default) only with CAP_SYS_RESOURCE (else EPERM). Pages are
     * charged to the user against fs.pipe-user-pages-soft (16384 pages = 64 MiB by default):
     * past it new pipes get a single page each.
     */
    public static final int F_SETPIPE_SZ = 1031;
    public static final int F_GETPIPE_SZ = 1032;

    /** A hint to move pages rather than copy (mostly a no-op since 2.6.21, harmless). */
    public static final int SPLICE_F_MOVE = 1;
    /** Don't block on the pipe (the other fd's blocking is its own O_NONBLOCK). */
    public static final int SPLICE_F_NONBLOCK = 2;
    /** More data will follow (like MSG_MORE on a socket). */
    public static final int SPLICE_F_MORE = 4;
    public static final int SPLICE_F_GIFT = 8;

    private PipeConstants() {
    }
}
