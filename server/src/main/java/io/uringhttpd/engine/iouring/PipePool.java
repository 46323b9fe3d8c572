package io.uringhttpd.engine.iouring;

import io.uringhttpd.sys.FileConstants;
import io.uringhttpd.sys.PipeConstants;
import io.uringhttpd.sys.Syscalls;

/**
 * Pipes for SPLICE, pooled per loop. A pipe per connection would exhaust
 * pipe-user-pages-soft around 1024 connections (pipe(7);
 * docs/kernel.md#no-sendfile-in-io_uring-splice-through-pipes), and Netty's splice path,
 * with a new pipe per response, reaches only 0.41x nginx: pipes are made on first use
 * and reused, one per file body in flight.
 */
final class PipePool {
    /** One page: what a pipe made past pipe-user-pages-soft may be left with (pipe(7)). */
    private static final int PIPE_MIN_BYTES = 4096;
    private final Syscalls sys;
    private final int pipeBytes;
    private int[] readFds = new int[16];
    private int[] writeFds = new int[16];
    /** Each pipe's capacity as the kernel granted it: the most one file → pipe SPLICE can move. */
    private int[] capacities = new int[16];
    private int created;
    private int[] free = new int[16];
    private int freeCount;
    private final int[] pair = new int[2];
    private int[] discarded = new int[16];
    private int discardedCount;

    PipePool(Syscalls sys, int pipeBytes) {
        this.sys = sys;
        this.pipeBytes = pipeBytes;
    }

    /** An empty pipe's index, or -errno. */
    int take() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        int rc = sys.pipe2(FileConstants.O_CLOEXEC, pair);
        if (rc < 0) {
            return rc;
        }
        int i;
        if (discardedCount > 0) {
            // A slot whose pipe was discarded gets the new pipe: the tables do not grow per abort.
            i = discarded[--discardedCount];
        } else {
            if (created == readFds.length) {
                readFds = java.util.Arrays.copyOf(readFds, created * 2);
                writeFds = java.util.Arrays.copyOf(writeFds, created * 2);
                capacities = java.util.Arrays.copyOf(capacities, created * 2);
                free = java.util.Arrays.copyOf(free, created * 2);
                discarded = java.util.Arrays.copyOf(discarded, created * 2);
            }
            i = created++;
        }
        readFds[i] = pair[0];
        writeFds[i] = pair[1];
        // 64 KiB by default; a bigger pipe moves a body in fewer SPLICE pairs. Past
        // fs.pipe-user-pages-soft an unprivileged user is refused (EPERM) and the pipe keeps
        // what it got: splices are sized to the capacity actually granted.
        int granted = sys.fcntl(writeFds[i], PipeConstants.F_SETPIPE_SZ, pipeBytes);
        if (granted < 0) {
            granted = sys.fcntl(writeFds[i], PipeConstants.F_GETPIPE_SZ, 0);
        }
        capacities[i] = granted > 0 ? granted : PIPE_MIN_BYTES;
        return i;
    }

    int capacity(int pipe) {
        return capacities[pipe];
    }

    int readFd(int pipe) {
        return readFds[pipe];
    }

    int writeFd(int pipe) {
        return writeFds[pipe];
    }

    void give(int pipe) {
        free[freeCount++] = pipe;
    }

    /** Closes a pipe that may still hold bytes: it must not carry them into another response. */
    void discard(int pipe) {
        sys.close(readFds[pipe]);
        sys.close(writeFds[pipe]);
        readFds[pipe] = writeFds[pipe] = -1;
        discarded[discardedCount++] = pipe;
    }

    void close() {
        for (int i = 0; i < created; i++) {
            if (readFds[i] >= 0) {
                sys.close(readFds[i]);
                sys.close(writeFds[i]);
            }
        }
    }

    /** Pipes open (lent or pooled). */
    int open() {
        return created - discardedCount;
    }

    /** Pipes lent to connections. */
    int inUse() {
        return open() - freeCount;
    }

    /** Pipes kept empty for the next file body. */
    int pooled() {
        return freeCount;
    }
}
