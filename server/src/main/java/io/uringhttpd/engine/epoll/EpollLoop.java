package io.uringhttpd.engine.epoll;

import static io.uringhttpd.sys.EpollConstants.*;
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
import io.uringhttpd.sys.EpollEvent;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.EventfdConstants;
import io.uringhttpd.sys.SyscallCounts;
import io.uringhttpd.sys.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epoll reactor: readiness events, non-blocking syscalls, sendfile(2).
 *
 * <p>One instance per platform thread. Sockets are registered once, edge-triggered,
 * for EPOLLIN|EPOLLOUT|EPOLLRDHUP: no epoll_ctl per request. A keep-alive request
 * costs one read and one send (head and cached body together), or one send with
 * MSG_MORE plus sendfile for a file body — against nginx's five syscalls
 * (recvfrom, writev, sendfile and two TCP_CORK setsockopts, measured here).
 *
 * <p>Every loop is bounded (events per wait, accepts, rounds per connection,
 * sendfile chunks) so that one busy connection cannot starve the others; a
 * connection with work left goes into the ready queue and the next wait does
 * not block.
 */
public final class EpollLoop implements EventLoop {
    private static final Logger log = LoggerFactory.getLogger(EpollLoop.class);

    /** Generation reserved for the loop's own fds (listen sockets, wake-up eventfd): never given to a connection. */
    private static final int OWN_FD_GENERATION = -1;
    private static final int WAKE_SLOT = -1;

    private static final int EVENTS_PER_WAIT = 512;
    /** nginx accepts up to 512 per event with multi_accept; 64 keeps one wakeup short while a burst arrives. */
    private static final int ACCEPTS_PER_WAKEUP = 64;
    /** Read/serve/send rounds for one connection before it yields to the others. */
    private static final int ROUNDS_PER_CONNECTION = 8;
    /** sendfile calls for one connection per round: with a 2 MiB chunk, 8 MiB before yielding. */
    private static final int SENDFILE_CALLS_PER_ROUND = 4;
    /** Lingering close (nginx lingering_timeout is 5 s): how long to drain a peer after our FIN. */
    private static final long LINGER_MS = 2_000;
    private static final long TIMER_SCAN_INTERVAL_MS = 1_000;
    /** While retiring: idle graces and the deadline are kept to within this (a retirement is short). */
    private static final long RETIRE_SCAN_INTERVAL_MS = 100;
    /** While retiring, accept rounds (of ACCEPTS_PER_WAKEUP) that empty a listen backlog before its fd closes. */
    private static final int RETIRE_ACCEPT_ROUNDS = 16;

    private static final MemorySegment all = PlanBodies.ALL;

    private static final int SENT_ALL = 0;
    private static final int BLOCKED = 1;
    private static final int YIELD = 2;
    private static final int CLOSED = 3;

    private final int index;
    private final LoopSettings settings;
    private final Syscalls sys;
    private final LoopCounters counters = new LoopCounters();
    private final StaticFileHandler handler;
    private final int[] listenFds;
    private final int[] localPorts;
    private final boolean[] listenPending;

    private final Arena arena = Arena.ofShared();
    private final long eventsAddress;
    private final long sockaddrAddress;
    private final long sockaddrLenAddress;
    private final MemorySegment sockaddr;
    private final long scratchIn;
    private final long scratchOut;
    private final int bufferBytes;
    private final BufferPool pool;

    private final ConnectionTable table;

    private final Connection[] ready;
    private int readyHead;
    private int readyCount;

    private ResponsePlan plan;
    private final ResponsePlan[] sparePlans;
    private int sparePlanCount;

    private int epfd = -1;
    private int wakeFd = -1;
    private long nowMs;
    private long nextScanMs;
    private long lastLimitLogMs;
    private volatile boolean running = true;
    /** Null: metrics off, and nothing is recorded that only they read (durations, batch sizes). */
    private LoopMetrics metrics;
    private final Object wakeLock = new Object();

    private final Retirement retirement;

    /**
     * @param listenFds listening sockets owned by this loop from now on (closed when it stops)
     */
    public EpollLoop(int index, LoopSettings settings, Syscalls sys, StaticFileHandler handler, int[] listenFds) {
        this.index = index;
        this.retirement = new Retirement(index);
        this.settings = settings;
        this.sys = sys;
        this.handler = handler;
        this.listenFds = listenFds.clone();
        this.listenPending = new boolean[listenFds.length];
        this.localPorts = new int[listenFds.length];
        for (int i = 0; i < listenFds.length; i++) {
            localPorts[i] = sys.localPort(listenFds[i]);
        }
        this.bufferBytes = settings.bufferBytes();
        this.eventsAddress = arena.allocate(EpollEvent.BYTES * EVENTS_PER_WAIT, 8).address();
        this.sockaddr = arena.allocate(128, 8);
        this.sockaddrAddress = sockaddr.address();
        this.sockaddrLenAddress = arena.allocate(4, 4).address();
        this.scratchIn = arena.allocate(bufferBytes, 4096).address();
        this.scratchOut = arena.allocate(bufferBytes, 4096).address();
        this.pool = new BufferPool(bufferBytes, arena);
        this.table = new ConnectionTable(settings.connectionsMax(), handler::newConnectionState);
        this.ready = new Connection[settings.connectionsMax()];
        this.plan = handler.newPlan();
        this.sparePlans = new ResponsePlan[64];

        epfd = sys.epollCreate1(EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1: " + Errno.describe(epfd));
        }
        wakeFd = sys.eventfd(0, EventfdConstants.EFD_NONBLOCK | EventfdConstants.EFD_CLOEXEC);
        if (wakeFd < 0) {
            throw new IllegalStateException("eventfd: " + Errno.describe(wakeFd));
        }
        register(wakeFd, EPOLLIN | EPOLLET, ownToken(WAKE_SLOT));
        for (int i = 0; i < listenFds.length; i++) {
            register(listenFds[i], EPOLLIN | EPOLLET, ownToken(i));
        }
    }

    private void register(int fd, int events, long token) {
        int rc = sys.epollCtl(epfd, EPOLL_CTL_ADD, fd, events, token);
        if (rc < 0) {
            throw new IllegalStateException("epoll_ctl(ADD, fd " + fd + "): " + Errno.describe(rc));
        }
    }

    private static long ownToken(int slot) {
        return ((long) OWN_FD_GENERATION << 32) | (slot & 0xFFFF_FFFFL);
    }

    @Override
    public String engine() {
        return "epoll";
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
    public void publishTo(LoopMetrics metrics) {
        this.metrics = metrics;
    }

    /** Buffers borrowed by connections right now (tests check that nothing leaks). */
    public long buffersInUse() {
        return pool.inUse();
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

    private void wake() {
        // From a foreign thread: a short-lived Syscalls keeps the loop's own one single-threaded.
        new Syscalls().eventfdWrite(wakeFd, 1);
    }

    @Override
    public void run() {
        nowMs = System.currentTimeMillis();
        nextScanMs = nowMs + TIMER_SCAN_INTERVAL_MS;
        handler.tick(nowMs);
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
        boolean listenBacklog = false;
        for (boolean p : listenPending) {
            listenBacklog |= p;
        }
        int timeoutMs = readyCount > 0 || listenBacklog ? 0 : (int) Math.max(0, Math.min(TIMER_SCAN_INTERVAL_MS, nextScanMs - nowMs));
        int n = sys.epollWait(epfd, eventsAddress, EVENTS_PER_WAIT, timeoutMs);
        nowMs = System.currentTimeMillis();
        handler.tick(nowMs);
        counters.wakeups++;
        if (n < 0) {
            if (n != -Errno.EINTR) {
                log.error("loop-{}: epoll_wait failed: {}", index, Errno.describe(n));
                running = false;
            }
            return;
        }
        counters.events += n;
        if (metrics != null) {
            counters.eventsPerWakeup.observe(n);
        }
        if (retirement.pending()) {
            // Before the events: a request read in this wakeup arrived after retire() was asked,
            // so its response must already say Connection: close.
            beginRetire();
        }
        for (int i = 0; i < n; i++) {
            long token = EpollEvent.data(eventsAddress, i);
            int events = EpollEvent.events(eventsAddress, i);
            if (Connection.generationOf(token) == OWN_FD_GENERATION) {
                onOwnFd(Connection.slotOf(token));
            } else {
                try {
                    onConnectionEvent(token, events);
                } catch (RuntimeException e) {
                    failConnection(token, e);
                }
            }
        }
        for (int i = 0; i < listenPending.length; i++) {
            if (listenPending[i]) {
                accept(i);
            }
        }
        runReadyQueue();
        if (nowMs >= nextScanMs) {
            scanTimeouts();
            if (metrics != null) {
                metrics.publish(counters, sys, false);
            }
            nextScanMs = nowMs + (retirement.active() ? RETIRE_SCAN_INTERVAL_MS : TIMER_SCAN_INTERVAL_MS);
        }
        if (retirement.over(table.open(), true, nowMs)) {
            running = false;
        }
    }

    // ---------------------------------------------------------------- retirement

    /**
     * Stops accepting and lets the connections finish (see {@link EventLoop#retire}). The listen
     * backlog is emptied first: a client whose handshake the kernel already completed would
     * otherwise be reset when the socket closes (when this fd is its last reference). Then each
     * listen fd leaves the epoll set before it is closed: epoll forgets a registration only when
     * the last reference to the socket closes, and in a worker the master keeps one, so a bare
     * close(2) would leave events coming for an fd number that is closed or reused (epoll(7),
     * "Will closing a file descriptor cause it to be removed from all epoll interest lists?").
     */
    private void beginRetire() {
        retirement.begin(table.open(), nowMs);
        handler.drain();
        for (int i = 0; i < listenFds.length; i++) {
            if (listenFds[i] < 0) {
                continue;
            }
            for (int round = 0; round < RETIRE_ACCEPT_ROUNDS; round++) {
                accept(i);
                if (!listenPending[i]) {
                    break;
                }
            }
            sys.epollCtl(epfd, EPOLL_CTL_DEL, listenFds[i], 0, 0);
            sys.close(listenFds[i]);
            listenFds[i] = -1;
            listenPending[i] = false;
        }
        for (int i = 0; i < table.created(); i++) {
            Connection c = table.get(i);
            if (c.fd >= 0) {
                retirement.limitIdle(c, c.idle(), nowMs);
            }
        }
        nextScanMs = Math.min(nextScanMs, nowMs + RETIRE_SCAN_INTERVAL_MS);
    }

    /**
     * The deadline of a connection waiting for its client ({@link Connection#setWaitingDeadline});
     * while retiring, an idle one (between requests, or new and silent) gets only the idle grace.
     */
    private void waitForClient(Connection c) {
        c.setWaitingDeadline(settings, nowMs);
        if (retirement.active()) { // idleness is worked out only while retiring: this runs per request
            retirement.limitIdle(c, c.idle(), nowMs);
        }
    }

    private void onOwnFd(int slot) {
        if (slot == WAKE_SLOT) {
            sys.eventfdRead(wakeFd);
        } else {
            listenPending[slot] = true;
        }
    }

    // ---------------------------------------------------------------- accept

    private void accept(int listenIndex) {
        listenPending[listenIndex] = false;
        int listenFd = listenFds[listenIndex];
        for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
            all.set(ValueLayout.JAVA_INT, sockaddrLenAddress, 128);
            int fd = sys.accept4(listenFd, SOCK_NONBLOCK | SOCK_CLOEXEC, sockaddrAddress, sockaddrLenAddress);
            if (fd < 0) {
                if (fd == -Errno.EAGAIN) {
                    return;
                }
                if (fd == -Errno.ECONNABORTED || fd == -Errno.EINTR) {
                    continue;
                }
                if (fd == -Errno.EMFILE || fd == -Errno.ENFILE) {
                    // The connection stays in the backlog; the timer scan retries in a second.
                    logLimit("accept4: {} on loop-{}: raise the open-file limit (ulimit -n, LimitNOFILE) or lower limits.connections-per-loop",
                            Errno.name(fd));
                    return;
                }
                log.error("loop-{}: accept4 failed: {}", index, Errno.describe(fd));
                return;
            }
            Connection c = table.take();
            if (c == null) {
                sys.close(fd);
                counters.connectionsOverLimit++; // closed for the limit: LoopMetrics counts it so
                logLimit("limits.connections-per-loop ({}) reached on loop-{}: connection refused; raise it",
                        String.valueOf(table.capacity()));
                continue;
            }
            c.open(fd, nowMs);
            c.recordPeer(sockaddrAddress);
            counters.accepted++;
            counters.connectionsOpen = table.open();
            // Heads and bodies already leave in one send; NODELAY only stops Nagle from holding a
            // partial last segment of a sendfile'd body (nginx sets tcp_nodelay on keep-alive too).
            sys.setsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
            int rc = sys.epollCtl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c.token());
            if (rc < 0) {
                log.error("loop-{}: epoll_ctl(ADD) for a new connection failed: {}", index, Errno.describe(rc));
                c.closeReason = LoopCounters.CLOSE_ERROR;
                close(c);
                continue;
            }
            waitForClient(c); // the header-read timeout (the idle grace while retiring)
        }
        listenPending[listenIndex] = true;
    }

    private void logLimit(String message, String arg) {
        if (nowMs - lastLimitLogMs >= 1_000) {
            lastLimitLogMs = nowMs;
            log.warn(message, arg, index);
        }
    }

    // ---------------------------------------------------------------- events

    private void onConnectionEvent(long token, int events) {
        Connection c = table.live(token);
        if (c == null) {
            counters.staleEvents++;
            return;
        }
        if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            c.inputPending = true;
        }
        if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            // The peer finished sending (or the socket failed): keep reading until read returns 0
            // or the error, even after a short read.
            c.peerClosed = true;
        }
        progress(c);
    }

    /**
     * A bug met while serving one connection closes that connection, loudly, and the loop
     * keeps serving the others.
     */
    private void failConnection(long token, RuntimeException e) {
        Connection c = table.live(token);
        log.error("loop-{}: unexpected error on connection fd {}; closing it", index, c != null ? c.fd : -1, e);
        if (c != null) {
            c.closeReason = LoopCounters.CLOSE_ERROR;
            close(c);
        }
    }

    private void runReadyQueue() {
        // Only the connections queued before this pass: one that re-queues itself waits for the next wakeup.
        for (int n = readyCount; n > 0; n--) {
            Connection c = ready[readyHead];
            ready[readyHead] = null;
            readyHead = readyHead + 1 == ready.length ? 0 : readyHead + 1;
            readyCount--;
            c.queued = false;
            if (c.fd >= 0) {
                try {
                    progress(c);
                } catch (RuntimeException e) {
                    failConnection(c.token(), e);
                }
            }
        }
    }

    private void enqueue(Connection c) {
        if (!c.queued) {
            c.queued = true;
            int tail = readyHead + readyCount;
            ready[tail >= ready.length ? tail - ready.length : tail] = c;
            readyCount++;
        }
    }

    /**
     * Moves a connection forward as far as it can go without blocking: send what is
     * pending, answer the complete requests already buffered (pipelining), read more.
     * Bounded by {@link #ROUNDS_PER_CONNECTION}; leftovers go to the ready queue.
     */
    private void progress(Connection c) {
        if (c.lingering) {
            drainLingering(c);
            return;
        }
        boolean exhausted = true;
        for (int round = 0; round < ROUNDS_PER_CONNECTION; round++) {
            if (c.hasUnsentOutput()) {
                int r = drive(c);
                if (r == CLOSED) {
                    return;
                }
                if (r != SENT_ALL) {
                    if (r == YIELD) {
                        enqueue(c);
                    }
                    park(c);
                    return;
                }
                if (c.closeAfterSend) {
                    closeAfterResponse(c);
                    return;
                }
            }
            if (c.inEnd > c.inStart && !c.closeAfterSend) {
                if (!serveBuffered(c)) {
                    return;
                }
                if (c.hasUnsentOutput()) {
                    continue;
                }
            }
            if (!c.inputPending) {
                exhausted = false;
                break;
            }
            if (c.inAddress == 0 && c.inEnd > c.inStart) {
                // A partial request sits in the scratch buffer (a read filled it): keep it in an own buffer.
                adoptInput(c);
            }
            long n = readSome(c);
            if (n == 0) {
                // EOF: answer what is complete in the buffer, then close.
                c.peerClosed = true;
            } else if (n < 0 && n != -Errno.EAGAIN) {
                close(c);
                return;
            }
        }
        if (exhausted) {
            enqueue(c);
        } else if (c.peerClosed && !c.inputPending && !c.hasUnsentOutput()) {
            // Whatever is still buffered is a request head that can never complete.
            close(c);
            return;
        }
        park(c);
    }

    /**
     * One read into the connection's input. Returns bytes read, 0 at EOF, or -errno
     * (-EAGAIN when drained).
     */
    private long readSome(Connection c) {
        long base;
        if (c.inAddress != 0) {
            base = c.inAddress;
            if (c.inStart > 0 && c.inEnd == bufferBytes) {
                compact(c);
            }
        } else {
            // The scratch buffer holds nothing between connections (park() moves leftovers out).
            base = scratchIn;
            if (c.inEnd > c.inStart) {
                throw new IllegalStateException("input left in the scratch buffer");
            }
            c.inStart = c.inEnd = 0;
        }
        int space = bufferBytes - c.inEnd;
        if (space == 0) {
            // Cannot happen while bufferBytes exceeds the request-head limits: the parser answers 414/431 first.
            return -Errno.ENOBUFS;
        }
        long n = sys.read(c.fd, base + c.inEnd, space);
        if (n > 0) {
            c.inEnd += (int) n;
            // A short read drained the socket: with EPOLLET new data raises a new edge, so the EAGAIN
            // read can be skipped (nginx does the same when EPOLLRDHUP is available). Until EOF has
            // been read, a peer that closed keeps inputPending.
            if (n < space && !c.peerClosed) {
                c.inputPending = false;
            }
            if (c.headStartedMs == 0) {
                c.headStartedMs = nowMs;
            }
            if (metrics != null) {
                c.inputRead();
            }
            return n;
        }
        c.inputPending = false;
        if (n == -Errno.EAGAIN) {
            counters.readEagain++;
        }
        return n;
    }

    private void compact(Connection c) {
        int len = c.inEnd - c.inStart;
        MemorySegment.copy(all, c.inAddress + c.inStart, all, c.inAddress, len);
        c.inStart = 0;
        c.inEnd = len;
    }

    /**
     * Answers the complete requests in the connection's input, appending heads (and
     * small bodies) to its output so pipelined responses leave in one send.
     *
     * @return false if the connection was closed
     */
    private boolean serveBuffered(Connection c) {
        long inBase = c.inAddress != 0 ? c.inAddress : scratchIn;
        if (c.outAddress == 0 && c.outEnd == c.outStart) {
            c.outStart = c.outEnd = 0;
        }
        while (c.inEnd > c.inStart && !c.closeAfterSend && c.pending == null) {
            long outBase = c.outAddress != 0 ? c.outAddress : scratchOut;
            ResponsePlan p = plan;
            p.reset();
            int r = handler.handle(c.http, inBase + c.inStart, c.inEnd - c.inStart,
                    outBase + c.outEnd, bufferBytes - c.outEnd, p, nowMs);
            if (r == StaticFileHandler.NEED_OUTPUT_SPACE) {
                if (c.outEnd > c.outStart) {
                    return true;
                }
                log.error("loop-{}: a response head does not fit in {} bytes", index, bufferBytes);
                c.closeReason = LoopCounters.CLOSE_ERROR;
                close(c);
                return false;
            }
            if (r == 0) {
                break;
            }
            c.inStart += r;
            c.headStartedMs = c.inEnd > c.inStart ? nowMs : 0;
            long requestStartNs = c.requestConsumed(c.inEnd > c.inStart);
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
                int copied = PlanBodies.copyToOutput(p, (c.outAddress != 0 ? c.outAddress : scratchOut) + c.outEnd);
                c.outEnd += copied;
                counters.bytesFromMemory += copied;
                PlanBodies.releaseFile(p);
            } else {
                c.pending = p;
                c.pendingPart = 0;
                c.pendingPartSent = 0;
                plan = takeSparePlan();
                break;
            }
        }
        return true;
    }




    private ResponsePlan takeSparePlan() {
        return sparePlanCount > 0 ? sparePlans[--sparePlanCount] : handler.newPlan();
    }

    private void giveSparePlan(ResponsePlan p) {
        p.reset();
        if (sparePlanCount < sparePlans.length) {
            sparePlans[sparePlanCount++] = p;
        }
    }

    // ---------------------------------------------------------------- sending

    /** Sends buffered bytes, then the pending response's body parts. */
    private int drive(Connection c) {
        if (c.outEnd > c.outStart) {
            long outBase = c.outAddress != 0 ? c.outAddress : scratchOut;
            long len = c.outEnd - c.outStart;
            // More bytes follow right away (a file body): MSG_MORE lets the head and the first body
            // bytes share a segment, the job nginx gives to two TCP_CORK setsockopts.
            int flags = c.pending != null ? MSG_NOSIGNAL | MSG_MORE : MSG_NOSIGNAL;
            long n = sys.send(c.fd, outBase + c.outStart, len, flags);
            if (n < 0) {
                return sendFailed(c, n);
            }
            c.deadlineMs = nowMs + settings.sendTimeoutMs();
            if (n < len) {
                c.outStart += (int) n;
                counters.partialWrites++;
                return BLOCKED;
            }
            c.outStart = c.outEnd = 0;
        }
        int sendfileCalls = 0;
        while (c.pending != null) {
            ResponsePlan p = c.pending;
            int i = c.pendingPart;
            if (i == p.partCount) {
                PlanBodies.releaseFile(p);
                giveSparePlan(p);
                c.pending = null;
                break;
            }
            long remaining = p.partLength[i] - c.pendingPartSent;
            long n;
            if (p.partKind[i] == ResponsePlan.PART_BYTES) {
                int flags = i + 1 < p.partCount ? MSG_NOSIGNAL | MSG_MORE : MSG_NOSIGNAL;
                n = sys.send(c.fd, p.partSegment[i].address() + p.partOffset[i] + c.pendingPartSent, remaining, flags);
                if (n > 0) {
                    counters.bytesFromMemory += n;
                }
            } else {
                if (sendfileCalls == SENDFILE_CALLS_PER_ROUND) {
                    return YIELD;
                }
                sendfileCalls++;
                long chunk = Math.min(remaining, settings.sendfileChunkBytes());
                n = sys.sendfile(c.fd, p.file.fd(), p.partOffset[i] + c.pendingPartSent, chunk);
                if (n == 0) {
                    // The file shrank after it was opened: the promised Content-Length cannot be kept.
                    log.warn("loop-{}: file truncated while being sent; closing connection fd {}", index, c.fd);
                    c.closeReason = LoopCounters.CLOSE_ERROR;
                    close(c);
                    return CLOSED;
                }
                if (n > 0) {
                    counters.bytesFromFile += n;
                }
                remaining = chunk;
            }
            if (n < 0) {
                return sendFailed(c, n);
            }
            c.deadlineMs = nowMs + settings.sendTimeoutMs();
            c.pendingPartSent += n;
            if (c.pendingPartSent == p.partLength[i]) {
                c.pendingPart++;
                c.pendingPartSent = 0;
            } else if (n < remaining) {
                counters.partialWrites++;
                return BLOCKED;
            }
        }
        c.responsesHandedOver(counters);
        return SENT_ALL;
    }

    private int sendFailed(Connection c, long n) {
        if (n == -Errno.EAGAIN) {
            counters.writeEagain++;
            return BLOCKED;
        }
        if (n != -Errno.EPIPE && n != -Errno.ECONNRESET) {
            log.debug("loop-{}: send on fd {} failed: {}", index, c.fd, Errno.describe((int) n));
            c.closeReason = LoopCounters.CLOSE_ERROR;
        }
        close(c);
        return CLOSED;
    }

    // ---------------------------------------------------------------- buffers and deadlines

    /**
     * Between events a connection keeps only what it must: leftover input or unsent output
     * moves from the loop's scratch buffers into pooled ones, and empty pooled buffers go
     * back. Then its deadline is set for the state it waits in.
     */
    private void park(Connection c) {
        int inLen = c.inEnd - c.inStart;
        if (c.inAddress == 0) {
            adoptInput(c);
        } else if (inLen == 0) {
            pool.give(c.inAddress);
            c.inAddress = 0;
            c.inStart = c.inEnd = 0;
        }
        int outLen = c.outEnd - c.outStart;
        if (c.outAddress == 0) {
            if (outLen > 0) {
                c.outAddress = pool.take();
                MemorySegment.copy(all, scratchOut + c.outStart, all, c.outAddress, outLen);
                c.outStart = 0;
                c.outEnd = outLen;
            } else {
                c.outStart = c.outEnd = 0;
            }
        } else if (outLen == 0) {
            pool.give(c.outAddress);
            c.outAddress = 0;
            c.outStart = c.outEnd = 0;
        }
        if (!c.hasUnsentOutput()) { // else: the deadline was set by the last send progress
            waitForClient(c);
        }
    }

    /** Moves input left in the scratch buffer into a pooled buffer of the connection's own. */
    private void adoptInput(Connection c) {
        int inLen = c.inEnd - c.inStart;
        if (inLen > 0) {
            c.inAddress = pool.take();
            MemorySegment.copy(all, scratchIn + c.inStart, all, c.inAddress, inLen);
            c.inStart = 0;
            c.inEnd = inLen;
        } else {
            c.inStart = c.inEnd = 0;
        }
    }

    private void scanTimeouts() {
        for (int i = 0; i < table.created(); i++) {
            Connection c = table.get(i);
            if (c.fd >= 0 && nowMs >= c.deadlineMs) {
                if (retirement.isTimeout(c.idle())) {
                    counters.timeouts++;
                    c.closeReason = LoopCounters.CLOSE_TIMEOUT;
                } else {
                    c.closeReason = LoopCounters.CLOSE_SHUTDOWN;
                }
                if (!c.lingering && !c.hasUnsentOutput() && c.inEnd > c.inStart) {
                    sendTimeoutResponse(c);
                }
                close(c);
            }
        }
        // Accepts refused by EMFILE wait in the backlog: retry them now.
        for (int i = 0; i < listenPending.length; i++) {
            listenPending[i] = listenFds[i] >= 0;
        }
    }

    /** Best effort 408 to a client that did not finish its request head in time; one non-blocking send. */
    private void sendTimeoutResponse(Connection c) {
        int len = handler.writeTimeoutResponse(scratchOut, bufferBytes);
        if (len > 0) {
            sys.send(c.fd, scratchOut, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    }

    // ---------------------------------------------------------------- closing

    /**
     * Closes after the last response: half-close and drain what the peer still sends,
     * so that its unread bytes do not turn our FIN into a RST that could destroy the
     * response before the peer read it (RFC 9112 §9.6; nginx's lingering_close).
     */
    private void closeAfterResponse(Connection c) {
        if (c.peerClosed && !c.inputPending) {
            close(c);
            return;
        }
        sys.shutdown(c.fd, SHUT_WR);
        c.lingering = true;
        c.deadlineMs = nowMs + LINGER_MS;
        c.inStart = c.inEnd = 0;
        park(c);
        c.deadlineMs = nowMs + LINGER_MS;
        drainLingering(c);
    }

    private void drainLingering(Connection c) {
        for (int i = 0; i < ROUNDS_PER_CONNECTION; i++) {
            long n = sys.read(c.fd, scratchIn, bufferBytes);
            if (n == -Errno.EAGAIN) {
                return;
            }
            if (n <= 0) {
                close(c);
                return;
            }
        }
        enqueue(c);
    }

    private void close(Connection c) {
        if (c.pending != null) {
            PlanBodies.releaseFile(c.pending);
            giveSparePlan(c.pending);
            c.pending = null;
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
        // close(2) also removes the fd from the epoll set (no other fd refers to this socket).
        sys.close(c.fd);
        // A new generation (never OWN_FD_GENERATION: ConnectionTable wraps them at 2^24).
        table.free(c);
        counters.closed++;
        counters.closedByReason[c.closeReason]++;
        counters.connectionsOpen = table.open();
    }

    private void closeEverything() {
        for (int i = 0; i < table.created(); i++) {
            if (table.get(i).fd >= 0) {
                table.get(i).closeReason = LoopCounters.CLOSE_SHUTDOWN;
                close(table.get(i));
            }
        }
        for (int fd : listenFds) {
            if (fd >= 0) {
                sys.close(fd);
            }
        }
        synchronized (wakeLock) {
            // Under the lock: stop() must never write to a closed (and maybe reused) fd number.
            sys.close(wakeFd);
            wakeFd = -1;
        }
        if (epfd >= 0) {
            sys.close(epfd);
        }
        handler.close();
        arena.close();
    }
}
