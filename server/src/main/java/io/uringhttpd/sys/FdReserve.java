package io.uringhttpd.sys;

/**
 * Descriptors a loop holds back so that accepting connections never takes the last ones a request
 * needs: a file to open, a pipe for splice. The kernel hands out the lowest free descriptor, and
 * accepting stops with EMFILE at RLIMIT_NOFILE (accept4(2); io_uring's multishot accept takes a
 * descriptor for every queued connection before the loop has seen any of them). With the reserve
 * held, that happens {@code count} descriptors before the limit. A request whose open or pipe2
 * fails with EMFILE releases one and tries again (Syscalls.openat2, pipe2); the loop takes
 * them back ({@link #refill}) when connections have closed, before it accepts again.
 *
 * <p>Confined to its loop's thread, like the {@link Syscalls} it uses.
 */
public final class FdReserve {
    /** What one loop keeps: a few requests' files and splice pipes at once (docs/architecture.md#descriptors). */
    public static final int DEFAULT_COUNT = 16;

    private final Syscalls sys;
    private final int sourceFd;
    private final int[] fds;
    private int held;

    /**
     * @param sourceFd any descriptor open for the reserve's whole life (the spares are its duplicates)
     * @param count    how many to hold
     */
    public FdReserve(Syscalls sys, int sourceFd, int count) {
        this.sys = sys;
        this.sourceFd = sourceFd;
        this.fds = new int[count];
    }

    /** Takes descriptors back up to the count; false when the limit (EMFILE, ENFILE) stopped it short. */
    public boolean refill() {
        while (held < fds.length) {
            int fd = sys.fcntl(sourceFd, FileConstants.F_DUPFD_CLOEXEC, 0);
            if (fd < 0) {
                return false;
            }
            fds[held++] = fd;
        }
        return true;
    }

    /** Closes one held descriptor, so that the next open gets it; false when none is left. */
    public boolean release() {
        if (held == 0) {
            return false;
        }
        sys.close(fds[--held]);
        return true;
    }

    public int held() {
        return held;
    }

    public void close() {
        while (held > 0) {
            sys.close(fds[--held]);
        }
    }
}
