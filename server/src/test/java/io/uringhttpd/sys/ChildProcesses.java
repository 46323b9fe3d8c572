package io.uringhttpd.sys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Test helpers around child processes: pipes, bounded reads, fd listings. */
final class ChildProcesses {
    private ChildProcesses() {
    }

    /** A pipe with O_CLOEXEC on both ends: {read, write}. */
    static int[] pipe() {
        int[] fds = new int[2];
        assertThat(new Syscalls().pipe2(FileConstants.O_CLOEXEC, fds)).isZero();
        return fds;
    }

    static void close(int... fds) {
        Syscalls sys = new Syscalls();
        for (int fd : fds) {
            if (fd >= 0) {
                sys.close(fd);
            }
        }
    }

    /**
     * Reads {@code fd} until EOF (every copy of the write end closed) and returns the text; if
     * that takes longer than {@code timeoutMs}, SIGKILLs {@code pid} (which ends its copy) and fails.
     */
    static String readUntilEof(int fd, int pid, long timeoutMs) throws Exception {
        CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> readAll(fd));
        try {
            return text.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Processes.kill(pid, Signals.SIGKILL);
            throw new AssertionError("child " + pid + " wrote no EOF within " + timeoutMs + " ms; so far: "
                    + text.get(10, TimeUnit.SECONDS), e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    private static String readAll(int fd) {
        Syscalls sys = new Syscalls();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4096);
            byte[] chunk = new byte[4096];
            while (true) {
                long n = sys.read(fd, buffer.address(), buffer.byteSize());
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n < 0) {
                    throw new IllegalStateException("read: " + Errno.describe((int) n));
                }
                if (n == 0) {
                    return out.toString(UTF_8);
                }
                MemorySegment.copy(buffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, chunk, 0, (int) n);
                out.write(chunk, 0, (int) n);
            }
        }
    }

    /** waitpid that fails the test if the child does not end within {@code timeoutMs}. */
    static WaitStatus waitFor(int pid, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            WaitStatus status = Processes.waitpid(pid, true);
            if (status != null) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                Processes.kill(pid, Signals.SIGKILL);
                Processes.waitpid(pid, false);
                throw new AssertionError("child " + pid + " still running after " + timeoutMs + " ms");
            }
            Thread.sleep(10);
        }
    }

    /** The fd numbers open in process {@code pid} ("self" for this one). */
    static Set<Integer> fds(String pid) throws IOException {
        Set<Integer> fds = new TreeSet<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc", pid, "fd"))) {
            entries.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
        }
        return fds;
    }

    /** What fd {@code fd} of {@code pid} refers to, e.g. "pipe:[1234]" or "/dev/null". */
    static String target(String pid, int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", pid, "fd", Integer.toString(fd))).toString();
    }

    /** A line of /proc/.../status, e.g. {@code statusLine("thread-self", "SigBlk")}: its value. */
    static String statusLine(String pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).strip();
            }
        }
        throw new AssertionError("no " + key + " in /proc/" + pid + "/status");
    }
}
