package io.uringhttpd.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retirement policy both engines follow ({@link EventLoop#retire}): asked for from any
 * thread, carried out by the loop. While retiring, a connection with nothing in progress gets
 * only the idle grace (closing an idle keep-alive connection at the instant its client sends on
 * it would lose that request: clients such as wrk do not retry), and the loop ends when no
 * connection is left, or at the deadline.
 *
 * <p>How a loop stops accepting is its own business (epoll: EPOLL_CTL_DEL then close; io_uring:
 * cancel the multishot accept first); what counts as idle too (the proactor also waits for its
 * operations in flight), so callers pass it.
 */
public final class Retirement {
    private static final Logger log = LoggerFactory.getLogger(Retirement.class);

    private final int loopIndex;
    /** Written by {@link #request} (any thread), read by the loop. */
    private volatile boolean requested;
    private volatile long requestedIdleGraceMs;
    private volatile long deadlineMs;
    /** Loop thread only. */
    private boolean active;
    private long idleGraceMs;

    public Retirement(int loopIndex) {
        this.loopIndex = loopIndex;
    }

    /** Any thread. A second request can only bring the deadline closer. */
    public synchronized void request(long idleGraceMs, long deadlineMs) {
        if (requested) {
            this.deadlineMs = Math.min(this.deadlineMs, deadlineMs);
        } else {
            requestedIdleGraceMs = Math.max(0, idleGraceMs);
            this.deadlineMs = deadlineMs;
            requested = true;
        }
    }

    /** Loop thread: a request waits to be carried out. */
    public boolean pending() {
        return requested && !active;
    }

    /** Loop thread: retirement begins now; the loop then stops accepting and {@link #limitIdle}s its connections. */
    public void begin(int open, long nowMs) {
        active = true;
        idleGraceMs = requestedIdleGraceMs;
        log.info("loop-{}: retiring: {} connection(s) open, idle grace {} ms, deadline in {} ms", loopIndex, open,
                idleGraceMs, deadlineMs - nowMs);
    }

    public boolean active() {
        return active;
    }

    /** While retiring, an idle connection's deadline is at most the idle grace away. */
    public void limitIdle(Connection c, boolean idle, long nowMs) {
        if (active && idle) {
            c.deadlineMs = Math.min(c.deadlineMs, nowMs + idleGraceMs);
        }
    }

    /** A deadline that ran out: a timeout, unless it was an idle connection's grace. */
    public boolean isTimeout(boolean idle) {
        return !active || !idle;
    }

    /** Loop thread, once per iteration: whether a retiring loop should end now (logged). */
    public boolean over(int open, boolean listenersClosed, long nowMs) {
        if (!active) {
            return false;
        }
        if (open == 0 && listenersClosed) {
            log.info("loop-{}: retired: no connection left", loopIndex);
            return true;
        }
        if (nowMs >= deadlineMs) {
            // The loop's closeEverything() closes them: a response still being sent is cut short.
            log.warn("loop-{}: retirement deadline reached: closing {} connection(s) still open", loopIndex, open);
            return true;
        }
        return false;
    }
}
