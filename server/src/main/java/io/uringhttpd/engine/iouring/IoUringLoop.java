package io.uringhttpd.engine.iouring;

import static io.uringhttpd.sys.IoUringConstants.*;
import static io.uringhttpd.sys.SocketConstants.*;

import io.uringhttpd.engine.BufferPool;
import io.uringhttpd.engine.Connection;
import io.uringhttpd.engine.ConnectionTable;
import io.uringhttpd.engine.EventLoop;
import io.uringhttpd.engine.LoopCounters;
import io.uringhttpd.engine.LoopMetrics;
import io.uringhttpd.engine.LoopSettings;
import io.uringhttpd.engine.Retirement;
import io.uringhttpd.engine.PlanBodies;
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
import io.uringhttpd.sys.SyscallCounts;
import io.uringhttpd.sys.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The io_uring proactor: submissions and completions instead of readiness.
 *
 * <p>One ring per platform thread (SINGLE_ISSUER | DEFER_TASKRUN: completions run only
 * inside this thread's io_uring_enter, KERNEL.md). Each loop iteration makes one
 * io_uring_enter that submits everything queued and waits for completions. A listen
 * socket has one multishot ACCEPT armed; each connection one multishot RECV drawing
 * from a provided buffer ring, so an idle connection holds no buffer of its own.
 * Responses are planned by the same {@link StaticFileHandler} as the reactor's; heads
 * and small bodies leave in one SEND per connection per iteration (pipelined
 * responses coalesce), file bodies by SPLICE file → pooled pipe → socket.
 *
 * <p>user_data = op (8 bits) | generation (24 bits) | slot (32 bits): a completion for
 * a slot that was closed and reused is recognised as stale and dropped.
 */
public final class IoUringLoop implements EventLoop {
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

    private static final int GENERATION_MASK = ConnectionTable.GENERATION_MASK;
    private static final long TICK_MS = 1_000;
    /** While retiring: idle graces and the deadline are kept to within this (a retirement is short). */
    private static final long RETIRE_TICK_MS = 100;
    /** OP_TICK slots: the loop's timer, and the faster one of a retiring loop. */
    private static final int TICK = 0;
    private static final int RETIRE_TICK = 1;
    /** While retiring, connections accepted with accept4(2) from a backlog before its fd closes. */
    private static final int RETIRE_BACKLOG_ACCEPTS_MAX = 1024;
    private static final long LINGER_MS = 2_000;
    /** Provided receive buffers: 8 KiB holds 16 pipelined wrk-style requests; 1024 per loop = 8 MiB, not charged to memlock. */
    private static final int RECV_BUFFER_BYTES = 8 * 1024;
    private static final int RECV_BUFFERS = 1024;
    private static final int RECV_BUFFER_GROUP = 0;
    /**
     * The capacity asked for each pooled pipe (F_SETPIPE_SZ; fs.pipe-max-size, 1 MiB by
     * default, is the unprivileged maximum). Measured on 1 MiB bodies with wrk -c64 (bench/run.sh,
     * bench/RESULTS.md): 256 KiB pipes cost 1.62x epoll's CPU per request, 1 MiB pipes 1.01x:
     * io_uring/splice.c refuses to splice without blocking (-EAGAIN under
     * IO_URING_F_NONBLOCK), so every SPLICE runs on an io-wq worker: fewer, larger pairs save the most.
     */
    private static final int PIPE_BYTES = 1024 * 1024;
    /** Bytes per SEND_ZC: a 1 MiB send fills loopback's socket buffer; one in flight per connection. */
    private static final int ZC_CHUNK_BYTES = 1 << 20;

    private final int index;
    private final LoopSettings settings;
    private final Syscalls sys;
    private final LoopCounters counters = new LoopCounters();
    private final StaticFileHandler handler;
    private final int[] listenFds;
    private final int[] localPorts;
    private final int ringEntries;
    private final int setupFlags;
    private final int sqpollIdleMs;
    /** File parts of at least this many bytes go by SEND_ZC from an mmap (0 = never: splice). */
    private final long sendZcBytesMin;

    private final Arena arena = Arena.ofShared();
    private final long tickTimespec;
    private final long retireTickTimespec;
    private final long wakeBuffer;
    private final long peerAddress;
    private final long peerLengthAddress;
    private final int bufferBytes;
    private final BufferPool pool;

    private IoUring ring;
    private BufferRing recvBuffers;
    private final PipePool pipes;

    private final ConnectionTable table;
    /** The proactor's own state of each slot, parallel to {@link #table}, built with it. */
    private final ProactorState[] states;

    /** Connections with output to submit after this batch of completions. */
    private final Connection[] dirty;
    private int dirtyCount;

    private ResponsePlan plan;
    private final ResponsePlan[] sparePlans = new ResponsePlan[64];
    private int sparePlanCount;

    private int wakeFd = -1;
    private long nowMs;
    private long nextScanMs;
    private long lastLimitLogMs;
    private volatile boolean running = true;
    private final Object wakeLock = new Object();
    /** Null: metrics off, and nothing is recorded that only they read (durations, batch sizes). */
    private LoopMetrics metrics;

    /** A multishot ACCEPT is armed on the listen fd of that index. */
    private final boolean[] acceptArmed;
    private final Retirement retirement;

    /**
     * @param listenFds listening sockets owned by this loop from now on (closed when it stops),
     *                  non-blocking (ListenSockets opens and adopts them so): the backlog is
     *                  drained with accept4 when the loop retires
     */
    public IoUringLoop(int index, LoopSettings settings, Syscalls sys, StaticFileHandler handler, int[] listenFds,
                       int ringEntries, int setupFlags, int sqpollIdleMs, long sendZcBytesMin) {
        this.index = index;
        this.retirement = new Retirement(index);
        this.settings = settings;
        this.sys = sys;
        this.handler = handler;
        this.listenFds = listenFds.clone();
        this.localPorts = new int[listenFds.length];
        for (int i = 0; i < listenFds.length; i++) {
            localPorts[i] = sys.localPort(listenFds[i]);
        }
        this.ringEntries = ringEntries;
        this.setupFlags = setupFlags;
        this.sqpollIdleMs = sqpollIdleMs;
        this.sendZcBytesMin = sendZcBytesMin;
        this.bufferBytes = settings.bufferBytes();
        this.pool = new BufferPool(bufferBytes, arena);
        this.tickTimespec = arena.allocate(KernelTimespec.BYTES, 8).address();
        KernelTimespec.set(tickTimespec, TICK_MS / 1000, 0);
        this.retireTickTimespec = arena.allocate(KernelTimespec.BYTES, 8).address();
        KernelTimespec.set(retireTickTimespec, 0, RETIRE_TICK_MS * 1_000_000);
        this.acceptArmed = new boolean[listenFds.length];
        this.wakeBuffer = arena.allocate(8, 8).address();
        this.peerAddress = arena.allocate(Sockaddr.STORAGE_BYTES, 8).address();
        this.peerLengthAddress = arena.allocate(4, 4).address();
        this.table = new ConnectionTable(settings.connectionsMax(), handler::newConnectionState);
        this.states = new ProactorState[settings.connectionsMax()];
        this.dirty = new Connection[settings.connectionsMax()];
        this.plan = handler.newPlan();
        this.pipes = new PipePool(sys, PIPE_BYTES);
        wakeFd = sys.eventfd(0, EventfdConstants.EFD_CLOEXEC);
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd: " + Errno.describe(wakeFd));
        }
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

    @Override
    public String engine() {
        return "io_uring";
    }

    @Override
    public int[] localPorts() {
        return localPorts.clone();
    }

    @Override
    public LoopCounters counters() {
        return counters;
    }

    @Override
    public SyscallCounts syscalls() {
        return sys.counts;
    }

    @Override
    public int connectionsOpen() {
        return (int) counters.connectionsOpen;
    }

    @Override
    public void stop() {
        synchronized (wakeLock) {
            if (!running || wakeFd < 0) {
                return;
            }
            running = false;
            wake();
        }
    }

    @Override
    public void retire(long idleGraceMs, long deadlineMs) {
        synchronized (wakeLock) {
            if (!running || wakeFd < 0) {
                return;
            }
            retirement.request(idleGraceMs, deadlineMs);
            wake();
        }
    }

    /**
     * From a foreign thread, under wakeLock: a SINGLE_ISSUER ring takes no submission from here
     * (-EEXIST), so the loop keeps a READ armed on an eventfd; a short-lived Syscalls keeps the
     * loop's own one single-threaded.
     */
    private void wake() {
        new Syscalls().eventfdWrite(wakeFd, 1);
    }

    @Override
    public void publishTo(LoopMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void run() {
        // The ring is created on the loop's own thread: SINGLE_ISSUER binds it to the first submitter.
        ring = IoUring.setup(sys, ringEntries, setupFlags, 0, sqpollIdleMs);
        recvBuffers = BufferRing.register(ring, RECV_BUFFER_GROUP, RECV_BUFFERS, RECV_BUFFER_BYTES);
        nowMs = System.currentTimeMillis();
        nextScanMs = nowMs + TICK_MS;
        handler.tick(nowMs);
        for (int i = 0; i < listenFds.length; i++) {
            armAccept(i);
        }
        armWake();
        armTick();
        if (metrics != null) {
            metrics.start(engine());
        }
        try {
            while (running) {
                runOnce();
            }
        } catch (Throwable t) {
            log.error("loop-{} stopped by an unexpected error", index, t);
            throw t;
        } finally {
            closeEverything();
            if (metrics != null) {
                metrics.publish(counters, sys, true);
            }
            log.info("loop-{} ({}) stopped: {}", index, engine(), counters.stopReport(syscalls()));
        }
    }

    private void runOnce() {
        if (metrics != null) {
            counters.sqesPerSubmit.observe(ring.queuedSqes());
        }
        int rc = ring.submitAndWait(1);
        nowMs = System.currentTimeMillis();
        handler.tick(nowMs);
        counters.wakeups++;
        if (rc < 0 && rc != -Errno.EINTR && rc != -62 /* ETIME */ && rc != -16 /* EBUSY: CQ overflow backlog, completions are waiting */) {
            log.error("loop-{}: io_uring_enter failed: {}", index, Errno.describe(rc));
            running = false;
            return;
        }
        int n = ring.cqReady();
        counters.events += n;
        if (metrics != null) {
            counters.eventsPerWakeup.observe(n);
        }
        if (retirement.pending()) {
            // Before the completions: a request received in this batch arrived after retire() was
            // asked, so its response must already say Connection: close.
            beginRetire();
        }
        for (int i = 0; i < n; i++) {
            long cqe = ring.cqeAddress(i);
            long userData = Cqe.userData(cqe);
            int res = Cqe.res(cqe);
            int flags = Cqe.flags(cqe);
            try {
                complete(userData, res, flags);
            } catch (RuntimeException e) {
                failConnection(userData, e);
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
        if (nowMs >= nextScanMs) {
            scanTimeouts();
            if (metrics != null) {
                metrics.publish(counters, sys, false);
            }
            nextScanMs = nowMs + (retirement.active() ? RETIRE_TICK_MS : TICK_MS);
        }
        // At the deadline closeEverything() closes the ring (cancelling what it holds), then the connections.
        if (retirement.active() && retirement.over(table.open(), listenersOpen() == 0, nowMs)) {
            running = false;
        }
    }

    // ------------------------------------------------------------------ retirement

    /**
     * Stops accepting and lets the connections finish (see {@link EventLoop#retire}). Each armed
     * multishot ACCEPT is cancelled (ASYNC_CANCEL by its user_data) and the listen fd is closed
     * only when the accept's last completion has arrived ({@link #onAccept}): the ring holds its
     * own reference to the socket, so a close(2) while the accept is armed would leave the socket
     * listening and accepting for this loop, which no longer wants connections (KERNEL.md: closing
     * an fd does not cancel what the ring holds on it). Connections accepted meanwhile are served.
     */
    private void beginRetire() {
        retirement.begin(table.open(), nowMs);
        handler.drain();
        for (int i = 0; i < listenFds.length; i++) {
            if (acceptArmed[i]) {
                Sqe.prepCancel(sqe(), userData(OP_ACCEPT, 0, i), 0, userData(OP_CANCEL, 0, 0));
            } else {
                closeListener(i);
            }
        }
        for (int i = 0; i < table.created(); i++) {
            Connection c = table.get(i);
            if (c.fd >= 0) {
                retirement.limitIdle(c, idle(c, states[i]), nowMs);
            }
        }
        // The 1 s tick stops re-arming itself; this one keeps graces and the deadline to ~100 ms.
        Sqe.prepTimeout(sqe(), retireTickTimespec, 0, 0, userData(OP_TICK, 0, RETIRE_TICK));
        nextScanMs = Math.min(nextScanMs, nowMs + RETIRE_TICK_MS);
    }

    /**
     * Closes a listen fd whose accept is no longer armed. Connections whose handshake the kernel
     * completed are still in its backlog: accepted here (the fd is non-blocking: EAGAIN when
     * empty) and served, rather than reset by the close when this fd is the socket's last reference.
     */
    private void closeListener(int listenIndex) {
        int fd = listenFds[listenIndex];
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
        sys.close(fd);
        listenFds[listenIndex] = -1;
    }

    private int listenersOpen() {
        int n = 0;
        for (int fd : listenFds) {
            if (fd >= 0) {
                n++;
            }
        }
        return n;
    }

    /** Nothing in progress on this connection, the kernel's operations included (a recv armed is waiting, not work). */
    private static boolean idle(Connection c, ProactorState s) {
        return c.idle() && !s.closing && !s.sendInFlight && !s.splicing && s.heldCount == 0;
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

    private void armAccept(int listenIndex) {
        acceptArmed[listenIndex] = true;
        Sqe.prepAcceptMultishot(sqe(), listenFds[listenIndex], SOCK_CLOEXEC, userData(OP_ACCEPT, 0, listenIndex));
    }

    private void armWake() {
        Sqe.prepRw(sqe(), IORING_OP_READ, wakeFd, wakeBuffer, 8, 0, userData(OP_WAKE, 0, 0));
    }

    private void armTick() {
        Sqe.prepTimeout(sqe(), tickTimespec, 0, 0, userData(OP_TICK, 0, TICK));
    }

    private void armRetireTick() {
        Sqe.prepTimeout(sqe(), retireTickTimespec, 0, 0, userData(OP_TICK, 0, RETIRE_TICK));
    }

    private void armRecv(Connection c, ProactorState s) {
        Sqe.prepRecvMultishot(sqe(), c.fd, RECV_BUFFER_GROUP, 0, userData(OP_RECV, c.generation, c.slot));
        s.recvArmed = true;
        s.inflight++;
    }

    // ------------------------------------------------------------------ completions

    private void complete(long userData, int res, int flags) {
        int op = opOf(userData);
        switch (op) {
            case OP_ACCEPT -> onAccept(slotOf(userData), res, flags);
            case OP_TICK -> {
                if (slotOf(userData) == RETIRE_TICK) {
                    armRetireTick();
                } else if (!retirement.active()) {
                    armTick();
                }
            }
            case OP_WAKE -> {
                if (running) {
                    armWake();
                }
            }
            case OP_CANCEL -> {
                // The cancelled operation completes on its own (with -ECANCELED); nothing to do here.
            }
            default -> {
                // The op byte sits above the 24 generation bits: the table ignores it.
                Connection c = table.live(userData);
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

    private void onAccept(int listenIndex, int res, int flags) {
        boolean ended = (flags & IORING_CQE_F_MORE) == 0;
        if (ended) {
            acceptArmed[listenIndex] = false;
            if (running && !retirement.active()) {
                // A multishot accept ended (an error, or the kernel dropped it): re-arm.
                armAccept(listenIndex);
            }
        }
        if (res >= 0) {
            // Also while retiring: a connection the kernel handed over before the cancel is served.
            openConnection(res);
        } else if (res == -Errno.EMFILE || res == -Errno.ENFILE) {
            logLimit("loop-{}: accept: {}: raise the open-file limit (ulimit -n) or lower limits.connections-per-loop",
                    Errno.name(res));
        } else if (res != -Errno.ECANCELED && res != -Errno.ECONNABORTED) {
            log.warn("loop-{}: accept failed: {}", index, Errno.describe(res));
        }
        if (ended && retirement.active()) {
            // The cancelled accept's last completion: the ring no longer holds the socket.
            closeListener(listenIndex);
        }
    }

    private void openConnection(int fd) {
        Connection c = table.take();
        if (c == null) {
            sys.close(fd);
            counters.connectionsOverLimit++;
            logLimit("loop-{}: limits.connections-per-loop ({}) reached: connection refused; raise it",
                    String.valueOf(table.capacity()));
            return;
        }
        ProactorState s = states[c.slot];
        if (s == null) {
            s = new ProactorState(); // once per slot, as the table builds its Connection
            states[c.slot] = s;
        }
        c.open(fd, nowMs);
        s.reset();
        // Multishot ACCEPT has no per-connection address buffer: one getpeername per connection.
        NativeMemory.putInt(peerLengthAddress, Sockaddr.STORAGE_BYTES);
        if (sys.getpeername(fd, peerAddress, peerLengthAddress) >= 0) {
            c.recordPeer(peerAddress);
        }
        counters.accepted++;
        counters.connectionsOpen = table.open();
        sys.setsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        setIdleDeadline(c, s); // the header-read timeout (the idle grace while retiring)
        armRecv(c, s);
    }

    private void onRecv(Connection c, ProactorState s, int res, int flags) {
        s.inflight--;
        boolean more = (flags & IORING_CQE_F_MORE) != 0;
        if (more) {
            s.inflight++;
        } else {
            s.recvArmed = false;
        }
        if (res > 0) {
            int bid = Cqe.bufferId(flags);
            if (s.closing || c.lingering) {
                recvBuffers.add(bid);
            } else {
                if (c.headStartedMs == 0) {
                    c.headStartedMs = nowMs;
                }
                if (metrics != null) {
                    c.inputRead();
                }
                if (!received(c, s, bid, res)) {
                    recvBuffers.add(bid);
                }
            }
            if (!more && c.fd >= 0 && !s.closing && !s.recvPaused) {
                armRecv(c, s);
            }
        } else if (res == -Errno.ENOBUFS) {
            // The buffer ring ran dry: the multishot ended; re-arm (buffers come back as requests finish).
            counters.readEagain++;
            counters.bufferRingExhausted++;
            if (!s.closing && !s.recvPaused) {
                armRecv(c, s);
            }
        } else if (res == -Errno.ECANCELED && s.recvPaused) {
            // Our backpressure cancel: the receive is re-armed once the held input is served.
        } else {
            // 0 = peer closed; -ECANCELED = our cancel; other = error.
            c.peerClosed = true;
            if (!s.closing && !c.hasUnsentOutput() && !s.sendInFlight) {
                beginClose(c, s);
            }
        }
        if (s.recvPaused && !s.recvArmed && s.heldCount == 0 && !s.closing && c.fd >= 0 && !c.lingering) {
            // The pause ended (held input served) before the cancelled receive completed: resume now.
            s.recvPaused = false;
            armRecv(c, s);
        }
        maybeFinishClose(c, s);
    }

    /**
     * New bytes for a connection: parse and plan every complete request among them, appending
     * responses to the connection's output; keep a partial request for the next receive.
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
        if (c.inEnd > c.inStart || blocked(c, s)) {
            // Earlier bytes wait (a partial head, or requests held back while a body is sent): append.
            if (c.inAddress == 0) {
                c.inAddress = pool.take();
                c.inStart = c.inEnd = 0;
            }
            if (c.inEnd + length > bufferBytes && c.inStart > 0) {
                MemorySegment.copy(ALL, c.inAddress + c.inStart, ALL, c.inAddress, c.inEnd - c.inStart);
                c.inEnd -= c.inStart;
                c.inStart = 0;
            }
            if (c.inEnd + length > bufferBytes) {
                // The client is a buffer ahead of its responses: keep this receive buffer and pause.
                return hold(c, s, bid, length);
            }
            MemorySegment.copy(ALL, data, ALL, c.inAddress + c.inEnd, length);
            c.inEnd += length;
            if (blocked(c, s)) {
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
        }
        return false;
    }

    /**
     * Keeps a receive buffer out of the ring (backpressure) and cancels the multishot receive, so
     * at most a few buffers per connection are held; returns true (the buffer is kept).
     */
    private boolean hold(Connection c, ProactorState s, int bid, int length) {
        if (s.heldCount == ProactorState.HELD_BUFFERS_MAX) {
            log.debug("loop-{}: fd {} is more than {} receive buffers ahead of its responses; closing",
                    index, c.fd, ProactorState.HELD_BUFFERS_MAX);
            c.closeReason = LoopCounters.CLOSE_LIMIT;
            beginClose(c, s);
            return false;
        }
        s.heldBids[s.heldCount] = bid;
        s.heldLengths[s.heldCount] = length;
        s.heldCount++;
        if (!s.recvPaused) {
            s.recvPaused = true;
            if (s.recvArmed) {
                Sqe.prepCancel(sqe(), userData(OP_RECV, c.generation, c.slot), 0, userData(OP_CANCEL, 0, 0));
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
                c.inAddress = pool.take();
                c.inStart = c.inEnd = 0;
            } else if (c.inStart > 0) {
                MemorySegment.copy(ALL, c.inAddress + c.inStart, ALL, c.inAddress, c.inEnd - c.inStart);
                c.inEnd -= c.inStart;
                c.inStart = 0;
            }
            if (c.inEnd + length > bufferBytes) {
                return;
            }
            int bid = s.heldBids[0];
            MemorySegment.copy(ALL, recvBuffers.bufferAddress(bid), ALL, c.inAddress + c.inEnd, length);
            c.inEnd += length;
            recvBuffers.add(bid);
            s.heldCount--;
            System.arraycopy(s.heldBids, 1, s.heldBids, 0, s.heldCount);
            System.arraycopy(s.heldLengths, 1, s.heldLengths, 0, s.heldCount);
        }
        if (s.recvPaused && !s.recvArmed && !s.closing) {
            s.recvPaused = false;
            armRecv(c, s);
        }
    }

    /** Answers complete requests in [inStart, inEnd); returns where it stopped. */
    private int serve(Connection c, ProactorState s, long inBase, int inStart, int inEnd) {
        while (inStart < inEnd && !c.closeAfterSend && c.pending == null) {
            if (c.outAddress == 0) {
                c.outAddress = pool.take();
                c.outStart = c.outEnd = 0;
            }
            ResponsePlan p = plan;
            p.reset();
            int r = handler.handle(c.http, inBase + inStart, inEnd - inStart,
                    c.outAddress + c.outEnd, bufferBytes - c.outEnd, p, nowMs);
            if (r == StaticFileHandler.NEED_OUTPUT_SPACE) {
                if (c.outEnd > c.outStart) {
                    break; // resumes when the send in flight completes
                }
                log.error("loop-{}: a response head does not fit in {} bytes", index, bufferBytes);
                c.closeReason = LoopCounters.CLOSE_ERROR;
                beginClose(c, s);
                break;
            }
            if (r == 0) {
                break;
            }
            inStart += r;
            c.headStartedMs = inStart < inEnd ? nowMs : 0;
            long requestStartNs = c.requestConsumed(inStart < inEnd);
            if (!p.hasResponse) {
                continue;
            }
            c.requests++;
            counters.requests++;
            counters.response(p.status);
            c.responseQueued(requestStartNs);
            c.outEnd += p.headLength;
            counters.bytesFromMemory += p.headLength;
            counters.headBytes += p.headLength;
            if (!p.keepAlive) {
                c.closeAfterSend = true;
            }
            handler.logAccess(c.peerAddress, c.peerAddressLength, p);
            if (p.partCount == 0) {
                PlanBodies.releaseFile(p);
            } else if (PlanBodies.fitsOutput(p, bufferBytes - c.outEnd)) {
                int copied = PlanBodies.copyToOutput(p, c.outAddress + c.outEnd);
                c.outEnd += copied;
                counters.bytesFromMemory += copied;
                PlanBodies.releaseFile(p);
            } else {
                c.pending = p;
                c.pendingPart = 0;
                c.pendingPartSent = 0;
                plan = sparePlanCount > 0 ? sparePlans[--sparePlanCount] : handler.newPlan();
            }
        }
        return inStart;
    }

    private boolean blocked(Connection c, ProactorState s) {
        return c.pending != null || c.closeAfterSend;
    }

    private void keepLeftover(Connection c, long inBase, int inStart, int inEnd) {
        if (inBase == c.inAddress) {
            c.inStart = inStart;
            if (c.inStart == c.inEnd) {
                pool.give(c.inAddress);
                c.inAddress = 0;
                c.inStart = c.inEnd = 0;
            }
            return;
        }
        int left = inEnd - inStart;
        if (left > 0) {
            c.inAddress = pool.take();
            MemorySegment.copy(ALL, inBase + inStart, ALL, c.inAddress, left);
            c.inStart = 0;
            c.inEnd = left;
        }
    }



    private void markDirty(Connection c, ProactorState s) {
        if (!s.dirty && !s.closing) {
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
            if (c.fd >= 0 && !s.closing) {
                try {
                    pump(c, s);
                } catch (RuntimeException e) {
                    failConnection(userData(OP_SEND, c.generation, c.slot), e);
                }
            }
        }
        dirtyCount = 0;
    }

    /**
     * Starts the next send for a connection if none is in flight: buffered bytes first,
     * then the pending response's body parts. When everything is sent, resumes serving
     * held requests, or closes.
     */
    private void pump(Connection c, ProactorState s) {
        if (s.sendInFlight || s.splicing) {
            return;
        }
        unmapIfDone(s);
        if (c.outEnd > c.outStart) {
            int len = c.outEnd - c.outStart;
            // More bytes follow right away (a file body): MSG_MORE lets the head share a segment with them.
            int flags = c.pending != null ? MSG_MORE : 0;
            Sqe.prepSend(sqe(), c.fd, c.outAddress + c.outStart, len, flags, userData(OP_SEND, c.generation, c.slot));
            s.sendInFlight = true;
            s.sendLength = len;
            s.inflight++;
            return;
        }
        if (c.outAddress != 0) {
            pool.give(c.outAddress);
            c.outAddress = 0;
            c.outStart = c.outEnd = 0;
        }
        while (c.pending != null) {
            ResponsePlan p = c.pending;
            int i = c.pendingPart;
            if (i == p.partCount) {
                PlanBodies.releaseFile(p);
                p.reset();
                if (sparePlanCount < sparePlans.length) {
                    sparePlans[sparePlanCount++] = p;
                }
                c.pending = null;
                break;
            }
            long remaining = p.partLength[i] - c.pendingPartSent;
            if (p.partKind[i] == ResponsePlan.PART_BYTES) {
                int len = (int) Math.min(remaining, Integer.MAX_VALUE);
                int flags = i + 1 < p.partCount ? MSG_MORE : 0;
                Sqe.prepSend(sqe(), c.fd, p.partSegment[i].address() + p.partOffset[i] + c.pendingPartSent, len, flags,
                        userData(OP_SEND, c.generation, c.slot));
                s.sendInFlight = true;
                s.sendLength = len;
                s.sendFromPart = true;
                s.inflight++;
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
        c.deadlineMs = nowMs + settings.keepaliveIdleTimeoutMs();
        if (c.closeAfterSend) {
            closeAfterResponse(c, s);
            return;
        }
        releaseHeld(c, s);
        if (c.inEnd > c.inStart) {
            // Requests that arrived while the response was being sent.
            int at = serve(c, s, c.inAddress, c.inStart, c.inEnd);
            keepLeftover(c, c.inAddress, at, c.inEnd);
            if (c.hasUnsentOutput() && c.fd >= 0 && !s.closing) {
                pump(c, s);
                return;
            }
            if (s.heldCount > 0 || s.recvPaused) {
                releaseHeld(c, s);
                if (c.inEnd > c.inStart && !s.closing) {
                    markDirty(c, s);
                }
            }
        } else if (c.peerClosed) {
            beginClose(c, s);
        }
        setIdleDeadline(c, s);
    }

    /**
     * The deadline of a connection waiting for its client ({@link Connection#setWaitingDeadline});
     * while retiring, an idle one (between requests, or new and silent) gets only the idle grace.
     */
    private void setIdleDeadline(Connection c, ProactorState s) {
        if (!c.hasUnsentOutput()) {
            c.setWaitingDeadline(settings, nowMs);
            if (retirement.active()) { // idleness is worked out only while retiring: this runs per request
                retirement.limitIdle(c, idle(c, s), nowMs);
            }
        }
    }

    private void onSend(Connection c, ProactorState s, int res) {
        s.inflight--;
        s.sendInFlight = false;
        boolean fromPart = s.sendFromPart;
        s.sendFromPart = false;
        if (s.closing) {
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
        c.deadlineMs = nowMs + settings.sendTimeoutMs();
        if (res < s.sendLength) {
            counters.partialWrites++;
        }
        if (fromPart) {
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
     * NIC that supports it; loopback always copies, KERNEL.md, and each chunk costs a second
     * CQE, the notification). The mapping lives until the last notification arrived.
     */
    private void startSendZc(Connection c, ProactorState s, ResponsePlan p, int part, long remaining) {
        if (s.mapAddress == 0) {
            long offset = p.partOffset[part];
            long pageStart = offset & ~(NativeMemory.PAGE_BYTES - 1);
            long length = p.partLength[part] + (offset - pageStart);
            long address = sys.mmap(0, length, MmapConstants.PROT_READ, MmapConstants.MAP_SHARED, p.file.fd(), pageStart);
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
        s.sendInFlight = true;
        s.sendZc = true;
        s.sendLength = chunk;
        s.inflight++;
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
            if (s.closing) {
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
        s.sendInFlight = false;
        s.sendZc = false;
        if (s.closing) {
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
        c.deadlineMs = nowMs + settings.sendTimeoutMs();
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
                c.closeReason = LoopCounters.CLOSE_ERROR;
                beginClose(c, s);
                return;
            }
        }
        int chunk = (int) Math.min(remaining, pipes.capacity(s.pipe));
        long sqe1 = sqe();
        Sqe.prepSplice(sqe1, p.file.fd(), p.partOffset[part] + c.pendingPartSent, pipes.writeFd(s.pipe), -1, chunk, 0,
                userData(OP_SPLICE_IN, c.generation, c.slot));
        Sqe.addFlags(sqe1, IOSQE_IO_LINK);
        long sqe2 = sqe();
        Sqe.prepSplice(sqe2, pipes.readFd(s.pipe), -1, c.fd, -1, chunk, 0, userData(OP_SPLICE_OUT, c.generation, c.slot));
        s.splicing = true;
        s.spliceRequested = chunk;
        s.spliceIn = -1;
        s.inflight += 2;
    }

    private void onSpliceIn(Connection c, ProactorState s, int res) {
        s.inflight--;
        s.spliceIn = res;
        if (res >= 0 && res < s.spliceRequested) {
            // A short splice breaks the link: the pipe → socket half gets -ECANCELED and is resubmitted below.
            counters.partialWrites++;
        }
        if (res == 0 && !s.closing) {
            log.warn("loop-{}: file truncated while being sent; closing connection fd {}", index, c.fd);
            c.closeReason = LoopCounters.CLOSE_ERROR;
            beginClose(c, s);
        }
        maybeFinishClose(c, s);
    }

    private void onSpliceOut(Connection c, ProactorState s, int res) {
        s.inflight--;
        if (s.closing) {
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
        c.deadlineMs = nowMs + settings.sendTimeoutMs();
        if (s.pipeBytes > 0) {
            // Bytes left in the pipe must reach the socket before anything else does.
            Sqe.prepSplice(sqe(), pipes.readFd(s.pipe), -1, c.fd, -1, (int) s.pipeBytes, 0,
                    userData(OP_SPLICE_OUT, c.generation, c.slot));
            s.spliceIn = (int) s.pipeBytes;
            s.pipeBytes = 0;
            s.inflight++;
            return;
        }
        s.splicing = false;
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

    private void closeAfterResponse(Connection c, ProactorState s) {
        if (c.peerClosed) {
            beginClose(c, s);
            return;
        }
        // Lingering close (see EpollLoop): FIN first, drain what the peer still sends.
        sys.shutdown(c.fd, SHUT_WR);
        c.lingering = true;
        c.deadlineMs = nowMs + LINGER_MS;
        if (!s.recvArmed) {
            armRecv(c, s);
        }
    }

    /**
     * Stops a connection: shutdown(2) makes its armed recv complete (a plain close(2) would
     * not, KERNEL.md), and the fd is closed once no operation refers to it any more.
     */
    private void beginClose(Connection c, ProactorState s) {
        if (s.closing) {
            return;
        }
        s.closing = true;
        sys.shutdown(c.fd, SHUT_RDWR);
        if (s.recvArmed) {
            Sqe.prepCancel(sqe(), userData(OP_RECV, c.generation, c.slot), 0, userData(OP_CANCEL, 0, 0));
        }
        maybeFinishClose(c, s);
    }

    private void maybeFinishClose(Connection c, ProactorState s) {
        if (!s.closing || s.inflight > 0 || c.fd < 0) {
            return;
        }
        if (c.pending != null) {
            ResponsePlan p = c.pending;
            PlanBodies.releaseFile(p);
            p.reset();
            c.pending = null;
            // No operation refers to it any more (inflight == 0): reusable, as after a body sent in full.
            if (sparePlanCount < sparePlans.length) {
                sparePlans[sparePlanCount++] = p;
            }
        }
        for (int i = 0; i < s.heldCount; i++) {
            recvBuffers.add(s.heldBids[i]);
        }
        s.heldCount = 0;
        if (s.mapAddress != 0) {
            // No operation is in flight any more: no notification can still reference the pages.
            sys.munmap(s.mapAddress, s.mapLength);
            s.mapAddress = 0;
        }
        if (s.pipe >= 0) {
            // A pipe that may still hold bytes of this response cannot serve another.
            if (s.splicing || s.pipeBytes > 0) {
                pipes.discard(s.pipe);
            } else {
                pipes.give(s.pipe);
            }
            s.pipe = -1;
        }
        if (c.inAddress != 0) {
            pool.give(c.inAddress);
            c.inAddress = 0;
        }
        if (c.outAddress != 0) {
            pool.give(c.outAddress);
            c.outAddress = 0;
        }
        c.inStart = c.inEnd = c.outStart = c.outEnd = 0;
        c.http.reset();
        sys.close(c.fd);
        table.free(c);
        counters.closed++;
        counters.closedByReason[c.closeReason]++;
        counters.connectionsOpen = table.open();
    }

    private void scanTimeouts() {
        for (int i = 0; i < table.created(); i++) {
            Connection c = table.get(i);
            ProactorState s = states[i];
            if (c.fd >= 0 && !s.closing && nowMs >= c.deadlineMs) {
                if (retirement.isTimeout(idle(c, s))) {
                    counters.timeouts++;
                    c.closeReason = LoopCounters.CLOSE_TIMEOUT;
                } else {
                    c.closeReason = LoopCounters.CLOSE_SHUTDOWN;
                }
                if (!c.lingering && !c.hasUnsentOutput() && !s.sendInFlight && c.inEnd > c.inStart && c.outAddress == 0) {
                    // Best effort 408, sent synchronously: the connection is being dropped anyway.
                    long buf = pool.take();
                    int len = handler.writeTimeoutResponse(buf, bufferBytes);
                    if (len > 0) {
                        sys.send(c.fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
                    }
                    pool.give(buf);
                }
                beginClose(c, s);
            }
        }
    }

    private void failConnection(long userData, RuntimeException e) {
        int op = opOf(userData);
        Connection c = op >= OP_RECV && op <= OP_SPLICE_OUT ? table.live(userData) : null;
        log.error("loop-{}: unexpected error on connection fd {}; closing it", index, c != null ? c.fd : -1, e);
        if (c != null) {
            c.closeReason = LoopCounters.CLOSE_ERROR;
            beginClose(c, states[c.slot]);
        }
    }

    private void logLimit(String message, String arg) {
        if (nowMs - lastLimitLogMs >= 1_000) {
            lastLimitLogMs = nowMs;
            log.warn(message, index, arg);
        }
    }


    private void closeEverything() {
        // Closing the ring first cancels every operation it holds: then fds really close.
        if (recvBuffers != null) {
            recvBuffers.close();
            recvBuffers = null;
        }
        if (ring != null) {
            ring.close();
            ring = null;
        }
        for (int i = 0; i < table.created(); i++) {
            Connection c = table.get(i);
            if (c.fd >= 0) {
                if (!states[i].closing) {
                    c.closeReason = LoopCounters.CLOSE_SHUTDOWN;
                }
                states[i].inflight = 0;
                states[i].closing = true;
                maybeFinishClose(c, states[i]);
            }
        }
        for (int fd : listenFds) {
            if (fd >= 0) {
                sys.close(fd);
            }
        }
        synchronized (wakeLock) {
            sys.close(wakeFd);
            wakeFd = -1;
        }
        if (recvBuffers != null) {
            recvBuffers.close();
        }
        if (ring != null) {
            ring.close();
        }
        pipes.close();
        handler.close();
        arena.close();
    }

    private static final MemorySegment ALL = PlanBodies.ALL;
}
