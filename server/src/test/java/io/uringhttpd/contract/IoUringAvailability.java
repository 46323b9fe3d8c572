package io.uringhttpd.contract;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.sys.IoUring;
import io.uringhttpd.sys.IoUringException;
import io.uringhttpd.sys.Syscalls;

/** Skips an io_uring suite, with the kernel's reason, where io_uring is unavailable (e.g. a container's seccomp). */
final class IoUringAvailability {
    private static final String REASON = probe();

    private IoUringAvailability() {
    }

    private static String probe() {
        try (IoUring ring = IoUring.setup(new Syscalls(), 8, 0)) {
            return null;
        } catch (IoUringException e) {
            return e.getMessage();
        }
    }

    static void assumeAvailable() {
        assumeTrue(REASON == null, () -> "io_uring unavailable: " + REASON);
    }
}
