package io.uringhttpd.sys;

/**
 * struct rusage (getrusage(2); x86_64 glibc, bits/types/struct_rusage.h): two struct timeval
 * then fourteen longs.
 * <pre>
 *  offset  size  field
 *  0       16    struct timeval ru_utime   (tv_sec, tv_usec: two longs)
 *  16      16    struct timeval ru_stime
 *  32..120 8     ru_maxrss .. ru_nsignals  (unused here)
 *  128     8     long ru_nvcsw             voluntary context switches (the thread waited)
 *  136     8     long ru_nivcsw            involuntary ones (the scheduler took the CPU away)
 * </pre>
 */
public final class Rusage {
    public static final long BYTES = 144;
    /** who = RUSAGE_THREAD: the calling thread only (Linux 2.6.26, _GNU_SOURCE). */
    public static final int RUSAGE_THREAD = 1;
    /** who = RUSAGE_SELF: every thread of the process, those gone included (io_uring's io-wq workers are threads of it). */
    public static final int RUSAGE_SELF = 0;
    static final long UTIME = 0;
    static final long STIME = 16;
    static final long NVCSW = 128;
    static final long NIVCSW = 136;

    private Rusage() {
    }

    public static long userMicros(long address) {
        return micros(address + UTIME);
    }

    public static long systemMicros(long address) {
        return micros(address + STIME);
    }

    public static long voluntarySwitches(long address) {
        return NativeMemory.getLong(address + NVCSW);
    }

    public static long involuntarySwitches(long address) {
        return NativeMemory.getLong(address + NIVCSW);
    }

    private static long micros(long timeval) {
        return NativeMemory.getLong(timeval) * 1_000_000L + NativeMemory.getLong(timeval + 8);
    }
}
