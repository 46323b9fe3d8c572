package io.uringhttpd.sys;

/**
 * struct io_uring_cqe (include/uapi/linux/io_uring.h), a completion: 16 bytes (32 with
 * IORING_SETUP_CQE32, not used here). Read in place in the CQ ring by address
 * ({@link IoUring#cqeAddress}), before {@link IoUring#cqAdvance} hands the slot back.
 * <pre>
 *  offset  size  field
 *  0       8     u64 user_data   the SQE's user_data, untouched (we pack op | slot | generation)
 *  8       4     s32 res         the result: >= 0, or -errno (the shape of Syscalls' results)
 *  12      4     u32 flags       IORING_CQE_F_*; buffer id in the upper 16 bits with F_BUFFER
 *  16            next CQE
 * </pre>
 */
public final class Cqe {
    public static final long BYTES = 16;
    static final long USER_DATA = 0;
    static final long RES = 8;
    static final long FLAGS = 12;

    private Cqe() {
    }

    public static long userData(long cqe) {
        return NativeMemory.getLong(cqe + USER_DATA);
    }

    public static int res(long cqe) {
        return NativeMemory.getInt(cqe + RES);
    }

    public static int flags(long cqe) {
        return NativeMemory.getInt(cqe + FLAGS);
    }

    /** The provided buffer's id (0..65535) when {@code flags} has IORING_CQE_F_BUFFER. */
    public static int bufferId(int flags) {
        return flags >>> IoUringConstants.IORING_CQE_BUFFER_SHIFT;
    }
}
