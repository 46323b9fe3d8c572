package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The per-call paths must not allocate (hot path rule). Measured with the JVM's per-thread
 * allocation counter after warm-up, so the loop runs JIT-compiled as it will in the server.
 */
class NoAllocationTest {
    private static final int WARMUP_ROUNDS = 30;
    private static final int CALLS = 20_000;

    @Test
    void syscallWrappersAndStructAccessorsAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Syscalls sys = new Syscalls();
        try (Arena arena = Arena.ofConfined()) {
            long buffer = NativeMemory.allocate(arena, 4096).address();
            long path = arena.allocateFrom("no/such/file").address();
            int epfd = sys.epollCreate1(EpollConstants.EPOLL_CLOEXEC);
            try {
                long sink = 0;
                for (int i = 0; i < WARMUP_ROUNDS; i++) {
                    sink += round(sys, buffer, path, epfd);
                }
                long before = threads.getCurrentThreadAllocatedBytes();
                sink += round(sys, buffer, path, epfd);
                long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                assertThat(sink).isNotZero();
                // a few hundred bytes of slack for the counter's own bookkeeping; one allocation
                // per call would be >= 16 bytes x 8 x 20 000
                assertThat(allocated).as("bytes allocated by %d calls", 8L * CALLS).isLessThan(1024);
            } finally {
                sys.close(epfd);
            }
        }
    }

    private static long round(Syscalls sys, long buffer, long path, int epfd) {
        long sink = 0;
        for (int i = 0; i < CALLS; i++) {
            sink += sys.read(-1, buffer, 16);                                   // -EBADF
            sink += sys.recv(-1, buffer, 16, 0);                                // critical
            sink += sys.epollCtl(epfd, EpollConstants.EPOLL_CTL_DEL, -1, 0, i); // critical
            sink += sys.epollWait(epfd, buffer, 8, 0);                          // 0 events
            sink += sys.sendfile(-1, -1, i, 100);
            sink += sys.openat2(FileConstants.AT_FDCWD, path, FileConstants.O_RDONLY, 0,
                    FileConstants.RESOLVE_BENEATH);                             // -ENOENT
            sink += sys.fstatx(-1, FileConstants.STATX_SIZE, buffer);
            sink += sys.close(-1);
            sink += EpollEvent.data(buffer, 1) + Statx.size(buffer);
        }
        return sink;
    }
}
