package io.uringhttpd.sys;

import static io.uringhttpd.sys.IoUringConstants.IORING_ENTER_EXT_ARG;
import static io.uringhttpd.sys.IoUringConstants.IORING_ENTER_GETEVENTS;
import static io.uringhttpd.sys.IoUringConstants.IORING_ENTER_REGISTERED_RING;
import static io.uringhttpd.sys.IoUringConstants.IORING_ENTER_SQ_WAKEUP;
import static io.uringhttpd.sys.IoUringConstants.IORING_FEAT_SINGLE_MMAP;
import static io.uringhttpd.sys.IoUringConstants.IORING_OFF_CQ_RING;
import static io.uringhttpd.sys.IoUringConstants.IORING_OFF_SQES;
import static io.uringhttpd.sys.IoUringConstants.IORING_OFF_SQ_RING;
import static io.uringhttpd.sys.IoUringConstants.IORING_REGISTER_RING_FDS;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_CQSIZE;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_NO_SQARRAY;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_SQPOLL;
import static io.uringhttpd.sys.IoUringConstants.IORING_SQ_CQ_OVERFLOW;
import static io.uringhttpd.sys.IoUringConstants.IORING_SQ_NEED_WAKEUP;
import static io.uringhttpd.sys.IoUringConstants.IORING_UNREGISTER_RING_FDS;
import static io.uringhttpd.sys.MmapConstants.MAP_POPULATE;
import static io.uringhttpd.sys.MmapConstants.MAP_SHARED;
import static io.uringhttpd.sys.MmapConstants.PROT_READ;
import static io.uringhttpd.sys.MmapConstants.PROT_WRITE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance: its fd, the mapped SQ and CQ rings and the SQE array. No liburing:
 * the rings are driven here through {@code java.lang.foreign}.
 *
 * <p><b>One owner thread.</b> Create, use and close a ring on one platform thread (never a
 * virtual thread, which may move between carriers). With IORING_SETUP_SINGLE_ISSUER the
 * kernel ties the ring to the thread that created it: io_uring_enter and io_uring_register
 * from any other thread fail with -EEXIST (measured, kernel 6.18). The registered ring index
 * lives in the registering thread's table too: another thread using it gets -EINVAL. The
 * {@link Syscalls} passed in must be that thread's, and its {@link SyscallCounts} count the
 * enters. This class is not thread-safe and checks nothing of this on the hot path.
 *
 * <p><b>Submission.</b> {@link #nextSqe()} hands out a zeroed SQE (0 when the SQ is full; it
 * never blocks); fill it with {@link Sqe}'s setters or prep helpers; {@link #submitAndWait}
 * publishes the new SQ tail and calls io_uring_enter once, for submission and waiting
 * together. Indices run freely as ints and are masked on access (sizes are powers of two).
 *
 * <p><b>Completion.</b> Without allocation: {@code n = cqReady()}, then
 * {@code cqeAddress(0..n-1)} read with {@link Cqe}, then {@code cqAdvance(n)} publishes the
 * head once per batch. With IORING_SETUP_DEFER_TASKRUN completions are posted only inside
 * io_uring_enter with GETEVENTS, which {@link #submitAndWait} always passes: polling
 * {@link #cqReady} without entering sees nothing new.
 *
 * <p><b>CQ overflow.</b> With IORING_FEAT_NODROP (kernel 5.5) a full CQ does not lose
 * completions: the kernel keeps them in an overflow list and sets IORING_SQ_CQ_OVERFLOW in
 * the SQ flags. They move into the CQ on the next io_uring_enter with GETEVENTS once there is
 * room, so the loop's order (drain the CQ, advance the head, then enter) flushes them by
 * itself; {@link #cqOverflowPending} plus {@link #flushCqOverflow} lets a loop flush without
 * waiting. Only if the kernel cannot allocate an overflow entry is a CQE dropped: then
 * {@link #cqDroppedCount} grows and one enter returns -EBADR. Size the CQ (cqEntries) for the
 * worst burst so that this stays a safety net.
 *
 * <p><b>Memory ordering.</b> Head and tail words are shared with the kernel: each access is a
 * {@code JAVA_INT.varHandle()} getAcquire/setRelease on the mapped segment with a comment
 * saying what it orders (on x86_64 these compile to plain loads and stores that the JIT may
 * not reorder past).
 */
// Restricted FFM methods are expected here: this package is the one place allowed to use them.
@SuppressWarnings("restricted")
public final class IoUring implements AutoCloseable {
    /** u32 ring words as (MemorySegment, long offset) -> int; exact types, so no boxing. */
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle().withInvokeExactBehavior();

    // Scratch of one ring (setup-time allocated):
    //  0   24  struct io_uring_getevents_arg { u64 sigmask; u32 sigmask_sz; u32 min_wait_usec; u64 ts; }
    //  24  16  struct __kernel_timespec (the wait timeout)
    //  40  16  struct io_uring_rsrc_update { u32 offset; u32 resv; u64 data; } (ring fd registration)
    private static final long GETEVENTS_ARG = 0;
    private static final long GETEVENTS_ARG_BYTES = 24;
    private static final long TIMESPEC = 24;
    private static final long RSRC_UPDATE = 40;
    private static final long SCRATCH_BYTES = 56;

    private final Syscalls sys;
    private final int ringFd;
    private final int setupFlags;
    private final int features;
    private final int sqEntries;
    private final int sqMask;
    private final int cqEntries;
    private final int cqMask;
    private final boolean sqPoll;

    /** The SQ ring mapping; with FEAT_SINGLE_MMAP also the CQ ring (then {@code cqRing == sqRing}). */
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final long sqHeadOffset;
    private final long sqTailOffset;
    private final long sqFlagsOffset;
    private final long cqHeadOffset;
    private final long cqTailOffset;
    private final long cqOverflowOffset;
    private final long sqesAddress;
    private final long sqesBytes;
    private final long cqesAddress;

    private final Arena arena;
    private final long scratchAddress;

    /** io_uring_enter's fd argument: the registered index, or the ring fd. */
    private int enterFd;
    /** IORING_ENTER_REGISTERED_RING when the ring fd is registered, else 0. */
    private int enterFlags;
    private int registeredIndex = -1;

    /** Next SQE to hand out; [published tail, sqeTail) are filled but not yet visible to the kernel. */
    private int sqeTail;
    /** The SQ tail as last published to the kernel. */
    private int sqTailPublished;
    /** The kernel's SQ head as last read: SQEs before it are consumed and may be reused. */
    private int sqHead;
    /** Our CQ head: CQEs before it are consumed; published to the kernel by cqAdvance. */
    private int cqHead;
    private boolean closed;

    /**
     * A ring of {@code entries} SQEs (rounded up to a power of two by the kernel, at most
     * 32768) and the default CQ (2 x entries). Call on the thread that will own the ring.
     *
     * @throws IoUringException with the errno and a hint (EPERM: seccomp or
     *         kernel.io_uring_disabled; ENOSYS; ENOMEM: memlock; EINVAL: unsupported flag)
     */
    public static IoUring setup(Syscalls sys, int entries, int flags) {
        return setup(sys, entries, flags, 0, 0);
    }

    /**
     * As {@link #setup(Syscalls, int, int)}, with a CQ of {@code cqEntries} (> 0 adds
     * IORING_SETUP_CQSIZE; 0 keeps the default) and, for IORING_SETUP_SQPOLL, the poll
     * thread's idle time before it sleeps ({@code sqThreadIdleMs}; 0 = the kernel's 1 s).
     * Tries to register the ring fd (IORING_REGISTER_RING_FDS, kernel 5.18) so every enter
     * skips the fd table lookup and reference count; without it the plain fd is used.
     */
    public static IoUring setup(Syscalls sys, int entries, int flags, int cqEntries, int sqThreadIdleMs) {
        int allFlags = cqEntries > 0 ? flags | IORING_SETUP_CQSIZE : flags;
        try (Arena params = Arena.ofConfined()) {
            long p = params.allocate(IoUringParams.BYTES, 8).address(); // zeroed, as the kernel requires
            IoUringParams.setInputs(p, allFlags, cqEntries, 0, sqThreadIdleMs, 0);
            int fd = sys.ioUringSetup(entries, p);
            if (fd < 0) {
                throw new IoUringException("io_uring_setup(" + entries + ", "
                        + IoUringConstants.setupFlagNames(allFlags) + ")", -fd);
            }
            try {
                return new IoUring(sys, fd, p);
            } catch (RuntimeException | Error e) {
                sys.close(fd);
                throw e;
            }
        }
    }

    private IoUring(Syscalls sys, int ringFd, long params) {
        this.sys = sys;
        this.ringFd = ringFd;
        setupFlags = IoUringParams.flags(params);
        features = IoUringParams.features(params);
        sqEntries = IoUringParams.sqEntries(params);
        cqEntries = IoUringParams.cqEntries(params);
        sqPoll = (setupFlags & IORING_SETUP_SQPOLL) != 0;
        boolean noSqArray = (setupFlags & IORING_SETUP_NO_SQARRAY) != 0;
        int sqArray = IoUringParams.sqOffset(params, IoUringParams.SQ_OFF_ARRAY);

        // Sizes as the kernel lays the rings out: the SQ ring ends with its u32 index array
        // (absent with NO_SQARRAY), the CQ ring with its CQE array.
        long sqRingBytes = noSqArray
                ? IoUringParams.sqOffset(params, IoUringParams.SQ_OFF_DROPPED) + 4L
                : sqArray + 4L * sqEntries;
        long cqRingBytes = IoUringParams.cqOffset(params, IoUringParams.CQ_OFF_CQES) + Cqe.BYTES * cqEntries;
        boolean singleMmap = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        if (singleMmap) {
            sqRingBytes = Math.max(sqRingBytes, cqRingBytes);
            cqRingBytes = sqRingBytes;
        }
        sqesBytes = Sqe.BYTES * sqEntries;

        long sqRingAddress = map(sqRingBytes, IORING_OFF_SQ_RING, "SQ ring");
        long cqRingAddress = sqRingAddress;
        long sqes;
        try {
            if (!singleMmap) {
                cqRingAddress = map(cqRingBytes, IORING_OFF_CQ_RING, "CQ ring");
            }
            try {
                sqes = map(sqesBytes, IORING_OFF_SQES, "SQE array");
            } catch (IoUringException e) {
                if (!singleMmap) {
                    sys.munmap(cqRingAddress, cqRingBytes);
                }
                throw e;
            }
        } catch (IoUringException e) {
            sys.munmap(sqRingAddress, sqRingBytes);
            throw e;
        }
        sqRing = MemorySegment.ofAddress(sqRingAddress).reinterpret(sqRingBytes);
        cqRing = singleMmap ? sqRing : MemorySegment.ofAddress(cqRingAddress).reinterpret(cqRingBytes);
        sqesAddress = sqes;
        sqHeadOffset = IoUringParams.sqOffset(params, IoUringParams.SQ_OFF_HEAD);
        sqTailOffset = IoUringParams.sqOffset(params, IoUringParams.SQ_OFF_TAIL);
        sqFlagsOffset = IoUringParams.sqOffset(params, IoUringParams.SQ_OFF_FLAGS);
        cqHeadOffset = IoUringParams.cqOffset(params, IoUringParams.CQ_OFF_HEAD);
        cqTailOffset = IoUringParams.cqOffset(params, IoUringParams.CQ_OFF_TAIL);
        cqOverflowOffset = IoUringParams.cqOffset(params, IoUringParams.CQ_OFF_OVERFLOW);
        cqesAddress = cqRingAddress + IoUringParams.cqOffset(params, IoUringParams.CQ_OFF_CQES);
        // sq_off/cq_off hold where the mask words are in the mapping, not the masks themselves
        sqMask = sqRing.get(ValueLayout.JAVA_INT, IoUringParams.sqOffset(params, IoUringParams.SQ_OFF_RING_MASK));
        cqMask = cqRing.get(ValueLayout.JAVA_INT, IoUringParams.cqOffset(params, IoUringParams.CQ_OFF_RING_MASK));

        if (!noSqArray) {
            // The index array maps ring position -> SQE slot. SQE i always sits in slot
            // i & mask here, so the identity is written once and never touched again.
            for (int i = 0; i < sqEntries; i++) {
                sqRing.set(ValueLayout.JAVA_INT, sqArray + 4L * i, i);
            }
        }
        // The rings start empty; read the kernel's starting indices anyway (all 0 today).
        sqHead = (int) INT.getAcquire(sqRing, sqHeadOffset);
        sqeTail = (int) INT.getAcquire(sqRing, sqTailOffset);
        sqTailPublished = sqeTail;
        cqHead = (int) INT.getAcquire(cqRing, cqHeadOffset);

        // Shared, not confined: close() may run on another thread than setup (at shutdown).
        arena = Arena.ofShared();
        scratchAddress = arena.allocate(SCRATCH_BYTES, 8).address();
        long arg = scratchAddress + GETEVENTS_ARG;
        NativeMemory.putLong(arg, 0L);                              // sigmask: none
        NativeMemory.putInt(arg + 8, (int) Syscalls.KERNEL_SIGSET_BYTES);
        NativeMemory.putInt(arg + 12, 0);                           // min_wait_usec (6.12): off
        NativeMemory.putLong(arg + 16, scratchAddress + TIMESPEC);  // ts

        enterFd = ringFd;
        enterFlags = 0;
        registerRingFd();
    }

    private long map(long bytes, long offset, String what) {
        // MAP_POPULATE: fault the pages in now, not on the first submission (liburing does too).
        long address = sys.mmap(0L, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ringFd, offset);
        if (address < 0) {
            throw new IoUringException("mmap of the io_uring " + what + " (" + bytes + " bytes)", (int) -address);
        }
        return address;
    }

    /** IORING_REGISTER_RING_FDS with offset -1: the kernel picks a free slot and writes it back. */
    private void registerRingFd() {
        long update = scratchAddress + RSRC_UPDATE;
        NativeMemory.putInt(update, -1);
        NativeMemory.putInt(update + 4, 0);
        NativeMemory.putLong(update + 8, ringFd);
        int r = sys.ioUringRegister(ringFd, IORING_REGISTER_RING_FDS, update, 1);
        if (r == 1) {
            registeredIndex = NativeMemory.getInt(update);
            enterFd = registeredIndex;
            enterFlags = IORING_ENTER_REGISTERED_RING;
        }
        // else (kernel < 5.18: -EINVAL): enter with the plain fd, which works the same
    }

    /**
     * The next free SQE, zeroed, or 0 when the SQ is full (submit, then retry). Never blocks,
     * never allocates. The SQE becomes visible to the kernel at the next {@link #submitAndWait}.
     */
    public long nextSqe() {
        int tail = sqeTail;
        if (tail - sqHead >= sqEntries) {
            // acquire: the kernel has finished reading every SQE before its head, so those
            // slots may be overwritten after this load
            sqHead = (int) INT.getAcquire(sqRing, sqHeadOffset);
            if (tail - sqHead >= sqEntries) {
                return 0L;
            }
        }
        sqeTail = tail + 1;
        long sqe = sqesAddress + (long) (tail & sqMask) * Sqe.BYTES;
        Sqe.clear(sqe);
        return sqe;
    }

    /** Free SQEs left before {@link #nextSqe} returns 0. */
    public int sqSpaceLeft() {
        // acquire: as in nextSqe (consumed slots may be reused)
        sqHead = (int) INT.getAcquire(sqRing, sqHeadOffset);
        return sqEntries - (sqeTail - sqHead);
    }

    /**
     * Publishes the SQEs filled since the last call and enters the kernel once: submits them
     * and waits until {@code waitNr} CQEs are ready (0: do not wait). Always passes
     * IORING_ENTER_GETEVENTS, which also runs DEFER_TASKRUN completion work and flushes CQ
     * overflow. Returns the number of SQEs the kernel consumed (not the CQEs ready), or
     * -errno: -EINTR (a signal during the wait; nothing is lost), -EBUSY/-EAGAIN (CQ overflow
     * that cannot be flushed yet: drain the CQ), -EBADR (CQEs were dropped, see class doc),
     * -EEXIST (a thread other than the owner). A SEND or RECV that completes inline counts
     * toward {@code waitNr}, so the call may return at once with those. With SQPOLL the result
     * is the number of SQEs this call published, and no syscall is made when the poll thread
     * is awake and {@code waitNr} is 0.
     */
    public int submitAndWait(int waitNr) {
        if (sqPoll) {
            return sqPollSubmitAndWait(waitNr);
        }
        int toSubmit = flushSq();
        return sys.ioUringEnter(enterFd, toSubmit, waitNr, enterFlags | IORING_ENTER_GETEVENTS);
    }

    /**
     * With SQPOLL the kernel thread consumes SQEs on its own, so "consumed by this enter" has
     * no meaning: the result is the number of SQEs published by this call. The syscall is
     * skipped when the poll thread is awake and there is nothing to wait for.
     */
    private int sqPollSubmitAndWait(int waitNr) {
        int published = sqeTail - sqTailPublished;
        int toSubmit = flushSq();
        int sqFlags = sqPollFlags();
        int flags = enterFlags | IORING_ENTER_GETEVENTS;
        if ((sqFlags & IORING_SQ_NEED_WAKEUP) != 0) {
            flags |= IORING_ENTER_SQ_WAKEUP;
        } else if (waitNr == 0 && (sqFlags & IORING_SQ_CQ_OVERFLOW) == 0) {
            return published;
        }
        int r = sys.ioUringEnter(enterFd, toSubmit, waitNr, flags);
        return r < 0 ? r : published;
    }

    /** SQEs prepared since the last submit (what the next submit hands over): the SQEs-per-submit metric. */
    public int queuedSqes() {
        return sqeTail - sqTailPublished;
    }

    /** {@link #submitAndWait(int)} with 0: submit without waiting (still reaps ready completions). */
    public int submit() {
        return submitAndWait(0);
    }

    /**
     * As {@link #submitAndWait(int)}, but the wait ends after {@code timeoutNs} even if fewer
     * than {@code waitNr} CQEs arrived (IORING_ENTER_EXT_ARG, kernel 5.11; -EINVAL before).
     * When nothing was submitted the result of the wait itself comes back: 0, -ETIME on
     * timeout, -EINTR. The timer-wheel loop's way to sleep until the next deadline.
     */
    public int submitAndWait(int waitNr, long timeoutNs) {
        int published = sqeTail - sqTailPublished;
        int toSubmit = flushSq();
        KernelTimespec.setNanos(scratchAddress + TIMESPEC, timeoutNs);
        int flags = enterFlags | IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG;
        if (sqPoll && (sqPollFlags() & IORING_SQ_NEED_WAKEUP) != 0) {
            flags |= IORING_ENTER_SQ_WAKEUP;
        }
        int r = sys.ioUringEnter(enterFd, toSubmit, waitNr, flags, scratchAddress + GETEVENTS_ARG, GETEVENTS_ARG_BYTES);
        return sqPoll && r >= 0 && published > 0 ? published : r;
    }

    /** Makes the filled SQEs visible to the kernel; returns how many it has not consumed yet. */
    private int flushSq() {
        int tail = sqeTail;
        // release: every SQE field written before this store is visible to the kernel once it
        // reads the new tail
        INT.setRelease(sqRing, sqTailOffset, tail);
        sqTailPublished = tail;
        // acquire: see nextSqe; SQEs a failed batch left unconsumed (no SUBMIT_ALL) stay counted
        sqHead = (int) INT.getAcquire(sqRing, sqHeadOffset);
        return tail - sqHead;
    }

    private int sqPollFlags() {
        // The tail store must be visible before NEED_WAKEUP is read, or the poll thread could
        // go to sleep after we looked and never see the new SQEs (a store-load fence; liburing
        // has io_uring_smp_mb() here).
        VarHandle.fullFence();
        return (int) INT.getAcquire(sqRing, sqFlagsOffset);
    }

    /**
     * CQEs ready to read: indices 0..n-1 for {@link #cqeAddress}. With DEFER_TASKRUN this grows
     * only inside io_uring_enter.
     */
    public int cqReady() {
        // acquire: the kernel fills a CQE, then releases the tail; loading the tail with acquire
        // makes every CQE before it fully visible to the reads that follow
        return (int) INT.getAcquire(cqRing, cqTailOffset) - cqHead;
    }

    /** Address of the {@code index}-th ready CQE (0 = oldest), for {@link Cqe}'s getters. */
    public long cqeAddress(int index) {
        return cqesAddress + (long) ((cqHead + index) & cqMask) * Cqe.BYTES;
    }

    /** Hands {@code count} read CQEs back to the kernel: once per batch. */
    public void cqAdvance(int count) {
        int head = cqHead + count;
        cqHead = head;
        // release: our reads of the consumed CQEs complete before the kernel can see their
        // slots free and overwrite them
        INT.setRelease(cqRing, cqHeadOffset, head);
    }

    /** The SQ ring flags word (IORING_SQ_NEED_WAKEUP, IORING_SQ_CQ_OVERFLOW, IORING_SQ_TASKRUN). */
    public int sqFlags() {
        // acquire: a fresh read of a word the kernel updates atomically; orders nothing else
        return (int) INT.getAcquire(sqRing, sqFlagsOffset);
    }

    /** Completions wait in the kernel's overflow list (IORING_SQ_CQ_OVERFLOW): drain, then flush. */
    public boolean cqOverflowPending() {
        return (sqFlags() & IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /** io_uring_enter(0, 0, GETEVENTS): moves overflowed completions into the CQ without waiting. */
    public int flushCqOverflow() {
        return sys.ioUringEnter(enterFd, 0, 0, enterFlags | IORING_ENTER_GETEVENTS);
    }

    /** CQEs the kernel had to drop since setup (cq_off.overflow): 0 unless memory ran out. */
    public int cqDroppedCount() {
        // acquire: a fresh read of a kernel counter; orders nothing else
        return (int) INT.getAcquire(cqRing, cqOverflowOffset);
    }

    /** io_uring_register(2) on this ring (setup paths: probe, buffer rings, worker limits). */
    public int register(int opcode, long argAddress, int nrArgs) {
        return sys.ioUringRegister(ringFd, opcode, argAddress, nrArgs);
    }

    /** Whether {@link #close} ran (the fd number may belong to another file now). */
    public boolean isClosed() {
        return closed;
    }

    /** The ring's fd (MSG_RING targets, io_uring_register). */
    public int ringFd() {
        return ringFd;
    }

    /** IORING_SETUP_* as the kernel accepted them. */
    public int setupFlags() {
        return setupFlags;
    }

    /** IORING_FEAT_* of this kernel. */
    public int features() {
        return features;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** Whether enters use the registered ring index (IORING_ENTER_REGISTERED_RING). */
    public boolean ringFdRegistered() {
        return registeredIndex >= 0;
    }

    /**
     * Unregisters the ring fd, unmaps the rings and closes the fd; in-flight requests are
     * cancelled by the kernel as the ring is torn down. Call on the owning thread: the
     * registered index is in its table (from another thread the unregister fails and the
     * ring stays referenced until the owner thread exits). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (registeredIndex >= 0) {
            long update = scratchAddress + RSRC_UPDATE;
            NativeMemory.putInt(update, registeredIndex);
            NativeMemory.putInt(update + 4, 0);
            NativeMemory.putLong(update + 8, 0L);
            sys.ioUringRegister(ringFd, IORING_UNREGISTER_RING_FDS, update, 1);
            registeredIndex = -1;
        }
        sys.munmap(sqesAddress, sqesBytes);
        if (cqRing != sqRing) {
            sys.munmap(cqRing.address(), cqRing.byteSize());
        }
        sys.munmap(sqRing.address(), sqRing.byteSize());
        sys.close(ringFd);
        arena.close();
    }
}
