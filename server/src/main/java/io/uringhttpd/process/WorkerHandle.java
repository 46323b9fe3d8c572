package io.uringhttpd.process;

/**
 * The master's record of one worker process. Mutated by the master's control thread only
 * (the control reader thread just posts events).
 */
final class WorkerHandle {
    final int index;
    /** Which configuration (reload count) started it. */
    final int generation;
    final int pid;
    /** The master's end of the worker's control socket. */
    final int controlFd;
    final long startedMs;
    /** Set by the worker's "ready" line: it serves. */
    boolean ready;
    /** A SIGUSR1 (reopen the logs) arrived while it was starting: sent once it serves. */
    boolean reopenPending;
    String engine = "?";
    /** Asked to stop (retired by a reload, or the whole server stops): its exit is expected. */
    boolean retiring;
    /** Metrics slots of its loops (docs/architecture.md#metrics-path): firstSlot.., -1 when it publishes none. */
    int firstSlot = -1;
    int slotCount;

    WorkerHandle(int index, int generation, int pid, int controlFd, long startedMs) {
        this.index = index;
        this.generation = generation;
        this.pid = pid;
        this.controlFd = controlFd;
        this.startedMs = startedMs;
    }

    @Override
    public String toString() {
        return "worker " + index + " (pid " + pid + ")";
    }
}
