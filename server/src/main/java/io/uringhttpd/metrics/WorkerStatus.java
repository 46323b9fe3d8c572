package io.uringhttpd.metrics;

/**
 * One worker process as the master sees it, for the workers table of the engine page
 * (/metrics.json): not a series, since pids and start times are not what Prometheus should store.
 *
 * @param worker     the worker index (the {@code worker} label of its series)
 * @param pid        its process id
 * @param engine     the engine it reported once serving ("?" before)
 * @param generation which configuration started it (1, then one more per reload)
 * @param startedMs  when it was started, epoch milliseconds
 * @param restarts   how many times a worker of this index exited unexpectedly and was started again
 * @param serving    whether it reported serving
 */
public record WorkerStatus(int worker, long pid, String engine, int generation, long startedMs, int restarts,
        boolean serving) {}
