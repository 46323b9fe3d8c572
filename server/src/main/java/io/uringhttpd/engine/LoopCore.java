package io.uringhttpd.engine;

import static io.uringhttpd.sys.SocketConstants.IPPROTO_TCP;
import static io.uringhttpd.sys.SocketConstants.MSG_DONTWAIT;
import static io.uringhttpd.sys.SocketConstants.MSG_NOSIGNAL;
import static io.uringhttpd.sys.SocketConstants.TCP_NODELAY;

import io.uringhttpd.http.ResponsePlan;
import io.uringhttpd.http.StaticFileHandler;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.FdReserve;
import io.uringhttpd.sys.NativeArena;
import io.uringhttpd.sys.SyscallCounts;
import io.uringhttpd.sys.Syscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both event loops share, whatever moves their bytes: the connection table, the buffer
 * and response-plan pools, the counters and their publication, the lifecycle (run, stop,
 * retire, wake-up), the deadline policy and its timer, serving a connection's buffered
 * requests into its output, and releasing a connection. An engine ({@link EngineOps}) keeps
 * only how it waits, how it dispatches events or completions, and how it moves bytes.
 *
 * <p>One instance per loop; every method but {@link #stop}, {@link #retire} and
 * {@link #resources} runs on the loop's thread.
 */
public final class LoopCore {
    private static final Logger log = LoggerFactory.getLogger(LoopCore.class);

    /** The timer: deadlines are checked and metrics published this often. */
    public static final long TICK_MS = 1_000;
    /** While retiring: idle graces and the deadline are kept to within this (a retirement is short). */
    public static final long RETIRE_TICK_MS = 100;
    /** Lingering close (nginx's lingering_timeout is 5 s): how long to drain a peer after our FIN. */
    public static final long LINGER_MS = 2_000;
    /** Limit warnings (accept refused for a limit) at most this often. */
    private static final long LIMIT_LOG_INTERVAL_MS = 1_000;
    private static final int SPARE_PLANS_MAX = 64;

    public final int index;
    public final String engine;
    public final LoopSettings settings;
    public final Syscalls sys;
    public final LoopCounters counters = new LoopCounters();
    public final StaticFileHandler handler;
    public final ConnectionTable table;
    /** Native memory of the loop (buffers, kernel structs): freed when the loop ends. */
    public final NativeArena memory = new NativeArena();
    public final BufferPool pool;
    public final int bufferBytes;
    public final Retirement retirement;
    public final Listeners listeners;

    /** The loop clock (ms, {@link System#currentTimeMillis()}), read once per wake-up. */
    public long nowMs;
    private long nextTickMs;
    private long lastLimitLogMs;
    /** Descriptors held back for requests (docs/architecture.md#descriptors); made on the loop's thread. */
    private FdReserve reserve;
    /** Accepting stopped because descriptors ran out; resumed once connections have closed. */
    private boolean acceptPaused;
    private volatile boolean running = true;
    /** Null: metrics off, and nothing is recorded that only they read (durations, batch sizes). */
    private LoopMetrics metrics;
    private final EngineOps ops;

    /** The plan the next request is answered into; a plan whose body waits moves to its connection. */
    private ResponsePlan plan;
    private final ResponsePlan[] sparePlans = new ResponsePlan[SPARE_PLANS_MAX];
    private int sparePlanCount;

    private final Object wakeLock = new Object();
    private int wakeFd;

    /**
     * @param ops         the engine (it only keeps the reference here: nothing is called before {@link #run})
     * @param listenFds   listening sockets owned by this loop from now on (closed when it stops)
     * @param wakeFdFlags flags of the eventfd another thread writes to wake the loop
     *                    (EFD_NONBLOCK for epoll; the proactor keeps a blocking READ armed on it)
     */
    public LoopCore(EngineOps ops, int index, String engine, LoopSettings settings, Syscalls sys,
                    StaticFileHandler handler, int[] listenFds, int wakeFdFlags) {
        this.ops = ops;
        this.index = index;
        this.engine = engine;
        this.settings = settings;
        this.sys = sys;
        this.handler = handler;
        this.bufferBytes = settings.bufferBytes();
        this.pool = new BufferPool(bufferBytes, memory);
        this.table = new ConnectionTable(settings.connectionsMax(), handler::newConnectionState);
        this.retirement = new Retirement(index);
        this.listeners = new Listeners(sys, listenFds);
        this.plan = handler.newPlan();
        this.wakeFd = sys.eventfd(0, wakeFdFlags);
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd: " + Errno.describe(wakeFd));
        }
    }

    /** The eventfd {@link #stop} and {@link #retire} write to: the engine waits on it. */
    public int wakeFd() {
        return wakeFd;
    }

    public void publishTo(LoopMetrics metrics) {
        this.metrics = metrics;
    }

    /** Metrics are on: record what only they read (durations, batch sizes). */
    public boolean timed() {
        return metrics != null;
    }

    public boolean running() {
        return running;
    }

    // ---------------------------------------------------------------- lifecycle

    public void stop() {
        synchronized (wakeLock) {
            if (!running || wakeFd < 0) {
                return;
            }
            running = false;
            wake();
        }
    }

    public void retire(long idleGraceMs, long deadlineMs) {
        synchronized (wakeLock) {
            if (!running || wakeFd < 0) {
                return;
            }
            retirement.request(idleGraceMs, deadlineMs);
            wake();
        }
    }

    /** From a foreign thread, under wakeLock: a short-lived Syscalls keeps the loop's own one single-threaded. */
    private void wake() {
        new Syscalls().eventfdWrite(wakeFd, 1);
    }

    /** Runs the loop on this thread until stopped or retired; then closes everything. */
    public void run() {
        EngineOps engineOps = ops;
        nowMs = System.currentTimeMillis();
        nextTickMs = nowMs + TICK_MS;
        handler.tick(nowMs);
        reserve = new FdReserve(sys, wakeFd, FdReserve.DEFAULT_COUNT);
        if (!reserve.refill()) {
            log.warn("loop-{}: only {} of {} descriptors held in reserve: the open-file limit is nearly reached"
                    + " already (ulimit -n, LimitNOFILE)", index, reserve.held(), FdReserve.DEFAULT_COUNT);
        }
        sys.useReserve(reserve);
        try {
            engineOps.start();
            if (metrics != null) {
                metrics.start(engine);
            }
            while (running) {
                engineOps.runOnce();
                afterTurn();
            }
        } catch (Throwable t) {
            log.error("loop-{} stopped by an unexpected error", index, t);
            throw t;
        } finally {
            engineOps.closeEverything();
            listeners.closeAll();
            sys.useReserve(null);
            reserve.close();
            synchronized (wakeLock) {
                // Under the lock: stop() must never write to a closed (and maybe reused) fd number.
                if (wakeFd >= 0) {
                    sys.close(wakeFd);
                    wakeFd = -1;
                }
            }
            handler.close();
            memory.close();
            if (metrics != null) {
                metrics.publish(counters, sys, true);
            }
            log.info("loop-{} ({}) stopped: {}", index, engine, counters.stopReport(sys.counts));
        }
    }

    /** The engine's wait returned with {@code events} events or completions (a negative count: none). */
    public void woke(int events) {
        nowMs = System.currentTimeMillis();
        handler.tick(nowMs);
        counters.wakeups++;
        if (events > 0) {
            counters.events += events;
        }
        if (metrics != null && events >= 0) {
            counters.eventsPerWakeup.observe(events);
        }
        if (retirement.pending()) {
            // Before the events: a request read in this wake-up arrived after retire() was asked,
            // so its response must already say Connection: close.
            beginRetire();
        }
    }

    /** Ends the loop (a failed wait that cannot be retried). */
    public void fatal(String what, int errno) {
        log.error("loop-{}: {} failed: {}", index, what, Errno.describe(errno));
        running = false;
    }

    /** Milliseconds until the timer is due (for a wait that must not sleep past it). */
    public long msUntilTick() {
        return Math.max(0, Math.min(TICK_MS, nextTickMs - nowMs));
    }

    private void afterTurn() {
        if (nowMs >= nextTickMs) {
            scanTimeouts();
            if (acceptPaused) {
                resumeAccepting(); // other loops, or the cache, may have freed descriptors
            }
            if (metrics != null) {
                metrics.publish(counters, sys, false);
            }
            nextTickMs = nowMs + (retirement.active() ? RETIRE_TICK_MS : TICK_MS);
        }
        // At the deadline closeEverything() closes what is left.
        if (retirement.over(table.open(), listeners.open() == 0, nowMs)) {
            running = false;
        }
    }

    /**
     * Stops accepting and lets the connections finish (see {@link EventLoop#retire}): from now on
     * a connection with nothing in progress gets only the idle grace.
     */
    private void beginRetire() {
        retirement.begin(table.open(), nowMs);
        handler.drain();
        ops.stopAccepting();
        for (int i = 0; i < table.created(); i++) {
            Connection c = table.get(i);
            if (c.fd >= 0 && !ops.closing(c)) {
                retirement.limitIdle(c, ops.idle(c), nowMs);
            }
        }
        nextTickMs = Math.min(nextTickMs, nowMs + RETIRE_TICK_MS);
    }

    // ---------------------------------------------------------------- connections

    /**
     * A new connection on {@code fd} (already accepted): a slot, or null when the table is full
     * (the fd is closed and the limit logged). TCP_NODELAY: heads and bodies already leave in one
     * send, NODELAY only stops Nagle from holding a partial last segment (nginx sets tcp_nodelay
     * on keep-alive connections too). The engine records the peer and starts reading, then calls
     * {@link #waitForClient}.
     */
    public Connection open(int fd) {
        Connection c = table.take();
        if (c == null) {
            sys.close(fd);
            counters.connectionsOverLimit++;
            logLimit("loop-{}: limits.connections-per-loop ({}) reached: connection refused; raise it",
                    table.capacity());
            return null;
        }
        c.open(fd, nowMs);
        counters.accepted++;
        counters.connectionsOpen = table.open();
        sys.setsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        return c;
    }

    /**
     * The deadline of a connection waiting for its client ({@link Connection#setWaitingDeadline});
     * while retiring, an idle one (between requests, or new and silent) gets only the idle grace.
     */
    public void waitForClient(Connection c) {
        c.setWaitingDeadline(settings, nowMs);
        if (retirement.active()) { // idleness is worked out only while retiring: this runs per request
            retirement.limitIdle(c, ops.idle(c), nowMs);
        }
    }

    /** Sending made progress: the send timeout starts again. */
    public void sent(Connection c) {
        c.deadlineMs = nowMs + settings.sendTimeoutMs();
    }

    /** A limit was hit: one warning a second at most. {@code message} has two {@code {}}: the loop, then {@code arg}. */
    public void logLimit(String message, Object arg) {
        if (nowMs - lastLimitLogMs >= LIMIT_LOG_INTERVAL_MS) {
            lastLimitLogMs = nowMs;
            log.warn(message, index, arg);
        }
    }

    /**
     * A bug met while serving one connection closes that connection, loudly, and the loop keeps
     * serving the others. {@code c} null: the event named no live connection.
     */
    public void fail(Connection c, RuntimeException e) {
        log.error("loop-{}: unexpected error on connection fd {}; closing it", index, c != null ? c.fd : -1, e);
        if (c != null && c.fd >= 0) {
            c.closeReason = LoopCounters.CLOSE_ERROR;
            ops.close(c);
        }
    }

    /** Where serving stopped because the connection must close ({@link #serve}). */
    public static final int SERVE_FAILED = -1;

    /**
     * Answers the complete requests in [{@code inStart}, {@code inEnd}) of the input at
     * {@code inBase}, appending heads and small bodies to the connection's output at
     * {@code outBase} (so pipelined responses leave in one send). Stops at a response whose body
     * must wait ({@link Connection#pending}), at one that closes the connection, or when the
     * output is full.
     *
     * @return where the input stopped, or {@link #SERVE_FAILED} (the close reason is set: the engine closes)
     */
    public int serve(Connection c, long inBase, int inStart, int inEnd, long outBase) {
        while (inStart < inEnd && !c.closeAfterSend && c.pending == null) {
            ResponsePlan p = plan;
            p.reset();
            int r = handler.handle(c.http, inBase + inStart, inEnd - inStart,
                    outBase + c.outEnd, bufferBytes - c.outEnd, p, nowMs);
            if (r == StaticFileHandler.NEED_OUTPUT_SPACE) {
                if (c.outEnd > c.outStart) {
                    break; // resumes once the output buffered so far has been sent
                }
                log.error("loop-{}: a response head does not fit in {} bytes", index, bufferBytes);
                c.closeReason = LoopCounters.CLOSE_ERROR;
                return SERVE_FAILED;
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
                p.releaseFile();
            } else if (PlanBodies.fitsOutput(p, bufferBytes - c.outEnd)) {
                int copied = PlanBodies.copyToOutput(p, outBase + c.outEnd);
                c.outEnd += copied;
                counters.bytesFromMemory += copied;
                p.releaseFile();
            } else {
                c.pending = p;
                c.pendingPart = 0;
                c.pendingPartSent = 0;
                plan = sparePlanCount > 0 ? sparePlans[--sparePlanCount] : handler.newPlan();
            }
        }
        return inStart;
    }

    /** The pending response's last part was handed over (or the connection ends): its plan is reused. */
    public void finishPending(Connection c) {
        ResponsePlan p = c.pending;
        if (p == null) {
            return;
        }
        c.pending = null;
        p.releaseFile();
        p.reset();
        if (sparePlanCount < sparePlans.length) {
            sparePlans[sparePlanCount++] = p;
        }
    }

    /**
     * The end of every connection, once the kernel holds nothing of it: its plan and buffers go
     * back, the fd closes (which also takes a socket out of an epoll set when no other fd refers
     * to it), and the slot gets a new generation, so late events for it are recognised as stale.
     */
    public void release(Connection c) {
        finishPending(c);
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
        if (acceptPaused) {
            resumeAccepting();
        }
    }

    /**
     * Accepting failed for want of descriptors (EMFILE, ENFILE): the engine stops accepting until
     * {@link #resumeAccepting} says so, instead of failing again on every wake-up. The clients wait
     * in the listen backlog; those accepted meanwhile are served with the reserve's descriptors.
     */
    public void pauseAccepting(int errno) {
        if (!acceptPaused) {
            acceptPaused = true;
            counters.acceptPauses++;
        }
        logLimit("loop-{}: accept: {}: out of descriptors; accepting paused until connections close"
                + " (raise the open-file limit: ulimit -n, LimitNOFILE)", Errno.name(errno));
    }

    public boolean acceptPaused() {
        return acceptPaused;
    }

    /**
     * After a connection closed, or at the tick: the reserve is taken back first, and only when it is
     * whole again does accepting resume (a descriptor short, the next accept would fail at once).
     */
    private void resumeAccepting() {
        if (!running || retirement.active() || !reserve.refill()) {
            return;
        }
        acceptPaused = false;
        ops.resumeAccepting();
    }

    /** Gives a pooled buffer back when nothing is left in it. */
    public void giveBackEmpty(Connection c) {
        if (c.inAddress != 0 && c.inEnd == c.inStart) {
            pool.give(c.inAddress);
            c.inAddress = 0;
            c.inStart = c.inEnd = 0;
        }
        if (c.outAddress != 0 && c.outEnd == c.outStart) {
            pool.give(c.outAddress);
            c.outAddress = 0;
            c.outStart = c.outEnd = 0;
        }
    }

    /** Connections past their deadline: timed out, or (retiring) idle past the grace. */
    private void scanTimeouts() {
        for (int i = 0; i < table.created(); i++) {
            Connection c = table.get(i);
            if (c.fd < 0 || nowMs < c.deadlineMs || ops.closing(c)) {
                continue;
            }
            if (retirement.isTimeout(ops.idle(c))) {
                counters.timeouts++;
                c.closeReason = LoopCounters.CLOSE_TIMEOUT;
            } else {
                c.closeReason = LoopCounters.CLOSE_SHUTDOWN;
            }
            if (!c.lingering && !c.hasUnsentOutput() && c.inEnd > c.inStart) {
                sendTimeoutResponse(c);
            }
            ops.close(c);
        }
    }

    /**
     * Best effort 408 to a client that did not finish its request head in time: one
     * non-blocking send(2), whatever the engine (the connection is being dropped anyway).
     */
    private void sendTimeoutResponse(Connection c) {
        long buffer = pool.take();
        int len = handler.writeTimeoutResponse(buffer, bufferBytes);
        if (len > 0) {
            sys.send(c.fd, buffer, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        pool.give(buffer);
    }

    // ---------------------------------------------------------------- observation

    public SyscallCounts syscalls() {
        return sys.counts;
    }

    /** A racy snapshot from any thread (see {@link LoopResources}). */
    public LoopResources resources() {
        int connections = table.open();
        FdReserve r = reserve;
        int fds = connections + listeners.open() + ops.ownFds() + (wakeFd >= 0 ? 1 : 0) + (r != null ? r.held() : 0);
        return new LoopResources(fds, connections, pool.inUse(), ops.pipesInUse(), ops.pipesPooled(),
                ops.receiveBuffersHeld(), sparePlanCount);
    }
}
