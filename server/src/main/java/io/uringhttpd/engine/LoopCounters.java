package io.uringhttpd.engine;

import static io.uringhttpd.metrics.MetricsSchema.EVENTS_PER_WAKEUP;
import static io.uringhttpd.metrics.MetricsSchema.HISTOGRAMS;
import static io.uringhttpd.metrics.MetricsSchema.REQUEST_DURATION;
import static io.uringhttpd.metrics.MetricsSchema.SQES_PER_SUBMIT;

import io.uringhttpd.sys.SyscallCounts;
import java.util.function.ObjLongConsumer;

/**
 * What one event loop did, in plain fields: one writer (the loop's thread), no
 * atomics on the hot path. Syscalls are counted separately, at their call
 * sites, by {@link io.uringhttpd.sys.SyscallCounts}. Readers on other threads
 * (metrics, tests) may see slightly stale values, never torn ones: longs are
 * written whole on x86_64 (JLS 17.7 permits tearing only on 32-bit JVMs).
 */
public final class LoopCounters {
    /** Returns from the kernel wait (epoll_wait / io_uring_enter with GETEVENTS). */
    public long wakeups;
    /** Events (epoll) or completions (io_uring) handled across all wakeups. */
    public long events;
    public long requests;
    public long accepted;
    public long closed;
    /** Events for a connection that was closed (and whose slot may be reused) since the kernel queued them. */
    public long staleEvents;
    public long readEagain;
    public long writeEagain;
    /** A write or sendfile that moved fewer bytes than asked: the rest waits for EPOLLOUT. */
    public long partialWrites;
    /** Response bytes copied from memory (heads, error pages, cached small files). */
    public long bytesFromMemory;
    /** Response bytes moved by sendfile(2) (or splice), never copied through user space. */
    public long bytesFromFile;
    public long timeouts;
    /**
     * SEND_ZC notifications saying the kernel copied after all (always, on loopback:
     * docs/kernel.md#send_zc-and-its-notification).
     */
    public long zeroCopyCopied;
    public long zeroCopyNotifications;
    /** Connections refused because limits.connections-per-loop was reached. */
    public long connectionsOverLimit;
    /** Times accepting paused because descriptors ran out (EMFILE, ENFILE), resumed when connections closed. */
    public long acceptPauses;
    /** Connections open now (written by the loop, read by metrics). */
    public long connectionsOpen;
    // ---- the series of metrics.MetricsSchema that the fields above do not give (docs/architecture.md#metrics-path)
    /** Responses by status class: index status / 100 (1..5; 0 unused). */
    public final long[] responsesByClass = new long[6];
    /** Response head bytes (part of {@link #bytesFromMemory}): memory bytes minus these are copied bodies. */
    public long headBytes;
    /** io_uring: file body bytes sent by SEND_ZC, and by splice (both part of {@link #bytesFromFile}). */
    public long bytesSendZc;
    public long bytesSplice;
    /** Of {@link #bytesSendZc}: bytes whose notification said the kernel copied them after all (loopback always does). */
    public long bytesSendZcCopied;
    /** Multishot receives ended by an empty provided-buffer ring (-ENOBUFS). */
    public long bufferRingExhausted;
    /** Times the loop found the CQ overflow flag set (completions parked in the kernel). */
    public long cqOverflows;
    /** Connections closed, by {@link #CLOSE_PEER}... reason. */
    public final long[] closedByReason = new long[5];
    public static final int CLOSE_PEER = 0;
    public static final int CLOSE_TIMEOUT = 1;
    public static final int CLOSE_ERROR = 2;
    public static final int CLOSE_LIMIT = 3;
    public static final int CLOSE_SHUTDOWN = 4;
    /** First request byte read to last response byte handed to the kernel, in nanoseconds. */
    public final LoopHistogram requestDurationNs = LoopHistogram.seconds(HISTOGRAMS.get(REQUEST_DURATION));
    public final LoopHistogram eventsPerWakeup = LoopHistogram.counts(HISTOGRAMS.get(EVENTS_PER_WAKEUP));
    public final LoopHistogram sqesPerSubmit = LoopHistogram.counts(HISTOGRAMS.get(SQES_PER_SUBMIT));

    /** A response was produced: counted by status class (the request counter is the loop's). */
    public void response(int status) {
        int c = status / 100;
        responsesByClass[c >= 1 && c <= 5 ? c : 5]++;
    }

    /**
     * {@code count} responses (pipelined ones handed over together) finished {@code durationNs}
     * after the first byte of the oldest was read.
     */
    public void responsesSent(int count, long durationNs) {
        requestDurationNs.observe(durationNs, count);
    }

    /**
     * The line a loop logs when it stops: what it served and the syscalls it counted,
     * non-zero ones by name. bench/syscalls.sh compares this total with the kernel's own
     * count of the loop thread (perf stat -t), the cross-check of the engine's counters.
     */
    public String stopReport(SyscallCounts syscalls) {
        StringBuilder line = new StringBuilder()
                .append(requests).append(" requests, ")
                .append(accepted).append(" connections, ")
                .append(wakeups).append(" wakeups, ")
                .append(events).append(" events; syscalls ")
                .append(syscalls.total()).append(':');
        syscalls.forEach((name, value) -> {
            if (value != 0) {
                line.append(' ').append(name).append('=').append(value);
            }
        });
        return line.toString();
    }

    public void forEach(ObjLongConsumer<String> sink) {
        sink.accept("wakeups", wakeups);
        sink.accept("events", events);
        sink.accept("requests", requests);
        sink.accept("accepted", accepted);
        sink.accept("closed", closed);
        sink.accept("stale_events", staleEvents);
        sink.accept("read_eagain", readEagain);
        sink.accept("write_eagain", writeEagain);
        sink.accept("partial_writes", partialWrites);
        sink.accept("bytes_from_memory", bytesFromMemory);
        sink.accept("bytes_from_file", bytesFromFile);
        sink.accept("timeouts", timeouts);
        sink.accept("zero_copy_notifications", zeroCopyNotifications);
        sink.accept("zero_copy_copied", zeroCopyCopied);
        sink.accept("connections_over_limit", connectionsOverLimit);
        sink.accept("accept_pauses", acceptPauses);
        sink.accept("connections_open", connectionsOpen);
    }
}
