package io.uringhttpd.engine;

import io.uringhttpd.sys.SyscallCounts;

/** One event loop on one platform thread: the reactor or the proactor. */
public interface EventLoop extends Runnable {
    /** Name of the engine ("epoll", "io_uring") for logs and metric labels. */
    String engine();

    /** Asks the loop to stop; returns at once. The loop closes every connection and its sockets. */
    void stop();

    /** Ports the loop listens on, in listen-address order (useful with port 0). */
    int[] localPorts();

    LoopCounters counters();

    SyscallCounts syscalls();

    /** Connections open now (a racy read from another thread: for tests and metrics). */
    int connectionsOpen();
}
