package io.uringhttpd.sys;

import static io.uringhttpd.sys.FileConstants.AT_FDCWD;
import static io.uringhttpd.sys.FileConstants.O_CLOEXEC;
import static io.uringhttpd.sys.FileConstants.O_NONBLOCK;
import static io.uringhttpd.sys.FileConstants.O_RDONLY;
import static io.uringhttpd.sys.MmapConstants.MAP_ANONYMOUS;
import static io.uringhttpd.sys.MmapConstants.MAP_PRIVATE;
import static io.uringhttpd.sys.MmapConstants.MAP_SHARED;
import static io.uringhttpd.sys.MmapConstants.PROT_READ;
import static io.uringhttpd.sys.MmapConstants.PROT_WRITE;
import static io.uringhttpd.sys.PipeConstants.F_GETPIPE_SZ;
import static io.uringhttpd.sys.PipeConstants.F_SETPIPE_SZ;
import static io.uringhttpd.sys.PipeConstants.SPLICE_F_NONBLOCK;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pipe2, splice, fcntl(F_*PIPE_SZ), mmap, munmap, madvise against the real kernel. */
class PipeAndMmapSyscallsTest {
    private static final byte[] CONTENT = "0123456789abcdef".getBytes(US_ASCII);

    @TempDir
    Path dir;
    private final Syscalls sys = new Syscalls();
    private Arena arena;
    private long buffer;
    private int fileFd = -1;
    private final int[] pipe = {-1, -1};

    @BeforeEach
    void setUp() throws IOException {
        arena = Arena.ofConfined();
        buffer = NativeMemory.allocate(arena, 1 << 16).address();
        Path file = dir.resolve("content.txt");
        Files.write(file, CONTENT);
        fileFd = sys.openat(AT_FDCWD, arena.allocateFrom(file.toString()).address(), O_RDONLY | O_CLOEXEC, 0);
        assertThat(fileFd).isGreaterThanOrEqualTo(0);
        assertThat(sys.pipe2(O_CLOEXEC | O_NONBLOCK, pipe)).isZero();
    }

    @AfterEach
    void tearDown() {
        sys.close(fileFd);
        sys.close(pipe[0]);
        sys.close(pipe[1]);
        arena.close();
    }

    @Test
    void pipe2ReturnsTwoEndsAndFcntlSizesThem() {
        assertThat(pipe[0]).isGreaterThanOrEqualTo(0).isNotEqualTo(pipe[1]);
        assertThat(sys.fcntl(pipe[0], F_GETPIPE_SZ, 0)).isEqualTo(64 * 1024); // 16 pages by default
        // rounded up to a power-of-two number of pages
        assertThat(sys.fcntl(pipe[1], F_SETPIPE_SZ, 100_000)).isEqualTo(128 * 1024);
        assertThat(sys.fcntl(pipe[0], F_GETPIPE_SZ, 0)).isEqualTo(128 * 1024);
        assertThat(sys.fcntl(fileFd, F_GETPIPE_SZ, 0)).isEqualTo(-Errno.EBADF); // not a pipe
        assertThat(sys.fcntl(-1, F_GETPIPE_SZ, 0)).isEqualTo(-Errno.EBADF);
        assertThat(sys.pipe2(0x7FFF_FFFF, new int[2])).isEqualTo(-Errno.EINVAL);
        assertThat(sys.counts.pipe2).isEqualTo(2);
        assertThat(sys.counts.fcntl).isEqualTo(5);
    }

    @Test
    void spliceTakesTheFileOffsetByValue() {
        assertThat(sys.splice(fileFd, 4, pipe[1], -1, 8, 0)).isEqualTo(8);
        assertThat(sys.read(pipe[0], buffer, 100)).isEqualTo(8);
        assertThat(text(buffer, 8)).isEqualTo("456789ab");
        // the file position did not move
        assertThat(sys.splice(fileFd, -1, pipe[1], -1, 4, 0)).isEqualTo(4);
        assertThat(sys.read(pipe[0], buffer, 100)).isEqualTo(4);
        assertThat(text(buffer, 4)).isEqualTo("0123");
        // past the end: 0; an empty pipe with SPLICE_F_NONBLOCK: EAGAIN
        assertThat(sys.splice(fileFd, CONTENT.length, pipe[1], -1, 4, 0)).isZero();
        int[] other = new int[2];
        assertThat(sys.pipe2(O_CLOEXEC, other)).isZero();
        try {
            assertThat(sys.splice(pipe[0], -1, other[1], -1, 4, SPLICE_F_NONBLOCK)).isEqualTo(-Errno.EAGAIN);
        } finally {
            sys.close(other[0]);
            sys.close(other[1]);
        }
        assertThat(sys.splice(pipe[0], -1, pipe[1], -1, 4, SPLICE_F_NONBLOCK)).as("a pipe into itself")
                .isEqualTo(-Errno.EINVAL);
        assertThat(sys.splice(fileFd, 0, fileFd, 0, 4, 0)).as("output fd not open for writing")
                .isEqualTo(-Errno.EBADF);
        assertThat(sys.counts.splice).isEqualTo(6);
    }

    @Test
    void anonymousMmapMadviseAndMunmap() {
        long length = 2 * NativeMemory.PAGE_BYTES;
        long address = sys.mmap(0L, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assertThat(address).isPositive();
        assertThat(address % NativeMemory.PAGE_BYTES).isZero();
        NativeMemory.putLong(address + NativeMemory.PAGE_BYTES, 0x1122_3344_5566_7788L);
        assertThat(NativeMemory.getLong(address + NativeMemory.PAGE_BYTES)).isEqualTo(0x1122_3344_5566_7788L);
        // private anonymous memory reads back as zeros after MADV_DONTNEED
        assertThat(sys.madvise(address, length, MmapConstants.MADV_DONTNEED)).isZero();
        assertThat(NativeMemory.getLong(address + NativeMemory.PAGE_BYTES)).isZero();
        assertThat(sys.madvise(address + 1, length, MmapConstants.MADV_DONTNEED)).isEqualTo(-Errno.EINVAL);
        assertThat(sys.munmap(address, length)).isZero();
        assertThat(sys.counts.mmap).isEqualTo(1);
        assertThat(sys.counts.munmap).isEqualTo(1);
        assertThat(sys.counts.madvise).isEqualTo(2);
    }

    @Test
    void fileMmapShowsTheFileAndFailuresAreNegativeErrno() {
        long address = sys.mmap(0L, CONTENT.length, PROT_READ, MAP_SHARED, fileFd, 0);
        assertThat(address).isPositive();
        try {
            assertThat(text(address, CONTENT.length)).isEqualTo(new String(CONTENT, US_ASCII));
            assertThat(sys.madvise(address, NativeMemory.PAGE_BYTES, MmapConstants.MADV_SEQUENTIAL)).isZero();
        } finally {
            assertThat(sys.munmap(address, CONTENT.length)).isZero();
        }
        assertThat(sys.mmap(0L, 4096, PROT_READ, MAP_SHARED, -1, 0)).isEqualTo(-Errno.EBADF);
        assertThat(sys.mmap(0L, 4096, PROT_READ, MAP_SHARED, fileFd, 1)).isEqualTo(-Errno.EINVAL); // unaligned offset
        assertThat(sys.mmap(0L, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fileFd, 0))
                .as("read-only fd, writable shared mapping").isEqualTo(-Errno.EACCES);
    }

    private static String text(long address, int length) {
        byte[] bytes = new byte[length];
        NativeMemory.copy(address, bytes, 0, length);
        return new String(bytes, US_ASCII);
    }
}
