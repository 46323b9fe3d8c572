package io.uringhttpd.sys;

import static io.uringhttpd.sys.IoUringConstants.IORING_ACCEPT_MULTISHOT;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_ACCEPT;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_ASYNC_CANCEL;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_POLL_ADD;
import static io.uringhttpd.sys.IoUringConstants.IORING_POLL_ADD_MULTI;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_RECV;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_SEND;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_SEND_ZC;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_SPLICE;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_TIMEOUT;
import static io.uringhttpd.sys.IoUringConstants.IORING_RECV_MULTISHOT;
import static io.uringhttpd.sys.IoUringConstants.IOSQE_BUFFER_SELECT;

/**
 * struct io_uring_sqe (include/uapi/linux/io_uring.h, 6.18), a submission: 64 bytes (128 with
 * IORING_SETUP_SQE128, not used here); offsets checked with offsetof on Debian 12. Most fields
 * are unions whose meaning depends on the opcode:
 * <pre>
 *  offset  size  field
 *  0       1     u8  opcode        IORING_OP_*
 *  1       1     u8  flags         IOSQE_*
 *  2       2     u16 ioprio        for send/recv/accept: IORING_RECV_MULTISHOT, IORING_ACCEPT_MULTISHOT, ...
 *  4       4     s32 fd            the file (or registered index with IOSQE_FIXED_FILE)
 *  8       8     u64 off | addr2   file offset; accept's addrlen pointer; splice off_out
 *  16      8     u64 addr | splice_off_in   buffer; cancel's target user_data; timespec pointer
 *  24      4     u32 len           bytes; timeout's completion count
 *  28      4     u32 op flags      msg_flags | accept_flags | splice_flags | timeout_flags |
 *                                  cancel_flags | rw_flags | ... (one per opcode)
 *  32      8     u64 user_data     returned untouched in the CQE
 *  40      2     u16 buf_index | buf_group   registered buffer / provided-buffer group
 *  42      2     u16 personality
 *  44      4     s32 splice_fd_in | u32 file_index   (file_index: direct descriptor + 1)
 *  48      8     u64 addr3
 *  56      8     u64 __pad2[1]
 *  64            next SQE
 * </pre>
 * Setters write one field by raw address. The {@code prep*} helpers (liburing's shape) fill
 * an SQE that {@link IoUring#nextSqe} has zeroed: they set only what their opcode reads.
 */
public final class Sqe {
    public static final long BYTES = 64;
    static final long OPCODE = 0;
    static final long FLAGS = 1;
    static final long IOPRIO = 2;
    static final long FD = 4;
    static final long OFF = 8;
    static final long ADDR = 16;
    static final long LEN = 24;
    static final long OP_FLAGS = 28;
    static final long USER_DATA = 32;
    static final long BUF_INDEX = 40;
    static final long PERSONALITY = 42;
    static final long SPLICE_FD_IN = 44;
    static final long ADDR3 = 48;

    private Sqe() {
    }

    /** Zeroes all 64 bytes (eight 8-byte stores; no slice, no allocation). */
    public static void clear(long sqe) {
        for (long i = 0; i < BYTES; i += 8) {
            NativeMemory.putLong(sqe + i, 0L);
        }
    }

    public static void opcode(long sqe, int opcode) {
        NativeMemory.putByte(sqe + OPCODE, (byte) opcode);
    }

    /** Replaces the IOSQE_* flags. */
    public static void flags(long sqe, int flags) {
        NativeMemory.putByte(sqe + FLAGS, (byte) flags);
    }

    /** Adds IOSQE_* flags, e.g. IOSQE_IO_LINK after a prep helper. */
    public static void addFlags(long sqe, int flags) {
        NativeMemory.putByte(sqe + FLAGS, (byte) (NativeMemory.getByte(sqe + FLAGS) | flags));
    }

    public static void ioprio(long sqe, int ioprio) {
        NativeMemory.putShort(sqe + IOPRIO, (short) ioprio);
    }

    public static void fd(long sqe, int fd) {
        NativeMemory.putInt(sqe + FD, fd);
    }

    /** off / addr2. */
    public static void off(long sqe, long off) {
        NativeMemory.putLong(sqe + OFF, off);
    }

    /** addr / splice_off_in. */
    public static void addr(long sqe, long addr) {
        NativeMemory.putLong(sqe + ADDR, addr);
    }

    public static void len(long sqe, int len) {
        NativeMemory.putInt(sqe + LEN, len);
    }

    /** The per-opcode u32 at 28: msg_flags, accept_flags, splice_flags, timeout_flags, cancel_flags... */
    public static void opFlags(long sqe, int flags) {
        NativeMemory.putInt(sqe + OP_FLAGS, flags);
    }

    public static void userData(long sqe, long userData) {
        NativeMemory.putLong(sqe + USER_DATA, userData);
    }

    /** buf_index (registered buffer) or buf_group (with IOSQE_BUFFER_SELECT): a u16. */
    public static void bufIndex(long sqe, int index) {
        NativeMemory.putShort(sqe + BUF_INDEX, (short) index);
    }

    public static void personality(long sqe, int personality) {
        NativeMemory.putShort(sqe + PERSONALITY, (short) personality);
    }

    /** splice_fd_in (SPLICE/TEE) or file_index (direct descriptors) at 44. */
    public static void spliceFdIn(long sqe, int fd) {
        NativeMemory.putInt(sqe + SPLICE_FD_IN, fd);
    }

    public static void addr3(long sqe, long addr3) {
        NativeMemory.putLong(sqe + ADDR3, addr3);
    }

    public static int opcode(long sqe) {
        return NativeMemory.getByte(sqe + OPCODE) & 0xFF;
    }

    public static long userData(long sqe) {
        return NativeMemory.getLong(sqe + USER_DATA);
    }

    // ---- prep helpers: the SQE must be zeroed (as nextSqe returns it) ---------------------

    /** The common shape: opcode, fd, addr, len, off. */
    public static void prepRw(long sqe, int opcode, int fd, long addr, int len, long off, long userData) {
        opcode(sqe, opcode);
        fd(sqe, fd);
        addr(sqe, addr);
        len(sqe, len);
        off(sqe, off);
        userData(sqe, userData);
    }

    /**
     * Multishot poll (kernel 5.13): one CQE (res = the poll mask) each time {@code fd} becomes
     * ready for {@code pollEvents}, F_MORE while it stays armed. With IORING_FEAT_POLL_32BITS the
     * mask is the 32-bit poll32_events, in the op_flags word.
     */
    public static void prepPollMultishot(long sqe, int fd, int pollEvents, long userData) {
        opcode(sqe, IORING_OP_POLL_ADD);
        fd(sqe, fd);
        opFlags(sqe, pollEvents);
        len(sqe, IORING_POLL_ADD_MULTI);
        userData(sqe, userData);
    }

    /**
     * Multishot accept (kernel 5.19): one CQE per connection, res = the new fd (flags:
     * SOCK_NONBLOCK | SOCK_CLOEXEC as for accept4), F_MORE while it stays armed. A CQE
     * without F_MORE (an error, e.g. -EMFILE) ends it: arm it again.
     */
    public static void prepAcceptMultishot(long sqe, int listenFd, int acceptFlags, long userData) {
        opcode(sqe, IORING_OP_ACCEPT);
        fd(sqe, listenFd);
        opFlags(sqe, acceptFlags);
        ioprio(sqe, IORING_ACCEPT_MULTISHOT);
        userData(sqe, userData);
    }

    /**
     * Multishot recv into buffers of the provided-buffer group {@code bufferGroup} (kernel
     * 6.0): each CQE has F_BUFFER with the buffer id in {@code flags >>> 16}, F_MORE while
     * armed. It ends with a CQE without F_MORE: -ENOBUFS when the group ran dry, 0 at EOF, or
     * an error; that last CQE may still carry data and a buffer.
     */
    public static void prepRecvMultishot(long sqe, int fd, int bufferGroup, int msgFlags, long userData) {
        prepRw(sqe, IORING_OP_RECV, fd, 0L, 0, 0L, userData);
        opFlags(sqe, msgFlags);
        ioprio(sqe, IORING_RECV_MULTISHOT);
        flags(sqe, IOSQE_BUFFER_SELECT);
        bufIndex(sqe, bufferGroup);
    }

    /**
     * send(2): res = bytes sent, or -errno. On a stream socket res can be short when the send
     * buffer fills, unless {@code msgFlags} has MSG_WAITALL: then io_uring waits for room and
     * keeps sending until every byte is out (or an error). Pass MSG_NOSIGNAL.
     */
    public static void prepSend(long sqe, int fd, long address, int length, int msgFlags, long userData) {
        prepRw(sqe, IORING_OP_SEND, fd, address, length, 0L, userData);
        opFlags(sqe, msgFlags);
    }

    /**
     * Zero-copy send (kernel 6.0): a result CQE (res = bytes, F_MORE set) and later a
     * notification CQE (F_NOTIF, same user_data) once the kernel no longer reads the buffer.
     * The buffer must stay untouched until the notification. {@code zcFlags} (ioprio):
     * IORING_SEND_ZC_REPORT_USAGE, IORING_RECVSEND_FIXED_BUF. Whether a notification follows
     * is the result's F_MORE, not its res: measured on 6.18, even a send that fails at once
     * (-EBADF) sets F_MORE and is followed by a notification.
     */
    public static void prepSendZc(long sqe, int fd, long address, int length, int msgFlags, int zcFlags, long userData) {
        prepRw(sqe, IORING_OP_SEND_ZC, fd, address, length, 0L, userData);
        opFlags(sqe, msgFlags);
        ioprio(sqe, zcFlags);
    }

    /**
     * splice(2) (kernel 5.7): offsets {@code -1} mean "none" (a pipe, or the file position);
     * {@code spliceFlags}: SPLICE_F_*. A short result fails an IOSQE_IO_LINK chain.
     */
    public static void prepSplice(long sqe, int fdIn, long offsetIn, int fdOut, long offsetOut, int length,
            int spliceFlags, long userData) {
        prepRw(sqe, IORING_OP_SPLICE, fdOut, offsetIn, length, offsetOut, userData);
        spliceFdIn(sqe, fdIn);
        opFlags(sqe, spliceFlags);
    }

    /**
     * Cancels the request whose user_data is {@code targetUserData}: the target completes with
     * -ECANCELED; this SQE's res is 0 (found), -ENOENT (not found) or -EALREADY (running;
     * it will complete on its own).
     */
    public static void prepCancel(long sqe, long targetUserData, int cancelFlags, long userData) {
        opcode(sqe, IORING_OP_ASYNC_CANCEL);
        fd(sqe, -1);
        addr(sqe, targetUserData);
        opFlags(sqe, cancelFlags);
        userData(sqe, userData);
    }

    /**
     * A timer: completes with -ETIME after the {@link KernelTimespec} at {@code timespecAddress}
     * (copied at submission), or with 0 once {@code count} other completions happened
     * (0 = pure timer). {@code timeoutFlags}: IORING_TIMEOUT_ABS, _BOOTTIME, _ETIME_SUCCESS...
     */
    public static void prepTimeout(long sqe, long timespecAddress, int count, int timeoutFlags, long userData) {
        prepRw(sqe, IORING_OP_TIMEOUT, -1, timespecAddress, 1, count, userData);
        opFlags(sqe, timeoutFlags);
    }
}
