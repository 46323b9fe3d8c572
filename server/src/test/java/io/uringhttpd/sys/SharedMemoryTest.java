package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A memfd mapped MAP_SHARED: what one mapping stores, another (or another process) sees. */
class SharedMemoryTest {
    @Test
    void twoMappingsOfOneMemfdSeeTheSameBytes() throws Exception {
        try (SharedMemory a = SharedMemory.create("uring-httpd-test", 10_000)) {
            assertThat(a.bytes()).isEqualTo(12_288);
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + a.fd())).toString())
                    .isEqualTo("/memfd:uring-httpd-test (deleted)");
            assertThat(a.getLong(0)).isZero();
            int dup = new Syscalls().fcntl(a.fd(), 1030 /* F_DUPFD_CLOEXEC */, 0);
            assertThat(dup).isPositive();
            try (SharedMemory b = SharedMemory.attach(dup, a.bytes())) {
                a.putLong(8, 42);
                a.putLongRelease(0, 1);
                assertThat(b.getLongAcquire(0)).isEqualTo(1);
                assertThat(b.getLong(8)).isEqualTo(42);
                b.putLong(12_280, -7);
                assertThat(a.getLong(12_280)).isEqualTo(-7);
            }
        }
    }

    @Test
    void aChildProcessWritesWhatTheParentReads() throws Exception {
        try (SharedMemory shared = SharedMemory.create("uring-httpd-child", 4096)) {
            // The child gets the memfd as its fd 3 and writes 8 bytes at offset 16 through it.
            int pid = Processes.spawn("/bin/sh", List.of("/bin/sh", "-c", "printf 'ABCDEFGH' | dd of=/proc/self/fd/3 bs=1 seek=16 conv=notrunc 2>/dev/null"),
                    List.of("PATH=/usr/bin:/bin"), new int[] {shared.fd()});
            assertThat(pid).isPositive();
            WaitStatus status = Processes.waitpid(pid, false);
            assertThat(status.exited()).isTrue();
            assertThat(status.exitCode()).isZero();
            long expected = 0;
            byte[] text = "ABCDEFGH".getBytes(StandardCharsets.US_ASCII);
            for (int i = text.length - 1; i >= 0; i--) {
                expected = (expected << 8) | (text[i] & 0xFF);   // little-endian, as x86_64 loads it
            }
            assertThat(shared.getLongAcquire(16)).isEqualTo(expected);
            assertThat(shared.bytes()).as("the child's write did not change the size").isEqualTo(4096);
        }
    }

    @Test
    void closingReleasesTheFd() throws Exception {
        SharedMemory shared = SharedMemory.create("uring-httpd-close", 1);
        int fd = shared.fd();
        shared.close();
        shared.close();
        assertThat(Files.exists(Path.of("/proc/self/fd/" + fd))).isFalse();
    }
}
