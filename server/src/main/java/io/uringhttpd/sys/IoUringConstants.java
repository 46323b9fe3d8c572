package io.uringhttpd.sys;

/**
 * io_uring constants, spelled as in C: the kernel's include/uapi/linux/io_uring.h as of
 * Linux 6.18 (the kernel measured here). Values of the structs' sizes and of the 6.1 subset
 * were checked with a C program against Debian 12's header (linux-libc-dev 6.1.187); the
 * newer ones against liburing's copy of the 6.18+ header.
 *
 * <p><b>Older headers.</b> Constants marked <i>[not in 6.1]</i> are absent from Debian 12's
 * /usr/include/linux/io_uring.h, so C code built there could not name them either; they are
 * defined here by value. (SEND_ZC_REPORT_USAGE and NOTIF_USAGE_ZC_COPIED, kernel 6.2, do
 * appear in Debian's 6.1.187 header: the stable branch picked them up.) A kernel that does
 * not know a flag answers EINVAL (setup, enter, ioprio bits) or, for an opcode, completes the
 * SQE with -EINVAL: {@link IoUringProbe} finds out once at startup.
 *
 * <p>"kernel X" below is the first mainline release that accepts the constant, from the
 * liburing man pages.
 */
public final class IoUringConstants {
    private IoUringConstants() {
    }

    // ---- io_uring_setup(2) flags: io_uring_params.flags -----------------------------------

    /** Busy-poll block I/O completions (O_DIRECT files only; useless for sockets). */
    public static final int IORING_SETUP_IOPOLL = 1;
    /** A kernel thread polls the SQ: submission without syscalls, one CPU spinning. */
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    /** With SQPOLL: pin the poll thread to io_uring_params.sq_thread_cpu. */
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    /** io_uring_params.cq_entries is the CQ size (default: 2 x SQ entries). Kernel 5.5. */
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    /** Clamp too large sizes to the maximum (32768 SQ, 65536 CQ) instead of EINVAL. Kernel 5.6. */
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    /** Share the async worker pool of io_uring_params.wq_fd. Kernel 5.6. */
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    /** Start disabled (IORING_REGISTER_ENABLE_RINGS enables). Kernel 5.10. */
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    /** Keep submitting the rest of a batch when one SQE fails to prepare. Kernel 5.18. */
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    /** Run completion task work only when the task enters the kernel anyway: no IPIs. Kernel 5.19. */
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    /** With COOP_TASKRUN: set IORING_SQ_TASKRUN in the SQ flags when task work waits. Kernel 5.19. */
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    /**
     * Only one task submits: the one that created the ring (unless R_DISABLED, then the one
     * that enables it). Others get -EEXIST from io_uring_enter and io_uring_register. Kernel 6.0.
     */
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    /**
     * Completions are processed only inside io_uring_enter with GETEVENTS, on the issuer's
     * thread; requires SINGLE_ISSUER (EINVAL alone). Kernel 6.1.
     */
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    /** The application provides the ring memory. Kernel 6.5. [not in 6.1] */
    public static final int IORING_SETUP_NO_MMAP = 1 << 14;
    /** Kernel 6.5. [not in 6.1] */
    public static final int IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
    /**
     * No SQ index array: SQE i of the ring is simply slot {@code i & mask}; sq_off.array is
     * 0 and must not be used. Saves a cache line per batch. Kernel 6.6. [not in 6.1]
     */
    public static final int IORING_SETUP_NO_SQARRAY = 1 << 16;

    // ---- io_uring_params.features ---------------------------------------------------------

    /** SQ and CQ rings share one mapping (IORING_OFF_SQ_RING serves both). Kernel 5.4. */
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    /** A full CQ does not drop completions: they wait in an overflow list. Kernel 5.5. */
    public static final int IORING_FEAT_NODROP = 1 << 1;
    /** SQE data is copied at submission: the SQE (and its iovecs, timespecs) may be reused after enter returns. Kernel 5.5. */
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    public static final int IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    /** Sockets that are not ready are polled internally, not handed to a worker thread. Kernel 5.7. */
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    public static final int IORING_FEAT_POLL_32BITS = 1 << 6;
    public static final int IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    /** io_uring_enter accepts IORING_ENTER_EXT_ARG (a wait timeout). Kernel 5.11. */
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    /** IOSQE_CQE_SKIP_SUCCESS is supported. Kernel 5.17. */
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;
    /** Kernel 6.3. [not in 6.1] */
    public static final int IORING_FEAT_REG_REG_RING = 1 << 13;
    /** Kernel 6.10. [not in 6.1] */
    public static final int IORING_FEAT_RECVSEND_BUNDLE = 1 << 14;
    /** Kernel 6.12. [not in 6.1] */
    public static final int IORING_FEAT_MIN_TIMEOUT = 1 << 15;
    /** [not in 6.1] */
    public static final int IORING_FEAT_RW_ATTR = 1 << 16;
    /** Kernel 6.15. [not in 6.1] */
    public static final int IORING_FEAT_NO_IOWAIT = 1 << 17;

    // ---- io_uring_enter(2) flags ----------------------------------------------------------

    /** Wait for min_complete CQEs (and, with DEFER_TASKRUN, run the completion work at all). */
    public static final int IORING_ENTER_GETEVENTS = 1;
    /** With SQPOLL: wake the poll thread (needed when IORING_SQ_NEED_WAKEUP is set). */
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    /** The last two arguments are a struct io_uring_getevents_arg and its size. Kernel 5.11. */
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;
    /** The fd argument is an index from IORING_REGISTER_RING_FDS. Kernel 5.18. */
    public static final int IORING_ENTER_REGISTERED_RING = 1 << 4;
    /** Kernel 6.12. [not in 6.1] */
    public static final int IORING_ENTER_ABS_TIMER = 1 << 5;
    /** Kernel 6.13. [not in 6.1] */
    public static final int IORING_ENTER_EXT_ARG_REG = 1 << 6;
    /** Kernel 6.15. [not in 6.1] */
    public static final int IORING_ENTER_NO_IOWAIT = 1 << 7;

    // ---- opcodes: enum io_uring_op (io_uring_sqe.opcode, u8) ------------------------------

    public static final int IORING_OP_NOP = 0;
    public static final int IORING_OP_READV = 1;
    public static final int IORING_OP_WRITEV = 2;
    public static final int IORING_OP_FSYNC = 3;
    public static final int IORING_OP_READ_FIXED = 4;
    public static final int IORING_OP_WRITE_FIXED = 5;
    public static final int IORING_OP_POLL_ADD = 6;
    public static final int IORING_OP_POLL_REMOVE = 7;
    public static final int IORING_OP_SYNC_FILE_RANGE = 8;
    public static final int IORING_OP_SENDMSG = 9;
    public static final int IORING_OP_RECVMSG = 10;
    public static final int IORING_OP_TIMEOUT = 11;
    public static final int IORING_OP_TIMEOUT_REMOVE = 12;
    public static final int IORING_OP_ACCEPT = 13;
    public static final int IORING_OP_ASYNC_CANCEL = 14;
    public static final int IORING_OP_LINK_TIMEOUT = 15;
    public static final int IORING_OP_CONNECT = 16;
    public static final int IORING_OP_FALLOCATE = 17;
    public static final int IORING_OP_OPENAT = 18;
    public static final int IORING_OP_CLOSE = 19;
    public static final int IORING_OP_FILES_UPDATE = 20;
    public static final int IORING_OP_STATX = 21;
    public static final int IORING_OP_READ = 22;
    public static final int IORING_OP_WRITE = 23;
    public static final int IORING_OP_FADVISE = 24;
    public static final int IORING_OP_MADVISE = 25;
    public static final int IORING_OP_SEND = 26;
    public static final int IORING_OP_RECV = 27;
    public static final int IORING_OP_OPENAT2 = 28;
    public static final int IORING_OP_EPOLL_CTL = 29;
    public static final int IORING_OP_SPLICE = 30;
    public static final int IORING_OP_PROVIDE_BUFFERS = 31;
    public static final int IORING_OP_REMOVE_BUFFERS = 32;
    public static final int IORING_OP_TEE = 33;
    public static final int IORING_OP_SHUTDOWN = 34;
    public static final int IORING_OP_RENAMEAT = 35;
    public static final int IORING_OP_UNLINKAT = 36;
    public static final int IORING_OP_MKDIRAT = 37;
    public static final int IORING_OP_SYMLINKAT = 38;
    public static final int IORING_OP_LINKAT = 39;
    public static final int IORING_OP_MSG_RING = 40;
    public static final int IORING_OP_FSETXATTR = 41;
    public static final int IORING_OP_SETXATTR = 42;
    public static final int IORING_OP_FGETXATTR = 43;
    public static final int IORING_OP_GETXATTR = 44;
    public static final int IORING_OP_SOCKET = 45;
    public static final int IORING_OP_URING_CMD = 46;
    /** Zero-copy send: two CQEs, the result (F_MORE) and a notification (F_NOTIF). Kernel 6.0. */
    public static final int IORING_OP_SEND_ZC = 47;
    public static final int IORING_OP_SENDMSG_ZC = 48;
    /** [not in 6.1] from here on. */
    public static final int IORING_OP_READ_MULTISHOT = 49;
    public static final int IORING_OP_WAITID = 50;
    public static final int IORING_OP_FUTEX_WAIT = 51;
    public static final int IORING_OP_FUTEX_WAKE = 52;
    public static final int IORING_OP_FUTEX_WAITV = 53;
    public static final int IORING_OP_FIXED_FD_INSTALL = 54;
    public static final int IORING_OP_FTRUNCATE = 55;
    public static final int IORING_OP_BIND = 56;
    public static final int IORING_OP_LISTEN = 57;
    public static final int IORING_OP_RECV_ZC = 58;
    public static final int IORING_OP_EPOLL_WAIT = 59;
    public static final int IORING_OP_READV_FIXED = 60;
    public static final int IORING_OP_WRITEV_FIXED = 61;
    /** The last opcode of 6.18 (its probe reports last_op = 62). */
    public static final int IORING_OP_PIPE = 62;

    private static final String[] OPCODE_NAMES = {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
        "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT", "ASYNC_CANCEL",
        "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE", "STATX", "READ",
        "WRITE", "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL", "SPLICE",
        "PROVIDE_BUFFERS", "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT", "MKDIRAT",
        "SYMLINKAT", "LINKAT", "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR", "GETXATTR", "SOCKET",
        "URING_CMD", "SEND_ZC", "SENDMSG_ZC", "READ_MULTISHOT", "WAITID", "FUTEX_WAIT", "FUTEX_WAKE",
        "FUTEX_WAITV", "FIXED_FD_INSTALL", "FTRUNCATE", "BIND", "LISTEN", "RECV_ZC", "EPOLL_WAIT",
        "READV_FIXED", "WRITEV_FIXED", "PIPE",
    };

    /** "SEND_ZC" for IORING_OP_SEND_ZC; "op 63" for an opcode newer than 6.18 (allocates: logs only). */
    public static String opcodeName(int opcode) {
        return opcode >= 0 && opcode < OPCODE_NAMES.length ? OPCODE_NAMES[opcode] : "op " + opcode;
    }

    private static final String[] SETUP_FLAG_NAMES = {
        "IOPOLL", "SQPOLL", "SQ_AFF", "CQSIZE", "CLAMP", "ATTACH_WQ", "R_DISABLED", "SUBMIT_ALL",
        "COOP_TASKRUN", "TASKRUN_FLAG", "SQE128", "CQE32", "SINGLE_ISSUER", "DEFER_TASKRUN", "NO_MMAP",
        "REGISTERED_FD_ONLY", "NO_SQARRAY",
    };
    private static final String[] FEATURE_NAMES = {
        "SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL",
        "POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP",
        "LINKED_FILE", "REG_REG_RING", "RECVSEND_BUNDLE", "MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT",
    };

    /** "SINGLE_ISSUER|DEFER_TASKRUN"; "none" for 0; unknown bits as "1<<20" (logs only). */
    public static String setupFlagNames(int flags) {
        return bitNames(flags, SETUP_FLAG_NAMES);
    }

    /** "SINGLE_MMAP|NODROP|..." of IORING_FEAT_* bits (logs only). */
    public static String featureNames(int features) {
        return bitNames(features, FEATURE_NAMES);
    }

    private static String bitNames(int bits, String[] names) {
        if (bits == 0) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            if ((bits & (1 << i)) != 0) {
                if (!b.isEmpty()) {
                    b.append('|');
                }
                b.append(i < names.length ? names[i] : "1<<" + i);
            }
        }
        return b.toString();
    }

    // ---- io_uring_sqe.flags (u8) ----------------------------------------------------------

    /** fd is an index into the registered file table. */
    public static final int IOSQE_FIXED_FILE = 1;
    /** Start only after every earlier SQE completed (a full barrier: slow). */
    public static final int IOSQE_IO_DRAIN = 1 << 1;
    /**
     * The next SQE starts only when this one completes successfully; a failure (or a short
     * read/write/splice/send) completes the rest of the chain with -ECANCELED.
     */
    public static final int IOSQE_IO_LINK = 1 << 2;
    /** Like IO_LINK, but the chain continues after a failure. */
    public static final int IOSQE_IO_HARDLINK = 1 << 3;
    /** Go straight to an io-wq worker thread (no inline attempt). */
    public static final int IOSQE_ASYNC = 1 << 4;
    /** Pick a buffer from the provided-buffer group in io_uring_sqe.buf_group. */
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;
    /** Post no CQE when the request succeeds (failures still post). Kernel 5.17. */
    public static final int IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // ---- io_uring_cqe.flags ---------------------------------------------------------------

    /** A provided buffer was used; its id is {@code flags >>> IORING_CQE_BUFFER_SHIFT}. */
    public static final int IORING_CQE_F_BUFFER = 1;
    /** The request stays armed: more CQEs follow for the same SQE (multishot; SEND_ZC's result). */
    public static final int IORING_CQE_F_MORE = 1 << 1;
    /** IORING_OP_POLL_ADD's len: multishot, one CQE per wake-up of the file, F_MORE while armed (kernel 5.13). */
    public static final int IORING_POLL_ADD_MULTI = 1;
    /** After a recv: the socket still had data queued. */
    public static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    /** A SEND_ZC notification: the buffer may be reused now. Same user_data as the result CQE. */
    public static final int IORING_CQE_F_NOTIF = 1 << 3;
    /** Incrementally consumed buffer (IOU_PBUF_RING_INC) stays in use. Kernel 6.12. [not in 6.1] */
    public static final int IORING_CQE_F_BUF_MORE = 1 << 4;
    public static final int IORING_CQE_BUFFER_SHIFT = 16;

    // ---- send/recv flags in io_uring_sqe.ioprio -------------------------------------------

    /** Arm poll first instead of trying the transfer at once (when it would surely EAGAIN). */
    public static final int IORING_RECVSEND_POLL_FIRST = 1;
    /** Multishot recv: needs IOSQE_BUFFER_SELECT; one CQE per receive, F_MORE while armed. Kernel 6.0. */
    public static final int IORING_RECV_MULTISHOT = 1 << 1;
    /** The buffer is a registered one: io_uring_sqe.buf_index. */
    public static final int IORING_RECVSEND_FIXED_BUF = 1 << 2;
    /** SEND_ZC: the F_NOTIF CQE's res tells whether the kernel had to copy. Kernel 6.2. */
    public static final int IORING_SEND_ZC_REPORT_USAGE = 1 << 3;
    /** Kernel 6.10. [not in 6.1] */
    public static final int IORING_RECVSEND_BUNDLE = 1 << 4;
    /**
     * In a REPORT_USAGE notification's res: the data was copied (at least partly), as always
     * on loopback. A flag: test {@code (res & IORING_NOTIF_USAGE_ZC_COPIED) != 0} (res is
     * negative as a Java int); 0 means real zero copy.
     */
    public static final int IORING_NOTIF_USAGE_ZC_COPIED = 1 << 31;

    // ---- accept flags in io_uring_sqe.ioprio ----------------------------------------------

    /** One SQE accepts until cancelled or an error: one CQE per connection, F_MORE while armed. Kernel 5.19. */
    public static final int IORING_ACCEPT_MULTISHOT = 1;
    /** Kernel 6.10. [not in 6.1] */
    public static final int IORING_ACCEPT_DONTWAIT = 1 << 1;
    /** Kernel 6.10. [not in 6.1] */
    public static final int IORING_ACCEPT_POLL_FIRST = 1 << 2;

    // ---- io_uring_sqe.timeout_flags -------------------------------------------------------

    public static final int IORING_TIMEOUT_ABS = 1;
    public static final int IORING_TIMEOUT_UPDATE = 1 << 1;
    public static final int IORING_TIMEOUT_BOOTTIME = 1 << 2;
    public static final int IORING_TIMEOUT_REALTIME = 1 << 3;
    public static final int IORING_LINK_TIMEOUT_UPDATE = 1 << 4;
    /** A timeout that fires completes with 0 instead of -ETIME (no link failure). Kernel 5.16. */
    public static final int IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
    /** Kernel 6.4. [not in 6.1] */
    public static final int IORING_TIMEOUT_MULTISHOT = 1 << 6;

    // ---- io_uring_sqe.cancel_flags (ASYNC_CANCEL) -----------------------------------------

    /** Cancel every match, not only the first; res is the count. Kernel 5.19. */
    public static final int IORING_ASYNC_CANCEL_ALL = 1;
    /** Match on io_uring_sqe.fd instead of user_data (in addr). Kernel 5.19. */
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;
    public static final int IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3;
    public static final int IORING_ASYNC_CANCEL_USERDATA = 1 << 4;
    public static final int IORING_ASYNC_CANCEL_OP = 1 << 5;

    // ---- io_uring_sqe.splice_flags (besides SPLICE_F_* of PipeConstants) ------------------

    /** splice_fd_in is a registered file index. */
    public static final int SPLICE_F_FD_IN_FIXED = 1 << 31;

    /** io_uring_sqe.file_index for ACCEPT/OPENAT into a direct descriptor: "pick a free slot". */
    public static final int IORING_FILE_INDEX_ALLOC = ~0;

    // ---- SQ ring flags (the u32 at sq_off.flags, written by the kernel) -------------------

    /** SQPOLL's thread sleeps: wake it with IORING_ENTER_SQ_WAKEUP. */
    public static final int IORING_SQ_NEED_WAKEUP = 1;
    /** Completions wait in the kernel's overflow list: enter with GETEVENTS to flush them. */
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    /** With TASKRUN_FLAG: completion work is pending; enter with GETEVENTS to run it. */
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    /** CQ ring flags (cq_off.flags, written by the application): no eventfd signal. */
    public static final int IORING_CQ_EVENTFD_DISABLED = 1;

    // ---- mmap(2) offsets for the ring fd --------------------------------------------------

    /** The SQ ring (and, with FEAT_SINGLE_MMAP, the CQ ring too). */
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x800_0000L;
    /** The SQE array. */
    public static final long IORING_OFF_SQES = 0x1000_0000L;
    /** Kernel-allocated buffer rings (IOU_PBUF_RING_MMAP). Kernel 6.4. [not in 6.1] */
    public static final long IORING_OFF_PBUF_RING = 0x8000_0000L;

    // ---- io_uring_register(2) opcodes -----------------------------------------------------

    public static final int IORING_REGISTER_BUFFERS = 0;
    public static final int IORING_UNREGISTER_BUFFERS = 1;
    public static final int IORING_REGISTER_FILES = 2;
    public static final int IORING_UNREGISTER_FILES = 3;
    public static final int IORING_REGISTER_EVENTFD = 4;
    public static final int IORING_UNREGISTER_EVENTFD = 5;
    public static final int IORING_REGISTER_FILES_UPDATE = 6;
    public static final int IORING_REGISTER_EVENTFD_ASYNC = 7;
    /** Fills a struct io_uring_probe ({@link IoUringProbe}). Kernel 5.6. */
    public static final int IORING_REGISTER_PROBE = 8;
    public static final int IORING_REGISTER_PERSONALITY = 9;
    public static final int IORING_UNREGISTER_PERSONALITY = 10;
    public static final int IORING_REGISTER_RESTRICTIONS = 11;
    public static final int IORING_REGISTER_ENABLE_RINGS = 12;
    public static final int IORING_REGISTER_FILES2 = 13;
    public static final int IORING_REGISTER_FILES_UPDATE2 = 14;
    public static final int IORING_REGISTER_BUFFERS2 = 15;
    public static final int IORING_REGISTER_BUFFERS_UPDATE = 16;
    public static final int IORING_REGISTER_IOWQ_AFF = 17;
    public static final int IORING_UNREGISTER_IOWQ_AFF = 18;
    /** Caps io-wq worker threads per ring (bounded, unbounded). Kernel 5.15. */
    public static final int IORING_REGISTER_IOWQ_MAX_WORKERS = 19;
    /** Registers the ring fd in the calling thread's table: enter skips fdget/fdput. Kernel 5.18. */
    public static final int IORING_REGISTER_RING_FDS = 20;
    public static final int IORING_UNREGISTER_RING_FDS = 21;
    /** A provided-buffer ring ({@link BufferRing}). Kernel 5.19. */
    public static final int IORING_REGISTER_PBUF_RING = 22;
    public static final int IORING_UNREGISTER_PBUF_RING = 23;
    public static final int IORING_REGISTER_SYNC_CANCEL = 24;
    public static final int IORING_REGISTER_FILE_ALLOC_RANGE = 25;
    /** Kernel 6.8. [not in 6.1] */
    public static final int IORING_REGISTER_PBUF_STATUS = 26;
    /** Kernel 6.9. [not in 6.1] */
    public static final int IORING_REGISTER_NAPI = 27;
    /** Kernel 6.9. [not in 6.1] */
    public static final int IORING_UNREGISTER_NAPI = 28;
    /** Kernel 6.13. [not in 6.1] */
    public static final int IORING_REGISTER_RESIZE_RINGS = 33;
    /** OR-ed into a register opcode: the fd is a registered ring index. Kernel 6.3. [not in 6.1] */
    public static final int IORING_REGISTER_USE_REGISTERED_RING = 1 << 31;

    /** io_uring_probe_op.flags: the kernel implements this opcode. */
    public static final int IO_URING_OP_SUPPORTED = 1;

    // ---- struct io_uring_buf_reg.flags (IORING_REGISTER_PBUF_RING) ------------------------

    /** The kernel allocates the buffer ring; map it at IORING_OFF_PBUF_RING. Kernel 6.4. [not in 6.1] */
    public static final int IOU_PBUF_RING_MMAP = 1;
    /** Buffers consumed incrementally (IORING_CQE_F_BUF_MORE). Kernel 6.12. [not in 6.1] */
    public static final int IOU_PBUF_RING_INC = 2;

    // ---- limits (io_uring/io_uring.c) -----------------------------------------------------

    /** IORING_MAX_ENTRIES: the largest SQ (EINVAL above, unless CLAMP). */
    public static final int IORING_MAX_ENTRIES = 32768;
    /** IORING_MAX_CQ_ENTRIES = 2 x IORING_MAX_ENTRIES. */
    public static final int IORING_MAX_CQ_ENTRIES = 65536;
}
