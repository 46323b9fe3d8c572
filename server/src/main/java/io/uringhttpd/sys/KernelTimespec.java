package io.uringhttpd.sys;

/**
 * struct __kernel_timespec (include/uapi/linux/time_types.h): 64-bit on every arch, the form
 * io_uring reads for TIMEOUT, LINK_TIMEOUT and io_uring_getevents_arg.ts.
 * <pre>
 *  offset  size  field
 *  0       8     s64 tv_sec
 *  8       8     s64 tv_nsec   0..999 999 999
 * </pre>
 * The kernel copies it when the SQE is submitted (or when enter starts waiting): the memory
 * may be reused once io_uring_enter has returned.
 */
public final class KernelTimespec {
    public static final long BYTES = 16;
    static final long SEC = 0;
    static final long NSEC = 8;

    private KernelTimespec() {
    }

    public static void set(long address, long seconds, long nanoseconds) {
        NativeMemory.putLong(address + SEC, seconds);
        NativeMemory.putLong(address + NSEC, nanoseconds);
    }

    /** A relative duration in nanoseconds (>= 0). */
    public static void setNanos(long address, long durationNs) {
        set(address, durationNs / 1_000_000_000L, durationNs % 1_000_000_000L);
    }
}
