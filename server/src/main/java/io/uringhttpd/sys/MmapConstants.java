package io.uringhttpd.sys;

/**
 * mmap(2) and madvise(2) constants for x86_64, spelled as in C: include/uapi/asm-generic/mman-common.h
 * and include/uapi/linux/mman.h. Checked against Debian 12's sys/mman.h with a C program.
 */
public final class MmapConstants {
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;

    /** Writes reach the file / the other mappers (the io_uring rings are MAP_SHARED). */
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    /** Fault every page in now rather than on first touch (liburing maps its rings so). */
    public static final int MAP_POPULATE = 0x8000;

    public static final int MADV_NORMAL = 0;
    public static final int MADV_RANDOM = 1;
    /** Aggressive read-ahead for a file mapping read front to back (a body sent with SEND_ZC). */
    public static final int MADV_SEQUENTIAL = 2;
    public static final int MADV_WILLNEED = 3;
    public static final int MADV_DONTNEED = 4;
    /** The range is not inherited by a child: keeps ring/buffer memory out of fork(2). */
    public static final int MADV_DONTFORK = 10;
    public static final int MADV_HUGEPAGE = 14;

    private MmapConstants() {
    }
}
