package io.uringhttpd.engine.iouring;

import static io.uringhttpd.engine.iouring.ProactorState.*;
import static io.uringhttpd.sys.InotifyConstants.POLLIN;
import static io.uringhttpd.sys.IoUringConstants.*;
import static io.uringhttpd.sys.SocketConstants.*;

import io.uringhttpd.engine.Connection;
import io.uringhttpd.engine.ConnectionTable;
import io.uringhttpd.engine.EngineOps;
import io.uringhttpd.engine.EventLoop;
import io.uringhttpd.engine.Listeners;
import io.uringhttpd.engine.LoopCore;
import io.uringhttpd.engine.LoopCounters;
import io.uringhttpd.engine.LoopSettings;
import io.uringhttpd.http.ResponsePlan;
import io.uringhttpd.http.StaticFileHandler;
import io.uringhttpd.sys.BufferRing;
import io.uringhttpd.sys.Cqe;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.EventfdConstants;
import io.uringhttpd.sys.IoUring;
import io.uringhttpd.sys.KernelTimespec;
import io.uringhttpd.sys.MmapConstants;
import io.uringhttpd.sys.NativeMemory;
import io.uringhttpd.sys.Sockaddr;
import io.uringhttpd.sys.Sqe;
import io.uringhttpd.sys.Syscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The io_uring proactor: submissions and completions instead of readiness.
 *
 * <p>One ring per platform thread (SINGLE_ISSUER | DEFER_TASKRUN: completions run only inside
 * this thread's io_uring_enter; docs/kernel.md#io_uring-ring-setup). Each turn makes one io_uring_enter that submits
 * everything queued and waits for completions. A listen socket has one multishot ACCEPT armed;
 * each connection one multishot RECV drawing from a provided buffer ring, so an idle connection
 * holds no buffer of its own. What both engines share (connection table, pools, serving,
 * deadlines, lifecycle) is its {@link LoopCore}; heads and small bodies leave in one SEND per
 * connection per turn (pipelined responses coalesce), file bodies by SPLICE file → pooled pipe →
 * socket, or SEND_ZC from a mapping when configured. Each connection's phase and operations in
 * flight are its {@link ProactorState} (the state diagram is there).
 *
 * <p>user_data = op (8 bits) | generation (24 bits) | slot (32 bits): a completion for a slot
 * that was closed and reused is recognised as stale and dropped.
 */
public final class IoUringLoop implements EventLoop, EngineOps {
    private static final Logger log = LoggerFactory.getLogger(IoUringLoop.class);

    static final int OP_ACCEPT = 1;
    static final int OP_RECV = 2;
    static final int OP_SEND = 3;
    static final int OP_SPLICE_IN = 4;
    static final int OP_SPLICE_OUT = 5;
    static final int OP_TICK = 6;
    static final int OP_WAKE = 7;
    static final int OP_CANCEL = 8;
    static final int OP_SEND_ZC = 9;
    static final int OP_FILE_EVENTS = 10;

    private static final int GENERATION_MASK = ConnectionTable.GENERATION_MASK;
    /** OP_TICK slots: the loop's timer, and the faster one of a retiring loop. */
    private static final int TICK = 0;
    private static final int RETIRE_TICK = 1;
    /** While retiring, connections accepted with accept4(2) from a backlog before its fd closes. */
    private static final int RETIRE_BACKLOG_ACCEPTS_MAX = 1024;
    /** Provided receive buffers: 8 KiB holds 16 pipelined wrk-style requests; up to 1024 per loop = 8 MiB, not charged to memlock. */
    private static final int RECV_BUFFER_BYTES = 8 * 1024;
    private static final int RECV_BUFFERS = 1024;
    /**
     * Buffers published at start (1 MiB); the ring grows by a chunk each time the kernel finds it empty
     * (BufferRing.grow): a worker holds what its busiest moment needed, not 8 MiB whatever its load.
     */
    private static final int RECV_BUFFERS_INITIAL = 128;
    private static final int RECV_BUFFER_GROUP = 0;
    /**
     * The capacity asked for each pooled pipe (F_SETPIPE_SZ; fs.pipe-max-size, 1 MiB by
     * default, is the unprivileged maximum; docs/kernel.md#pipe-sizing). Measured on 1 MiB bodies with wrk -c64
     * (bench/run.sh, bench/RESULTS.md): 256 KiB pipes cost 1.62x epoll's CPU per request, 1 MiB pipes 1.01x:
     * io_uring/splice.c refuses to splice without blocking (-EAGAIN under
     * IO_URING_F_NONBLOCK), so every SPLICE runs on an io-wq worker: fewer, larger pairs save the most.
     */
    static final int PIPE_BYTES = 1024 * 1024;
    /** Bytes per SEND_ZC: a 1 MiB send fills loopback's socket buffer; one in flight per connection. */
    private static final int ZC_CHUNK_BYTES = 1 << 20;

    private final LoopCore core;
    private final Syscalls sys;
    private final LoopCounters counters;
    private final LoopSettings settings;
    private final int index;
    private final int bufferBytes;

    private final Listeners listeners;
    /** A multishot ACCEPT is armed on the listen fd of that index. */
    private final boolean[] acceptArmed;
    private final int ringEntries;
    private final int setupFlags;
    private final int sqpollIdleMs;
    /** File parts of at least this many bytes go by SEND_ZC from an mmap (0 = never: splice). */
    private final long sendZcBytesMin;

    private final long tickTimespec;
    private final long retireTickTimespec;
    private final long wakeBuffer;
    private final long peerAddress;
    private final long peerLengthAddress;

    /** The open-file cache's inotify fd, or -1: a multishot poll is armed on it. */
    private final int fileEventsFd;
    private IoUring ring;
    private BufferRing recvBuffers;
    private final PipePool pipes;

    /** The proactor's own state of each slot, parallel to the core's table, built with it. */
    private final ProactorState[] states;

    /** Connections with output to submit after this batch of completions. */
    private final Connection[] dirty;
    private int dirtyCount;

    /**
     * @param listenFds listening sockets owned by this loop from now on (closed when it stops),
     *                  non-blocking (ListenSockets opens and adopts them so): the backlog is
     *                  drained with accept4 when the loop retires
     */
    public IoUringLoop(int index, LoopSettings settings, Syscalls sys, StaticFileHandler handler, int[] listenFds,
                       int ringEntries, int setupFlags, int sqpollIdleMs, long sendZcBytesMin) {
        // A blocking eventfd: the loop keeps a READ armed on it (a SINGLE_ISSUER ring takes no
        // submission from another thread: -EEXIST).
        this.core = new LoopCore(this, index, "io_uring", settings, sys, handler, listenFds, EventfdConstants.EFD_CLOEXEC);
        this.listeners = core.listeners;
        this.sys = sys;
        this.counters = core.counters;
        this.settings = settings;
        this.index = index;
        this.bufferBytes = core.bufferBytes;
        this.acceptArmed = new boolean[listeners.count()];
        this.ringEntries = ringEntries;
        this.setupFlags = setupFlags;
        this.sqpollIdleMs = sqpollIdleMs;
        this.sendZcBytesMin = sendZcBytesMin;
        this.tickTimespec = core.memory.allocate(KernelTimespec.BYTES, 8);
        KernelTimespec.set(tickTimespec, LoopCore.TICK_MS / 1000, 0);
        this.retireTickTimespec = core.memory.allocate(KernelTimespec.BYTES, 8);
        KernelTimespec.set(retireTickTimespec, 0, LoopCore.RETIRE_TICK_MS * 1_000_000);
        this.wakeBuffer = core.memory.allocate(8, 8);
        this.peerAddress = core.memory.allocate(Sockaddr.STORAGE_BYTES, 8);
        this.peerLengthAddress = core.memory.allocate(4, 4);
        this.states = new ProactorState[settings.connectionsMax()];
        this.dirty = new Connection[settings.connectionsMax()];
        this.pipes = new PipePool(sys, PIPE_BYTES);
        this.fileEventsFd = handler.fileEventsFd();
    }

    static long userData(int op, int generation, int slot) {
        return ((long) op << 56) | ((long) (generation & GENERATION_MASK) << 32) | (slot & 0xFFFF_FFFFL);
    }

    static int opOf(long userData) {
        return (int) (userData >>> 56);
    }

    static int generationOf(long userData) {
        return (int) (userData >>> 32) & GENERATION_MASK;
    }

    static int slotOf(long userData) {
        return (int) userData;
    }

    // ------------------------------------------------------------------ EventLoop

    @Override
    public LoopCore core() {
        return core;
    }

    // ------------------------------------------------------------------ EngineOps

    /** The ring is created on the loop's own thread: SINGLE_ISSUER binds it to the first submitter. */
    @Override
    public void start() {
        ring = IoUring.setup(sys, ringEntries, setupFlags, 0, sqpollIdleMs);
        recvBuffers = BufferRing.register(ring, RECV_BUFFER_GROUP, RECV_BUFFERS, RECV_BUFFER_BYTES, RECV_BUFFERS_INITIAL);
        for (int i = 0; i < listeners.count(); i++) {
            armAccept(i);
        }
        armWake();
        armTick();
        if (fileEventsFd >= 0) {
            armFileEvents();
        }
    }

    @Override
    public void runOnce() {
        if (core.timed()) {
            counters.sqesPerSubmit.observe(ring.queuedSqes());
        }
        int rc = ring.submitAndWait(1);
        int n = ring.cqReady();
        core.woke(n);
        // ETIME: a timeout fired; EBUSY: the CQ overflowed and completions wait in the backlog.
        if (rc < 0 && rc != -Errno.EINTR && rc != -Errno.ETIME && rc != -Errno.EBUSY) {
            core.fatal("io_uring_enter", rc);
            return;
        }
        if (fileEventsFd >= 0) {
            filesFirst(n);
        }
        for (int i = 0; i < n; i++) {
            long cqe = ring.cqeAddress(i);
            long userData = Cqe.userData(cqe);
            int res = Cqe.res(cqe);
            int flags = Cqe.flags(cqe);
            try {
                complete(userData, res, flags);
            } catch (RuntimeException e) {
                fail(userData, e);
            }
        }
        // Published once per batch: the kernel may reuse the CQE slots from here on.
        ring.cqAdvance(n);
        if (ring.cqOverflowPending()) {
            counters.cqOverflows++;
            // The CQ was full and the kernel kept completions aside (FEAT_NODROP): fetch them next time round.
            ring.flushCqOverflow();
        }
        recvBuffers.publish();
        flushDirty();
    }

    /** Nothing in progress, the kernel's operations included (a receive armed is waiting, not work). */
    @Override
    public boolean idle(Connection c) {
        ProactorState s = states[c.slot];
        return c.idle() && !s.closing() && s.sending == SEND_NONE && s.heldCount == 0;
    }

    @Override
    public boolean closing(Connection c) {
        return states[c.slot].closing();
    }

    @Override
    public void close(Connection c) {
        beginClose(c, states[c.slot]);
    }

    /**
     * Stops accepting (see {@link EventLoop#retire}). Each armed multishot ACCEPT is cancelled
     * (ASYNC_CANCEL by its user_data) and the listen fd is closed only when the accept's last
     * completion has arrived ({@link #onAccept}): the ring holds its own reference to the socket,
     * so a close(2) while the accept is armed would leave the socket listening and accepting for
     * this loop, which no longer wants connections (docs/kernel.md#closing-an-fd-the-ring-still-uses).
     * Connections accepted meanwhile are served. The 1 s tick stops re-arming itself; a 100 ms
     * one keeps graces and the deadline.
     */
    @Override
    public void stopAccepting() {
        for (int i = 0; i < listeners.count(); i++) {
            if (acceptArmed[i]) {
                Sqe.prepCancel(sqe(), userData(OP_ACCEPT, 0, i), 0, userData(OP_CANCEL, 0, 0));
            } else {
                closeListener(i);
            }
        }
        armRetireTick();
    }

    @Override
    public int ownFds() {
        return (ring != null ? 1 : 0) + 2 * pipes.open();
    }

    @Override
    public int pipesInUse() {
        return pipes.inUse();
    }

    @Override
    public int pipesPooled() {
        return pipes.pooled();
    }

    @Override
    public int receiveBuffersHeld() {
        int n = 0;
        for (int i = 0; i < core.table.created(); i++) {
            ProactorState s = states[i];
            if (s != null) {
                n += s.heldCount;
            }
        }
        return n;
    }

    /**
     * Closes a listen fd whose accept is no longer armed. Connections whose handshake the kernel
     * completed are still in its backlog: accepted here (the fd is non-blocking: EAGAIN when
     * empty) and served, rather than reset by the close when this fd is the socket's last reference.
     */
    private void closeListener(int listenIndex) {
        int fd = listeners.fd(listenIndex);
        if (fd < 0) {
            return;
        }
        for (int i = 0; i < RETIRE_BACKLOG_ACCEPTS_MAX; i++) {
            int accepted = sys.accept4(fd, SOCK_CLOEXEC);
            if (accepted < 0) {
                if (accepted == -Errno.ECONNABORTED || accepted == -Errno.EINTR) {
                    continue;
                }
                break;
            }
            openConnection(accepted);
        }
        listeners.close(listenIndex);
    }

    // ------------------------------------------------------------------ submissions

    private long sqe() {
        long sqe = ring.nextSqe();
        if (sqe == 0) {
            // SQ full: submit what is queued (without waiting) and take a fresh entry.
            ring.submitAndWait(0);
            sqe = ring.nextSqe();
            if (sqe == 0) {
                throw new IllegalStateException("io_uring SQ full after submit");
            }
        }
        return sqe;
    }

    /** Arms the multishot accept of every listener whose accept ended while descriptors were short. */
    @Override
    public void resumeAccepting() {
        for (int i = 0; i < acceptArmed.length; i++) {
            if (!acceptArmed[i] && listeners.fd(i) >= 0) {
                armAccept(i);
            }
        }
    }

    private void armAccept(int listenIndex) {
        acceptArmed[listenIndex] = true;
        Sqe.prepAcceptMultishot(sqe(), listeners.fd(listenIndex), SOCK_CLOEXEC, userData(OP_ACCEPT, 0, listenIndex));
    }

    private void armWake() {
        Sqe.prepRw(sqe(), IORING_OP_READ, core.wakeFd(), wakeBuffer, 8, 0, userData(OP_WAKE, 0, 0));
    }

    private void armFileEvents() {
        Sqe.prepPollMultishot(sqe(), fileEventsFd, POLLIN, userData(OP_FILE_EVENTS, 0, 0));
    }

    /**
     * Files changed: the cache forgets them before any completion of this batch is handled, so a
     * request sent after a deploy's rename(2) returned gets the new file (docs/freshness.md). The
     * poll only says the inotify fd is readable; one read(2) takes the events.
     */
    private void filesFirst(int n) {
        for (int i = 0; i < n; i++) {
            if (opOf(Cqe.userData(ring.cqeAddress(i))) == OP_FILE_EVENTS) {
                core.handler.onFileEvents();
                return;
            }
        }
    }

    private void armTick() {
        Sqe.prepTimeout(sqe(), tickTimespec, 0, 0, userData(OP_TICK, 0, TICK));
    }

    private void armRetireTick() {
        Sqe.prepTimeout(sqe(), retireTickTimespec, 0, 0, userData(OP_TICK, 0, RETIRE_TICK));
    }

    private void armRecv(Connection c, ProactorState s) {
        Sqe.prepRecvMultishot(sqe(), c.fd, RECV_BUFFER_GROUP, 0, userData(OP_RECV, c.generation, c.slot));
        s.receiving = 1;
        s.inflight++;
    }

    private void cancelRecv(Connection c) {
        Sqe.prepCancel(sqe(), userData(OP_RECV, c.generation, c.slot), 0, userData(OP_CANCEL, 0, 0));
    }

    // ------------------------------------------------------------------ completions

    private void complete(long userData, int res, int flags) {
        int op = opOf(userData);
        switch (op) {
            case OP_ACCEPT -> onAccept(slotOf(userData), res, flags);
            case OP_TICK -> {
                if (slotOf(userData) == RETIRE_TICK) {
                    armRetireTick();
                } else if (!core.retirement.active()) {
                    armTick();
                }
            }
            case OP_WAKE -> {
                if (core.running()) {
                    armWake();
                }
            }
            case OP_FILE_EVENTS -> {
                if ((flags & IORING_CQE_F_MORE) == 0 && core.running()) {
                    armFileEvents(); // the kernel ended the multishot poll (an error, or CQ overflow)
                }
            }
            case OP_CANCEL -> {
                // The cancelled operation completes on its own (with -ECANCELED); nothing to do here.
            }
            default -> {
                // The op byte sits above the 24 generation bits: the table ignores it.
                Connection c = core.table.live(userData);
                if (c == null) {
                    counters.staleEvents++;
                    if (op == OP_SEND_ZC) {
                        throw new IllegalStateException("SEND_ZC completion after its connection closed");
                    }
                    if (op == OP_RECV && (flags & IORING_CQE_F_BUFFER) != 0) {
                        recvBuffers.add(Cqe.bufferId(flags));
                    }
                    return;
                }
                ProactorState s = states[c.slot];
                switch (op) {
                    case OP_RECV -> onRecv(c, s, res, flags);
                    case OP_SEND -> onSend(c, s, res);
                    case OP_SPLICE_IN -> onSpliceIn(c, s, res);
                    case OP_SPLICE_OUT -> onSpliceOut(c, s, res);
                    case OP_SEND_ZC -> onSendZc(c, s, res, flags);
                    default -> throw new IllegalStateException("unknown op " + op);
                }
            }
        }
    }

    /** A bug met while handling a completion closes its connection (when it names one). */
    private void fail(long userData, RuntimeException e) {
        core.fail(namesAConnection(opOf(userData)) ? core.table.live(userData) : null, e);
    }

    /** Whether an op's user_data names a connection (generation and slot), not a listener or the loop itself. */
    static boolean namesAConnection(int op) {
        return switch (op) {
            case OP_RECV, OP_SEND, OP_SPLICE_IN, OP_SPLICE_OUT, OP_SEND_ZC -> true;
            default -> false;
        };
    }

    private void onAccept(int listenIndex, int res, int flags) {
        boolean ended = (flags & IORING_CQE_F_MORE) == 0;
        boolean outOfFds = res == -Errno.EMFILE || res == -Errno.ENFILE;
        if (outOfFds) {
            // The multishot accept ends on it; armed again it would fail at once, again and again.
            core.pauseAccepting(-res);
        }
        if (ended) {
            acceptArmed[listenIndex] = false;
            if (core.running() && !core.retirement.active() && !core.acceptPaused()) {
                // A multishot accept ended (an error, or the kernel dropped it): re-arm.
                armAccept(listenIndex);
            }
        }
        if (res >= 0) {
            // Also while retiring: a connection the kernel handed over before the cancel is served.
            openConnection(res);
        } else if (outOfFds) {
            // paused above; resumeAccepting arms it again
        } else if (res != -Errno.ECANCELED && res != -Errno.ECONNABORTED) {
            log.warn("loop-{}: accept failed: {}", index, Errno.describe(res));
        }
        if (ended && core.retirement.active()) {
            // The cancelled accept's last completion: the ring no longer holds the socket.
            closeListener(listenIndex);
        }
    }

    private void openConnection(int fd) {
        Connection c = core.open(fd);
        if (c == null) {
            return;
        }
        ProactorState s = states[c.slot];
        if (s == null) {
            s = new ProactorState(); // once per slot, as the table builds its Connection
            states[c.slot] = s;
        }
        s.open();
        // Multishot ACCEPT has no per-connection address buffer: one getpeername per connection.
        NativeMemory.putInt(peerLengthAddress, Sockaddr.STORAGE_BYTES);
        if (sys.getpeername(fd, peerAddress, peerLengthAddress) >= 0) {
            c.recordPeer(peerAddress);
        }
        core.waitForClient(c); // the header-read timeout (the idle grace while retiring)
        armRecv(c, s);
    }

    private void onRecv(Connection c, ProactorState s, int res, int flags) {
        s.inflight--;
        boolean more = (flags & IORING_CQE_F_MORE) != 0;
        if (more) {
            s.inflight++;
        } else {
            s.receiving = 0;
        }
        if (res > 0) {
            int bid = Cqe.bufferId(flags);
            if (!s.serving()) {
                recvBuffers.add(bid); // lingering (drained) or closing
            } else {
                if (c.headStartedMs == 0) {
                    c.headStartedMs = core.nowMs;
                }
                if (core.timed()) {
                    c.inputRead();
                }
                if (!received(c, s, bid, res)) {
                    recvBuffers.add(bid);
                }
            }
            if (!more && s.wantsReceive()) {
                armRecv(c, s);
            }
        } else if (res == -Errno.ENOBUFS) {
            // The buffer ring ran dry: the multishot ended; more buffers if it may grow, and re-arm
            // (buffers also come back as requests finish).
            counters.readEagain++;
            counters.bufferRingExhausted++;
            recvBuffers.grow();
            if (s.wantsReceive()) {
                armRecv(c, s);
            }
        } else if (res == -Errno.ECANCELED && !s.closing()) {
            // Our backpressure cancel: a paused receive resumes once the held input is served
            // (below); a lingering close that began meanwhile keeps draining.
            if (s.phase == LINGERING) {
                armRecv(c, s);
            }
        } else {
            // 0 = peer closed; -ECANCELED = our close's cancel; other = error.
            c.peerClosed = true;
            if (!s.closing() && !c.hasUnsentOutput() && s.sending == SEND_NONE) {
                beginClose(c, s);
            }
        }
        if (s.phase == PAUSED && s.receiving == 0 && s.heldCount == 0) {
            // The pause ended (held input served) before the cancelled receive completed: resume now.
            s.phase = OPEN;
            armRecv(c, s);
        }
        maybeFinishClose(c, s);
    }

    /**
     * New bytes for a connection: parse and plan every complete request among them, appending
     * responses to the connection's output; keep a partial request for the next receive.
     *
     * @return true if the receive buffer was kept (held back), false if it can go back to the ring
     */
    private boolean received(Connection c, ProactorState s, int bid, int length) {
        long data = recvBuffers.bufferAddress(bid);
        if (s.heldCount > 0) {
            // Older input is held back: keep the order.
            return hold(c, s, bid, length);
        }
        long inBase;
        int inStart;
        int inEnd;
        if (c.inEnd > c.inStart || waitsForResponse(c)) {
            // Earlier bytes wait (a partial head, or requests held back while a body is sent): append.
            if (c.inAddress == 0) {
                c.inAddress = core.pool.take();
                c.inStart = c.inEnd = 0;
            }
            if (c.inEnd + length > bufferBytes && c.inStart > 0) {
                NativeMemory.copy(c.inAddress + c.inStart, c.inAddress, c.inEnd - c.inStart);
                c.inEnd -= c.inStart;
                c.inStart = 0;
            }
            if (c.inEnd + length > bufferBytes) {
                // The client is a buffer ahead of its responses: keep this receive buffer and pause.
                return hold(c, s, bid, length);
            }
            NativeMemory.copy(data, c.inAddress + c.inEnd, length);
            c.inEnd += length;
            if (waitsForResponse(c)) {
                return false;
            }
            inBase = c.inAddress;
            inStart = c.inStart;
            inEnd = c.inEnd;
        } else {
            // The common case: parse straight from the provided buffer, no copy.
            inBase = data;
            inStart = 0;
            inEnd = length;
        }
        inStart = serve(c, s, inBase, inStart, inEnd);
        keepLeftover(c, inBase, inStart, inEnd);
        if (c.hasUnsentOutput()) {
            markDirty(c, s);
        } else {
            core.giveBackEmpty(c);
        }
        return false;
    }

    /** Requests must wait: a response body is still being sent, or the connection closes after it. */
    private static boolean waitsForResponse(Connection c) {
        return c.pending != null || c.closeAfterSend;
    }

    /**
     * Keeps a receive buffer out of the ring (backpressure) and cancels the multishot receive, so
     * at most a few buffers per connection are held; returns true (the buffer is kept).
     */
    private boolean hold(Connection c, ProactorState s, int bid, int length) {
        if (s.heldCount == HELD_BUFFERS_MAX) {
            log.debug("loop-{}: fd {} is more than {} receive buffers ahead of its responses; closing",
                    index, c.fd, HELD_BUFFERS_MAX);
            c.closeReason = LoopCounters.CLOSE_LIMIT;
            beginClose(c, s);
            return false;
        }
        s.heldBids[s.heldCount] = bid;
        s.heldLengths[s.heldCount] = length;
        s.heldCount++;
        if (s.phase == OPEN) {
            s.phase = PAUSED;
            if (s.receiving > 0) {
                cancelRecv(c);
            }
        }
        return true;
    }

    /**
     * Moves held receive buffers into the input buffer as room appears (their requests are
     * served by the caller), and resumes receiving when none is left.
     */
    private void releaseHeld(Connection c, ProactorState s) {
        while (s.heldCount > 0) {
            int length = s.heldLengths[0];
            if (c.inAddress == 0) {
                c.inAddress = core.pool.take();
                c.inStart = c.inEnd = 0;
            } else if (c.inStart > 0) {
                NativeMemory.copy(c.inAddress + c.inStart, c.inAddress, c.inEnd - c.inStart);
                c.inEnd -= c.inStart;
                c.inStart = 0;
            }
            if (c.inEnd + length > bufferBytes) {
                return;
            }
            int bid = s.heldBids[0];
            NativeMemory.copy(recvBuffers.bufferAddress(bid), c.inAddress + c.inEnd, length);
            c.inEnd += length;
            recvBuffers.add(bid);
            s.heldCount--;
            System.arraycopy(s.heldBids, 1, s.heldBids, 0, s.heldCount);
            System.arraycopy(s.heldLengths, 1, s.heldLengths, 0, s.heldCount);
        }
        if (s.phase == PAUSED && s.receiving == 0) {
            s.phase = OPEN;
            armRecv(c, s);
        }
    }

    /** Gives every held receive buffer back to the ring: their requests will never be served. */
    private void dropHeld(ProactorState s) {
        if (recvBuffers != null) {
            for (int i = 0; i < s.heldCount; i++) {
                recvBuffers.add(s.heldBids[i]);
            }
        }
        s.heldCount = 0;
    }

    /** Answers complete requests in [inStart, inEnd) into the connection's output; returns where it stopped. */
    private int serve(Connection c, ProactorState s, long inBase, int inStart, int inEnd) {
        if (inStart == inEnd || waitsForResponse(c)) {
            return inStart;
        }
        if (c.outAddress == 0) {
            c.outAddress = core.pool.take();
            c.outStart = c.outEnd = 0;
        }
        int at = core.serve(c, inBase, inStart, inEnd, c.outAddress);
        if (at == LoopCore.SERVE_FAILED) {
            beginClose(c, s);
            return inEnd; // nothing more of this input will be served
        }
        return at;
    }

    private void keepLeftover(Connection c, long inBase, int inStart, int inEnd) {
        if (inBase == c.inAddress) {
            c.inStart = inStart;
            if (c.inStart == c.inEnd) {
                core.pool.give(c.inAddress);
                c.inAddress = 0;
                c.inStart = c.inEnd = 0;
            }
            return;
        }
        int left = inEnd - inStart;
        if (left > 0) {
            c.inAddress = core.pool.take();
            NativeMemory.copy(inBase + inStart, c.inAddress, left);
            c.inStart = 0;
            c.inEnd = left;
        }
    }

    private void markDirty(Connection c, ProactorState s) {
        if (!s.dirty && !s.closing()) {
            s.dirty = true;
            dirty[dirtyCount++] = c;
        }
    }

    /** After a batch of completions: one SEND (or splice) per connection with something to send. */
    private void flushDirty() {
        for (int i = 0; i < dirtyCount; i++) {
            Connection c = dirty[i];
            dirty[i] = null;
            ProactorState s = states[c.slot];
            s.dirty = false;
            if (c.fd >= 0 && !s.closing()) {
                try {
                    pump(c, s);
                } catch (RuntimeException e) {
                    core.fail(c, e);
                }
            }
        }
        dirtyCount = 0;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Starts the next send for a connection if none is in flight: buffered bytes first,
     * then the pending response's body parts. When everything is sent, resumes serving
     * held requests, or closes.
     */
    private void pump(Connection c, ProactorState s) {
        if (s.sending != SEND_NONE) {
            return;
        }
        unmapIfDone(s);
        if (c.outEnd > c.outStart) {
            int len = c.outEnd - c.outStart;
            // More bytes follow right away (a file body): MSG_MORE lets the head share a segment with them.
            int flags = c.pending != null ? MSG_MORE : 0;
            Sqe.prepSend(sqe(), c.fd, c.outAddress + c.outStart, len, flags, userData(OP_SEND, c.generation, c.slot));
            startedSend(s, SEND_OUTPUT, len);
            return;
        }
        if (c.outAddress != 0) {
            core.pool.give(c.outAddress);
            c.outAddress = 0;
            c.outStart = c.outEnd = 0;
        }
        while (c.pending != null) {
            ResponsePlan p = c.pending;
            int i = c.pendingPart;
            if (i == p.partCount) {
                core.finishPending(c);
                break;
            }
            long remaining = p.partLength[i] - c.pendingPartSent;
            if (p.partKind[i] == ResponsePlan.PART_BYTES) {
                int len = (int) Math.min(remaining, Integer.MAX_VALUE);
                int flags = i + 1 < p.partCount ? MSG_MORE : 0;
                Sqe.prepSend(sqe(), c.fd, p.partSegment[i].address() + p.partOffset[i] + c.pendingPartSent, len, flags,
                        userData(OP_SEND, c.generation, c.slot));
                startedSend(s, SEND_PART, len);
                return;
            }
            // One mapping per connection: a part that would need a second one while the first
            // still waits for notifications (pipelined or multipart bodies) is spliced instead.
            if (sendZcBytesMin > 0 && p.partLength[i] >= sendZcBytesMin && (s.mapAddress == 0 || !s.mapRetired)) {
                startSendZc(c, s, p, i, remaining);
            } else {
                startSplice(c, s, p, i, remaining);
            }
            return;
        }
        // All sent.
        c.responsesHandedOver(counters);
        if (c.closeAfterSend) {
            closeAfterResponse(c, s);
            return;
        }
        releaseHeld(c, s);
        if (c.inEnd > c.inStart) {
            // Requests that arrived while the response was being sent.
            int at = serve(c, s, c.inAddress, c.inStart, c.inEnd);
            keepLeftover(c, c.inAddress, at, c.inEnd);
            if (c.hasUnsentOutput() && c.fd >= 0 && !s.closing()) {
                pump(c, s);
                return;
            }
            if (s.heldCount > 0 || s.phase == PAUSED) {
                releaseHeld(c, s);
                if (c.inEnd > c.inStart && !s.closing()) {
                    markDirty(c, s);
                }
            }
        } else if (c.peerClosed) {
            beginClose(c, s);
        }
        if (!c.hasUnsentOutput()) {
            core.giveBackEmpty(c);
            core.waitForClient(c);
        }
    }

    private static void startedSend(ProactorState s, int kind, int length) {
        s.sending = kind;
        s.sendLength = length;
        s.inflight++;
    }

    private void onSend(Connection c, ProactorState s, int res) {
        s.inflight--;
        int kind = s.sending;
        s.sending = SEND_NONE;
        if (s.closing()) {
            maybeFinishClose(c, s);
            return;
        }
        if (res < 0) {
            if (res != -Errno.EPIPE && res != -Errno.ECONNRESET) {
                log.debug("loop-{}: send on fd {} failed: {}", index, c.fd, Errno.describe(res));
                c.closeReason = LoopCounters.CLOSE_ERROR;
            }
            beginClose(c, s);
            return;
        }
        core.sent(c);
        if (res < s.sendLength) {
            counters.partialWrites++;
        }
        if (kind == SEND_PART) {
            counters.bytesFromMemory += res;
            c.pendingPartSent += res;
            if (c.pendingPartSent == c.pending.partLength[c.pendingPart]) {
                c.pendingPart++;
                c.pendingPartSent = 0;
            }
        } else {
            c.outStart += res;
        }
        pump(c, s);
    }

    // ------------------------------------------------------------------ SEND_ZC

    /**
     * SEND_ZC from an mmap of the file part: the pages go to the NIC without a copy (on a real
     * NIC that supports it; loopback always copies, docs/kernel.md#send_zc-and-its-notification, and each chunk costs a second
     * CQE, the notification). The mapping lives until the last notification arrived.
     */
    private void startSendZc(Connection c, ProactorState s, ResponsePlan p, int part, long remaining) {
        if (s.mapAddress == 0) {
            long offset = p.partOffset[part];
            long pageStart = offset & ~(NativeMemory.PAGE_BYTES - 1);
            long length = p.partLength[part] + (offset - pageStart);
            long address = sys.mmap(0, length, MmapConstants.PROT_READ, MmapConstants.MAP_SHARED, p.fileFd(), pageStart);
            if (address < 0) {
                log.warn("loop-{}: mmap for SEND_ZC failed ({}); splicing instead", index, Errno.describe((int) address));
                startSplice(c, s, p, part, remaining);
                return;
            }
            s.mapAddress = address;
            s.mapLength = length;
            s.mapDelta = offset - pageStart;
            s.mapRetired = false;
        }
        int chunk = (int) Math.min(remaining, ZC_CHUNK_BYTES);
        Sqe.prepSendZc(sqe(), c.fd, s.mapAddress + s.mapDelta + c.pendingPartSent, chunk, 0,
                IORING_SEND_ZC_REPORT_USAGE, userData(OP_SEND_ZC, c.generation, c.slot));
        startedSend(s, SEND_ZC, chunk);
    }

    private void onSendZc(Connection c, ProactorState s, int res, int flags) {
        if ((flags & IORING_CQE_F_NOTIF) != 0) {
            s.inflight--;
            int sentBytes = s.zcNotified();
            counters.zeroCopyNotifications++;
            if ((res & IORING_NOTIF_USAGE_ZC_COPIED) != 0) {
                counters.zeroCopyCopied++;
                counters.bytesSendZcCopied += sentBytes;
            }
            if (s.closing()) {
                maybeFinishClose(c, s);
            } else {
                unmapIfDone(s);
            }
            return;
        }
        // The result: with F_MORE a notification follows and keeps this operation in flight.
        if ((flags & IORING_CQE_F_MORE) != 0) {
            s.zcAwaitNotification(Math.max(res, 0));
        } else {
            s.inflight--;
        }
        s.sending = SEND_NONE;
        if (s.closing()) {
            maybeFinishClose(c, s);
            return;
        }
        if (res < 0) {
            if (res != -Errno.EPIPE && res != -Errno.ECONNRESET) {
                log.debug("loop-{}: SEND_ZC on fd {} failed: {}", index, c.fd, Errno.describe(res));
                c.closeReason = LoopCounters.CLOSE_ERROR;
            }
            s.mapRetired = true;
            beginClose(c, s);
            return;
        }
        core.sent(c);
        if (res < s.sendLength) {
            counters.partialWrites++;
        }
        counters.bytesFromFile += res;
        counters.bytesSendZc += res;
        c.pendingPartSent += res;
        if (c.pendingPartSent == c.pending.partLength[c.pendingPart]) {
            c.pendingPart++;
            c.pendingPartSent = 0;
            s.mapRetired = true;
        }
        pump(c, s);
    }

    /** Unmaps a finished part's mapping once the kernel no longer references its pages. */
    private void unmapIfDone(ProactorState s) {
        if (s.mapAddress != 0 && s.mapRetired && s.zcNotificationsPending == 0) {
            sys.munmap(s.mapAddress, s.mapLength);
            s.mapAddress = 0;
            s.mapLength = 0;
            s.mapRetired = false;
        }
    }

    // ------------------------------------------------------------------ splice

    /**
     * Two linked SPLICEs: file → pipe, then pipe → socket. io_uring has no sendfile; a pipe
     * from the loop's pool carries the pages (no copy through user space), one per body in flight.
     */
    private void startSplice(Connection c, ProactorState s, ResponsePlan p, int part, long remaining) {
        if (s.pipe < 0) {
            s.pipe = pipes.take();
            if (s.pipe < 0) {
                log.error("loop-{}: cannot create a pipe for splice: {}", index, Errno.describe(s.pipe));
                s.pipe = -1;
                c.closeReason = LoopCounters.CLOSE_ERROR;
                beginClose(c, s);
                return;
            }
        }
        int chunk = (int) Math.min(remaining, pipes.capacity(s.pipe));
        long sqe1 = sqe();
        Sqe.prepSplice(sqe1, p.fileFd(), p.partOffset[part] + c.pendingPartSent, pipes.writeFd(s.pipe), -1, chunk, 0,
                userData(OP_SPLICE_IN, c.generation, c.slot));
        Sqe.addFlags(sqe1, IOSQE_IO_LINK);
        long sqe2 = sqe();
        Sqe.prepSplice(sqe2, pipes.readFd(s.pipe), -1, c.fd, -1, chunk, 0, userData(OP_SPLICE_OUT, c.generation, c.slot));
        s.sending = SPLICE;
        s.sendLength = chunk;
        s.spliceIn = -1;
        s.inflight += 2;
    }

    private void onSpliceIn(Connection c, ProactorState s, int res) {
        s.inflight--;
        s.spliceIn = res;
        if (res >= 0 && res < s.sendLength) {
            // A short splice breaks the link: the pipe → socket half gets -ECANCELED and is resubmitted below.
            counters.partialWrites++;
        }
        if (res == 0 && !s.closing()) {
            log.warn("loop-{}: file truncated while being sent; closing connection fd {}", index, c.fd);
            c.closeReason = LoopCounters.CLOSE_ERROR;
            beginClose(c, s);
        }
        maybeFinishClose(c, s);
    }

    private void onSpliceOut(Connection c, ProactorState s, int res) {
        s.inflight--;
        if (s.closing()) {
            maybeFinishClose(c, s);
            return;
        }
        if (s.spliceIn < 0) {
            if (s.spliceIn != -1 || res != -Errno.ECANCELED) {
                log.debug("loop-{}: splice from file failed on fd {}: {}", index, c.fd, Errno.describe(s.spliceIn));
                c.closeReason = LoopCounters.CLOSE_ERROR;
            }
            beginClose(c, s);
            return;
        }
        int moved = res == -Errno.ECANCELED ? 0 : res;
        if (res < 0 && res != -Errno.ECANCELED) {
            beginClose(c, s);
            return;
        }
        s.pipeBytes += s.spliceIn - moved;
        c.pendingPartSent += moved;
        counters.bytesFromFile += moved;
        counters.bytesSplice += moved;
        core.sent(c);
        if (s.pipeBytes > 0) {
            // Bytes left in the pipe must reach the socket before anything else does.
            Sqe.prepSplice(sqe(), pipes.readFd(s.pipe), -1, c.fd, -1, (int) s.pipeBytes, 0,
                    userData(OP_SPLICE_OUT, c.generation, c.slot));
            s.spliceIn = (int) s.pipeBytes;
            s.pipeBytes = 0;
            s.inflight++;
            return;
        }
        s.sending = SEND_NONE;
        ResponsePlan p = c.pending;
        if (c.pendingPartSent == p.partLength[c.pendingPart]) {
            c.pendingPart++;
            c.pendingPartSent = 0;
        }
        if (c.pendingPart == p.partCount || p.partKind[c.pendingPart] != ResponsePlan.PART_FILE) {
            pipes.give(s.pipe);
            s.pipe = -1;
        }
        pump(c, s);
    }

    // ------------------------------------------------------------------ closing

    /** Lingering close (see EpollLoop): FIN first, drain what the peer still sends. */
    private void closeAfterResponse(Connection c, ProactorState s) {
        if (c.peerClosed) {
            beginClose(c, s);
            return;
        }
        sys.shutdown(c.fd, SHUT_WR);
        c.lingering = true;
        s.phase = LINGERING;
        dropHeld(s);
        c.deadlineMs = core.nowMs + LoopCore.LINGER_MS;
        if (s.receiving == 0) {
            armRecv(c, s);
        }
    }

    /**
     * Stops a connection: shutdown(2) makes its armed receive complete (a plain close(2) would
     * not, docs/kernel.md#closing-an-fd-the-ring-still-uses), and the fd is closed once no operation refers to it any more.
     */
    private void beginClose(Connection c, ProactorState s) {
        if (s.closing()) {
            return;
        }
        s.phase = CLOSING;
        sys.shutdown(c.fd, SHUT_RDWR);
        if (s.receiving > 0) {
            cancelRecv(c);
        }
        maybeFinishClose(c, s);
    }

    private void maybeFinishClose(Connection c, ProactorState s) {
        if (!s.closing() || s.inflight > 0 || c.fd < 0) {
            return;
        }
        dropHeld(s);
        if (s.mapAddress != 0) {
            // No operation is in flight any more: no notification can still reference the pages.
            sys.munmap(s.mapAddress, s.mapLength);
            s.mapAddress = 0;
        }
        if (s.pipe >= 0) {
            // A pipe that may still hold bytes of this response cannot serve another.
            if (s.sending == SPLICE || s.pipeBytes > 0) {
                pipes.discard(s.pipe);
            } else {
                pipes.give(s.pipe);
            }
            s.pipe = -1;
        }
        s.sending = SEND_NONE;
        s.phase = FREE;
        core.release(c);
    }

    @Override
    public void closeEverything() {
        // Closing the ring cancels every operation it holds: then fds really close. The buffer
        // ring is unregistered first (through the ring).
        if (recvBuffers != null) {
            recvBuffers.close();
            recvBuffers = null;
        }
        if (ring != null) {
            ring.close();
            ring = null;
        }
        for (int i = 0; i < core.table.created(); i++) {
            Connection c = core.table.get(i);
            if (c.fd >= 0) {
                ProactorState s = states[i];
                if (!s.closing()) {
                    c.closeReason = LoopCounters.CLOSE_SHUTDOWN;
                }
                s.inflight = 0;
                s.phase = CLOSING;
                maybeFinishClose(c, s);
            }
        }
        pipes.close();
    }
}
