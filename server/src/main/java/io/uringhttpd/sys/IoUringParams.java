package io.uringhttpd.sys;

/**
 * struct io_uring_params (include/uapi/linux/io_uring.h, unchanged from 5.4 to 6.18 but for
 * names of reserved fields), the io_uring_setup(2) argument: 120 bytes, checked with
 * sizeof/offsetof on Debian 12. The application fills the inputs, zeroes everything else
 * (EINVAL otherwise); the kernel writes the outputs back.
 * <pre>
 *  offset  size  field
 *  0       4     u32 sq_entries       out: SQ size (entries rounded up to a power of two)
 *  4       4     u32 cq_entries       in with IORING_SETUP_CQSIZE; out: CQ size
 *  8       4     u32 flags            in: IORING_SETUP_*
 *  12      4     u32 sq_thread_cpu    in with SQPOLL | SQ_AFF
 *  16      4     u32 sq_thread_idle   in with SQPOLL: ms before the poll thread sleeps
 *  20      4     u32 features         out: IORING_FEAT_*
 *  24      4     u32 wq_fd            in with ATTACH_WQ
 *  28      12    u32 resv[3]          zero
 *  40      40    struct io_sqring_offsets sq_off   (out: where each field is in the SQ ring mapping;
 *                                                   the mask and entries VALUES are read there)
 *                  40 u32 head     44 u32 tail      48 u32 ring_mask  52 u32 ring_entries
 *                  56 u32 flags    60 u32 dropped   64 u32 array      68 u32 resv1
 *                  72 u64 user_addr (IORING_SETUP_NO_MMAP only)
 *  80      40    struct io_cqring_offsets cq_off   (out: where each field is in the CQ ring mapping)
 *                  80 u32 head     84 u32 tail      88 u32 ring_mask  92 u32 ring_entries
 *                  96 u32 overflow 100 u32 cqes     104 u32 flags     108 u32 resv1
 *                  112 u64 user_addr
 *  120           end
 * </pre>
 * With IORING_SETUP_NO_SQARRAY (kernel 6.6) sq_off.array is 0 and there is no index array.
 */
public final class IoUringParams {
    public static final long BYTES = 120;
    static final long SQ_ENTRIES = 0;
    static final long CQ_ENTRIES = 4;
    static final long FLAGS = 8;
    static final long SQ_THREAD_CPU = 12;
    static final long SQ_THREAD_IDLE = 16;
    static final long FEATURES = 20;
    static final long WQ_FD = 24;
    static final long SQ_OFF = 40;
    static final long CQ_OFF = 80;

    // io_sqring_offsets, relative to SQ_OFF
    static final long SQ_OFF_HEAD = 0;
    static final long SQ_OFF_TAIL = 4;
    static final long SQ_OFF_RING_MASK = 8;
    static final long SQ_OFF_RING_ENTRIES = 12;
    static final long SQ_OFF_FLAGS = 16;
    static final long SQ_OFF_DROPPED = 20;
    static final long SQ_OFF_ARRAY = 24;

    // io_cqring_offsets, relative to CQ_OFF
    static final long CQ_OFF_HEAD = 0;
    static final long CQ_OFF_TAIL = 4;
    static final long CQ_OFF_RING_MASK = 8;
    static final long CQ_OFF_RING_ENTRIES = 12;
    static final long CQ_OFF_OVERFLOW = 16;
    static final long CQ_OFF_CQES = 20;
    static final long CQ_OFF_FLAGS = 24;

    private IoUringParams() {
    }

    /** Writes the inputs; the caller has zeroed the {@link #BYTES} bytes at {@code address}. */
    public static void setInputs(long address, int flags, int cqEntries, int sqThreadCpu, int sqThreadIdleMs, int wqFd) {
        NativeMemory.putInt(address + FLAGS, flags);
        NativeMemory.putInt(address + CQ_ENTRIES, cqEntries);
        NativeMemory.putInt(address + SQ_THREAD_CPU, sqThreadCpu);
        NativeMemory.putInt(address + SQ_THREAD_IDLE, sqThreadIdleMs);
        NativeMemory.putInt(address + WQ_FD, wqFd);
    }

    public static int sqEntries(long address) {
        return NativeMemory.getInt(address + SQ_ENTRIES);
    }

    public static int cqEntries(long address) {
        return NativeMemory.getInt(address + CQ_ENTRIES);
    }

    public static int flags(long address) {
        return NativeMemory.getInt(address + FLAGS);
    }

    public static int features(long address) {
        return NativeMemory.getInt(address + FEATURES);
    }

    /** A u32 of io_sqring_offsets, e.g. {@code sqOffset(p, SQ_OFF_TAIL)}. */
    static int sqOffset(long address, long field) {
        return NativeMemory.getInt(address + SQ_OFF + field);
    }

    /** A u32 of io_cqring_offsets. */
    static int cqOffset(long address, long field) {
        return NativeMemory.getInt(address + CQ_OFF + field);
    }
}
