package io.uringhttpd.engine.epoll;

import static io.uringhttpd.sys.EpollConstants.*;
import static io.uringhttpd.sys.SocketConstants.*;

import io.uringhttpd.engine.Connection;
import io.uringhttpd.engine.EngineOps;
import io.uringhttpd.engine.EventLoop;
import io.uringhttpd.engine.Listeners;
import io.uringhttpd.engine.LoopCore;
import io.uringhttpd.engine.LoopCounters;
import io.uringhttpd.engine.LoopSettings;
import io.uringhttpd.http.ResponsePlan;
import io.uringhttpd.http.StaticFileHandler;
import io.uringhttpd.sys.EpollEvent;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.EventfdConstants;
import io.uringhttpd.sys.NativeMemory;
import io.uringhttpd.sys.Syscalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epoll reactor: readiness events, non-blocking syscalls, sendfile(2).
 *
 * <p>One instance per platform thread; what both engines share (connection table, pools,
 * serving, deadlines, lifecycle) is its {@link LoopCore}. Sockets are registered once,
 * edge-triggered, for EPOLLIN|EPOLLOUT|EPOLLRDHUP: no epoll_ctl per request. A keep-alive
 * request costs one read and one send (head and cached body together), or one send with
 * MSG_MORE plus sendfile for a file body — against nginx's five syscalls (recvfrom, writev,
 * sendfile and two TCP_CORK setsockopts, measured here).
 *
 * <p>Every loop is bounded (events per wait, accepts, rounds per connection, sendfile chunks)
 * so that one busy connection cannot starve the others; a connection with work left goes into
 * the ready queue and the next wait does not block.
 */
public final class EpollLoop implements EventLoop, EngineOps {
    private static final Logger log = LoggerFactory.getLogger(EpollLoop.class);

    /** Generation reserved for the loop's own fds (listen sockets, wake-up eventfd): never given to a connection. */
    private static final int OWN_FD_GENERATION = -1;
    private static final int WAKE_SLOT = -1;
    private static final int FILE_EVENTS_SLOT = -2;

    private static final int EVENTS_PER_WAIT = 512;
    /** nginx accepts up to 512 per event with multi_accept; 64 keeps one wake-up short while a burst arrives. */
    private static final int ACCEPTS_PER_WAKEUP = 64;
    /** Read/serve/send rounds for one connection before it yields to the others. */
    private static final int ROUNDS_PER_CONNECTION = 8;
    /** sendfile calls for one connection per round: with a 2 MiB chunk, 8 MiB before yielding. */
    private static final int SENDFILE_CALLS_PER_ROUND = 4;
    /** While retiring, accept rounds (of ACCEPTS_PER_WAKEUP) that empty a listen backlog before its fd closes. */
    private static final int RETIRE_ACCEPT_ROUNDS = 16;
    private static final int SOCKADDR_BYTES = 128;

    /** What {@link #drive} achieved. */
    private static final int SENT_ALL = 0;
    private static final int BLOCKED = 1;
    private static final int YIELD = 2;
    private static final int CLOSED = 3;

    private final LoopCore core;
    private final Syscalls sys;
    private final LoopCounters counters;
    private final LoopSettings settings;
    private final int index;
    private final int bufferBytes;

    private final Listeners listeners;
    private final boolean[] listenPending;

    private final long eventsAddress;
    private final long sockaddrAddress;
    private final long sockaddrLenAddress;
    /** Input and output of the connection being served, when it has no pooled buffer of its own. */
    private final long scratchIn;
    private final long scratchOut;

    /** Connections with work left that need no new event: served before the next wait blocks. */
    private final Connection[] ready;
    private int readyHead;
    private int readyCount;

    private int epfd = -1;
    /** The open-file cache's inotify fd, or -1. */
    private final int fileEventsFd;

    /**
     * @param listenFds listening sockets owned by this loop from now on (closed when it stops)
     */
    public EpollLoop(int index, LoopSettings settings, Syscalls sys, StaticFileHandler handler, int[] listenFds) {
        this.core = new LoopCore(this, index, "epoll", settings, sys, handler, listenFds,
                EventfdConstants.EFD_NONBLOCK | EventfdConstants.EFD_CLOEXEC);
        this.listeners = core.listeners;
        this.sys = sys;
        this.counters = core.counters;
        this.settings = settings;
        this.index = index;
        this.bufferBytes = core.bufferBytes;
        this.listenPending = new boolean[listeners.count()];
        this.eventsAddress = core.memory.allocate(EpollEvent.BYTES * EVENTS_PER_WAIT, 8);
        this.sockaddrAddress = core.memory.allocate(SOCKADDR_BYTES, 8);
        this.sockaddrLenAddress = core.memory.allocate(4, 4);
        this.scratchIn = core.memory.allocate(bufferBytes, NativeMemory.PAGE_BYTES);
        this.scratchOut = core.memory.allocate(bufferBytes, NativeMemory.PAGE_BYTES);
        this.ready = new Connection[settings.connectionsMax()];

        epfd = sys.epollCreate1(EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1: " + Errno.describe(epfd));
        }
        register(core.wakeFd(), EPOLLIN | EPOLLET, ownToken(WAKE_SLOT));
        fileEventsFd = handler.fileEventsFd();
        if (fileEventsFd >= 0) {
            // Level-triggered: a drain that stops early (a full buffer) is reported again.
            register(fileEventsFd, EPOLLIN, ownToken(FILE_EVENTS_SLOT));
        }
        for (int i = 0; i < listeners.count(); i++) {
            register(listeners.fd(i), EPOLLIN | EPOLLET, ownToken(i));
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

    // ---------------------------------------------------------------- EventLoop

    @Override
    public LoopCore core() {
        return core;
    }

    // ---------------------------------------------------------------- EngineOps

    @Override
    public void start() {
    }

    @Override
    public void runOnce() {
        boolean listenBacklog = false;
        for (boolean p : listenPending) {
            listenBacklog |= p;
        }
        int timeoutMs = readyCount > 0 || listenBacklog ? 0 : (int) core.msUntilTick();
        int n = sys.epollWait(epfd, eventsAddress, EVENTS_PER_WAIT, timeoutMs);
        core.woke(n);
        if (n < 0) {
            if (n != -Errno.EINTR) {
                core.fatal("epoll_wait", n);
            }
            return;
        }
        if (fileEventsFd >= 0) {
            filesFirst(n);
        }
        for (int i = 0; i < n; i++) {
            long token = EpollEvent.data(eventsAddress, i);
            int events = EpollEvent.events(eventsAddress, i);
            if (Connection.generationOf(token) == OWN_FD_GENERATION) {
                onOwnFd(Connection.slotOf(token));
            } else {
                Connection c = core.table.live(token);
                if (c == null) {
                    counters.staleEvents++;
                    continue;
                }
                try {
                    onConnectionEvent(c, events);
                } catch (RuntimeException e) {
                    core.fail(c, e);
                }
            }
        }
        for (int i = 0; i < listenPending.length; i++) {
            if (listenPending[i]) {
                accept(i);
            }
        }
        runReadyQueue();
    }

    @Override
    public boolean idle(Connection c) {
        return c.idle();
    }

    @Override
    public boolean closing(Connection c) {
        return false; // a reactor's close is immediate
    }

    /**
     * Stops accepting (see {@link EventLoop#retire}). The listen backlog is emptied first: a
     * client whose handshake the kernel already completed would otherwise be reset when the
     * socket closes (when this fd is its last reference). Then each listen fd leaves the epoll
     * set before it is closed: epoll forgets a registration only when the last reference to the
     * socket closes, and in a worker the master keeps one, so a bare close(2) would leave events
     * coming for an fd number that is closed or reused (epoll(7), "Will closing a file descriptor
     * cause it to be removed from all epoll interest lists?").
     */
    @Override
    public void stopAccepting() {
        for (int i = 0; i < listeners.count(); i++) {
            if (listeners.fd(i) < 0) {
                continue;
            }
            for (int round = 0; round < RETIRE_ACCEPT_ROUNDS; round++) {
                accept(i);
                if (!listenPending[i]) {
                    break;
                }
            }
            sys.epollCtl(epfd, EPOLL_CTL_DEL, listeners.fd(i), 0, 0);
            listeners.close(i);
            listenPending[i] = false;
        }
    }

    /** The listen sockets are edge-triggered: what waits in their backlogs is accepted on the next turn. */
    @Override
    public void resumeAccepting() {
        for (int i = 0; i < listenPending.length; i++) {
            listenPending[i] = listeners.fd(i) >= 0;
        }
    }

    @Override
    public int ownFds() {
        return epfd >= 0 ? 1 : 0;
    }

    /**
     * Files changed: the cache forgets them before any request of this wake-up is served, so a
     * request sent after a deploy's rename(2) returned gets the new file (its event was queued
     * inside that rename, before the request existed: docs/freshness.md).
     */
    private void filesFirst(int n) {
        long token = ownToken(FILE_EVENTS_SLOT);
        for (int i = 0; i < n; i++) {
            if (EpollEvent.data(eventsAddress, i) == token) {
                core.handler.onFileEvents();
                return;
            }
        }
    }

    private void onOwnFd(int slot) {
        if (slot == WAKE_SLOT) {
            sys.eventfdRead(core.wakeFd());
        } else if (slot == FILE_EVENTS_SLOT) {
            // handled by filesFirst
        } else if (!core.acceptPaused()) {
            listenPending[slot] = true; // paused: the backlog waits for resumeAccepting
        }
    }

    // ---------------------------------------------------------------- accept

    private void accept(int listenIndex) {
        listenPending[listenIndex] = false;
        int listenFd = listeners.fd(listenIndex);
        for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
            NativeMemory.putInt(sockaddrLenAddress, SOCKADDR_BYTES);
            int fd = sys.accept4(listenFd, SOCK_NONBLOCK | SOCK_CLOEXEC, sockaddrAddress, sockaddrLenAddress);
            if (fd < 0) {
                if (fd == -Errno.EAGAIN) {
                    return;
                }
                if (fd == -Errno.ECONNABORTED || fd == -Errno.EINTR) {
                    continue;
                }
                if (fd == -Errno.EMFILE || fd == -Errno.ENFILE) {
                    // The connection stays in the backlog until connections close (resumeAccepting).
                    core.pauseAccepting(-fd);
                    return;
                }
                log.error("loop-{}: accept4 failed: {}", index, Errno.describe(fd));
                return;
            }
            Connection c = core.open(fd);
            if (c == null) {
                continue;
            }
            c.recordPeer(sockaddrAddress);
            int rc = sys.epollCtl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, c.token());
            if (rc < 0) {
                log.error("loop-{}: epoll_ctl(ADD) for a new connection failed: {}", index, Errno.describe(rc));
                c.closeReason = LoopCounters.CLOSE_ERROR;
                close(c);
                continue;
            }
            core.waitForClient(c); // the header-read timeout (the idle grace while retiring)
        }
        listenPending[listenIndex] = true;
    }

    // ---------------------------------------------------------------- events

    private void onConnectionEvent(Connection c, int events) {
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

    private void runReadyQueue() {
        // Only the connections queued before this pass: one that re-queues itself waits for the next wake-up.
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
                    core.fail(c, e);
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
                if (!serve(c)) {
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
                c.headStartedMs = core.nowMs;
            }
            if (core.timed()) {
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
        NativeMemory.copy(c.inAddress + c.inStart, c.inAddress, len);
        c.inStart = 0;
        c.inEnd = len;
    }

    /**
     * Answers the complete requests in the connection's input into its output (the scratch
     * buffers when it owns none).
     *
     * @return false if the connection was closed
     */
    private boolean serve(Connection c) {
        if (c.outAddress == 0 && c.outEnd == c.outStart) {
            c.outStart = c.outEnd = 0;
        }
        long inBase = c.inAddress != 0 ? c.inAddress : scratchIn;
        long outBase = c.outAddress != 0 ? c.outAddress : scratchOut;
        int at = core.serve(c, inBase, c.inStart, c.inEnd, outBase);
        if (at == LoopCore.SERVE_FAILED) {
            close(c);
            return false;
        }
        c.inStart = at;
        return true;
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
            core.sent(c);
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
                core.finishPending(c);
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
                n = sys.sendfile(c.fd, p.fileFd(), p.partOffset[i] + c.pendingPartSent, chunk);
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
            core.sent(c);
            c.pendingPartSent += n;
            if (c.pendingPartSent == p.partLength[i]) {
                c.pendingPart++;
                c.pendingPartSent = 0;
            } else if (n < remaining) {
                counters.partialWrites++;
                if (p.partKind[i] == ResponsePlan.PART_BYTES) {
                    return BLOCKED;
                }
                // A short sendfile is a full socket buffer or the file's end (it shrank): only the
                // first sets SOCK_NOSPACE, so only the first brings an EPOLLOUT edge later
                // (tcp_check_space). Asking again tells them apart: -EAGAIN (wait for the edge) or
                // 0 (truncated: close). Found by the peer-gone contract on a truncated file.
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
        if (c.inAddress == 0) {
            adoptInput(c);
        }
        int outLen = c.outEnd - c.outStart;
        if (c.outAddress == 0) {
            if (outLen > 0) {
                c.outAddress = core.pool.take();
                NativeMemory.copy(scratchOut + c.outStart, c.outAddress, outLen);
                c.outStart = 0;
                c.outEnd = outLen;
            } else {
                c.outStart = c.outEnd = 0;
            }
        }
        core.giveBackEmpty(c);
        if (!c.hasUnsentOutput()) { // else: the deadline was set by the last send progress
            core.waitForClient(c);
        }
    }

    /** Moves input left in the scratch buffer into a pooled buffer of the connection's own. */
    private void adoptInput(Connection c) {
        int inLen = c.inEnd - c.inStart;
        if (inLen > 0) {
            c.inAddress = core.pool.take();
            NativeMemory.copy(scratchIn + c.inStart, c.inAddress, inLen);
            c.inStart = 0;
            c.inEnd = inLen;
        } else {
            c.inStart = c.inEnd = 0;
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
        c.inStart = c.inEnd = 0;
        park(c);
        c.deadlineMs = core.nowMs + LoopCore.LINGER_MS;
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

    /** A reactor closes at once: close(2) also removes the fd from the epoll set (no other fd refers to this socket). */
    @Override
    public void close(Connection c) {
        core.release(c);
    }

    @Override
    public void closeEverything() {
        for (int i = 0; i < core.table.created(); i++) {
            Connection c = core.table.get(i);
            if (c.fd >= 0) {
                c.closeReason = LoopCounters.CLOSE_SHUTDOWN;
                close(c);
            }
        }
        if (epfd >= 0) {
            sys.close(epfd);
            epfd = -1;
        }
    }
}
