package io.uringhttpd.engine;

import io.uringhttpd.sys.SyscallCounts;

/**
 * One event loop on one platform thread: the reactor or the proactor. What every loop does
 * the same way is its {@link LoopCore}; an engine adds how it waits and moves bytes.
 */
public interface EventLoop extends Runnable {
    /** The part every engine shares. */
    LoopCore core();

    /** Name of the engine ("epoll", "io_uring") for logs and metric labels. */
    default String engine() {
        return core().engine;
    }

    /** Asks the loop to stop; returns at once. The loop closes every connection and its sockets. */
    default void stop() {
        core().stop();
    }

    /**
     * Graceful retirement. Thread-safe, returns at once. Stops accepting now (the loop closes its
     * listen fds: in a worker they are copies, the master keeps the sockets; pending io_uring
     * accepts are cancelled first, and connections already in the backlog are still accepted and
     * served), every response from now on carries {@code Connection: close}, a connection with
     * nothing in progress is closed once it has been idle {@code idleGraceMs} (a request arriving
     * first is answered, then the connection closes), and the loop ends when no connection is left,
     * or at {@code deadlineMs} ({@link System#currentTimeMillis()} clock), closing what is left.
     *
     * <p>The idle grace exists because closing an idle keep-alive connection at the instant its
     * client sends the next request on it loses that request (the client sees a reset or an EOF
     * instead of a response; wrk and many clients do not retry): a client that is between two
     * requests gets a short window to send, and its answer tells it to go.
     *
     * <p>A second call can only bring the deadline closer; {@link #stop()} still stops at once.
     */
    default void retire(long idleGraceMs, long deadlineMs) {
        core().retire(idleGraceMs, deadlineMs);
    }

    /** Ports the loop listens on, in listen-address order (useful with port 0). */
    default int[] localPorts() {
        return core().listeners.ports();
    }

    /** Runs the loop on the calling thread until it is stopped or has retired. */
    @Override
    default void run() {
        core().run();
    }

    default LoopCounters counters() {
        return core().counters;
    }

    /**
     * Publish this loop's counters into a metrics slot (docs/architecture.md#metrics-path): call
     * before {@link #run()}. The
     * loop claims the slot when it starts, publishes at its 1 s tick and once when it stops.
     */
    default void publishTo(LoopMetrics metrics) {
        core().publishTo(metrics);
    }

    default SyscallCounts syscalls() {
        return core().syscalls();
    }

    /** Connections open now (a racy read from another thread: for tests and metrics). */
    default int connectionsOpen() {
        return (int) core().counters.connectionsOpen;
    }

    /** What the loop holds now: fds, connections, pooled buffers, pipes (a racy snapshot: see {@link LoopResources}). */
    default LoopResources resources() {
        return core().resources();
    }
}
