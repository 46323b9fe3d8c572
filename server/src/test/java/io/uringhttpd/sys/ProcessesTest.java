package io.uringhttpd.sys;

import static io.uringhttpd.sys.ChildProcesses.close;
import static io.uringhttpd.sys.ChildProcesses.fds;
import static io.uringhttpd.sys.ChildProcesses.pipe;
import static io.uringhttpd.sys.ChildProcesses.readUntilEof;
import static io.uringhttpd.sys.ChildProcesses.statusLine;
import static io.uringhttpd.sys.ChildProcesses.target;
import static io.uringhttpd.sys.ChildProcesses.waitFor;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** posix_spawn, kill, waitpid, socketpair and FD_CLOEXEC against real child processes. */
@Timeout(60)
class ProcessesTest {
    private static final String SH = "/bin/sh";
    private static final String SLEEP = "/bin/sleep";
    private static final List<String> PATH_ONLY = List.of("PATH=/usr/bin:/bin");
    private static final long CHILD_TIMEOUT_MS = 20_000;

    @Test
    void childWritesToInheritedFdThreeAndHasNoOtherFd() throws Exception {
        int[] pipe = pipe();
        int pid = Processes.spawn(SH, List.of("sh", "-c", "echo hello >&3; ls /proc/self/fd >&3"),
                PATH_ONLY, new int[] {pipe[1]});
        close(pipe[1]);
        assertThat(pid).isPositive();
        try {
            String[] lines = readUntilEof(pipe[0], pid, CHILD_TIMEOUT_MS).split("\n");
            assertThat(lines[0]).isEqualTo("hello");
            // ls's own listing: 0, 1, 2, our 3, and the directory fd ls opened itself (4).
            assertThat(Arrays.copyOfRange(lines, 1, lines.length)).containsExactly("0", "1", "2", "3", "4");
            assertThat(waitFor(pid, CHILD_TIMEOUT_MS).describe()).isEqualTo("exit status 0");
        } finally {
            close(pipe[0]);
        }
    }

    /**
     * Targets 3.. overlap the sources: two pipe write ends swap numbers, one fd stays on its own
     * number (with FD_CLOEXEC, which must be cleared), and a dummy entry whose number may itself lie
     * in the target range fills the rest. A high fd WITHOUT FD_CLOEXEC must not reach the child.
     */
    @Test
    void childFdsMapOntoThreeOnwardsEvenWhenSourcesOverlapTargets() throws Exception {
        Syscalls sys = new Syscalls();
        int[] a = pipe();
        int[] b = pipe();
        int ownTarget = a[0];
        int count = Math.max(ownTarget, Math.max(a[1], b[1])) - Processes.FIRST_CHILD_FD + 1;
        int[] childFds = new int[count];
        Arrays.fill(childFds, b[0]);
        childFds[ownTarget - 3] = ownTarget;
        childFds[a[1] - 3] = b[1];
        childFds[b[1] - 3] = a[1];
        int firstClosed = 3 + count;
        int leaked = sys.fcntl(b[0], 0 /* F_DUPFD: no FD_CLOEXEC */, firstClosed + 8);
        assertThat(leaked).isGreaterThanOrEqualTo(firstClosed + 8);
        assertThat(Processes.fdFlags(leaked) & Processes.FD_CLOEXEC).isZero();
        assertThat(Processes.fdFlags(ownTarget) & Processes.FD_CLOEXEC).isEqualTo(Processes.FD_CLOEXEC);
        String[] expected = new String[count];
        for (int i = 0; i < count; i++) {
            expected[i] = target("self", childFds[i]);
        }
        Set<Integer> parentFdsBefore = fds("self");

        int pid = Processes.spawn(SLEEP, List.of("sleep", "30"), List.of(), childFds);
        assertThat(pid).isPositive();
        try {
            // The parent's temporary high copies are closed again.
            assertThat(fds("self")).isEqualTo(parentFdsBefore);
            String child = Integer.toString(pid);
            Set<Integer> expectedFds = new TreeSet<>();
            for (int fd = 0; fd < firstClosed; fd++) {
                expectedFds.add(fd);
            }
            assertThat(fds(child)).isEqualTo(expectedFds);
            for (int fd = 0; fd < 3; fd++) {
                assertThat(target(child, fd)).isEqualTo(target("self", fd));
            }
            for (int i = 0; i < count; i++) {
                assertThat(target(child, 3 + i)).as("child fd %d", 3 + i).isEqualTo(expected[i]);
            }
            assertThat(target(child, a[1])).isEqualTo(target("self", b[1]));
            assertThat(target(child, b[1])).isEqualTo(target("self", a[1]));
        } finally {
            Processes.kill(pid, Signals.SIGKILL);
            Processes.waitpid(pid, false);
            close(a[0], a[1], b[0], b[1], leaked);
        }
    }

    @Test
    void childGetsExactlyTheGivenEnvironment() throws Exception {
        int[] pipe = pipe();
        int pid = Processes.spawn(SH, List.of("sh", "-c", "printf '%s|%s|%s' \"$0\" \"$FOO\" \"${HOME-unset}\" >&3"),
                List.of("FOO=bar baz"), new int[] {pipe[1]});
        close(pipe[1]);
        try {
            assertThat(readUntilEof(pipe[0], pid, CHILD_TIMEOUT_MS)).isEqualTo("sh|bar baz|unset");
            assertThat(waitFor(pid, CHILD_TIMEOUT_MS).exitCode()).isZero();
        } finally {
            close(pipe[0]);
        }
    }

    /**
     * The spawning thread blocks SIGQUIT (every JVM thread but main does) and SIGTTIN is set to
     * SIG_IGN for the process: neither may reach the child.
     */
    @Test
    void childStartsWithEmptySignalMaskAndNoIgnoredSignal() throws Exception {
        int[] pipe = pipe();
        long previous = signal(SIGTTIN, SIG_IGN);
        try {
            assertThat(Long.parseLong(statusLine("self", "SigIgn"), 16) & (1L << (SIGTTIN - 1))).isNotZero();
            Spawned spawned = CompletableFuture.supplyAsync(() -> {
                try {
                    String sigBlk = statusLine("thread-self", "SigBlk");
                    return new Spawned(sigBlk, Processes.spawn(SH,
                            List.of("sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status >&3"),
                            PATH_ONLY, new int[] {pipe[1]}));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, runnable -> Thread.ofPlatform().name("spawner").start(runnable)).get();
            close(pipe[1]);
            int pid = spawned.pid();
            assertThat(pid).isPositive();
            assertThat(Long.parseLong(spawned.parentSigBlk(), 16)).as("a JVM thread's mask (SIGQUIT)").isNotZero();
            assertThat(readUntilEof(pipe[0], pid, CHILD_TIMEOUT_MS))
                    .isEqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
            assertThat(waitFor(pid, CHILD_TIMEOUT_MS).exitCode()).isZero();
        } finally {
            signal(SIGTTIN, previous);
            close(pipe[0]);
        }
    }

    private record Spawned(String parentSigBlk, int pid) {
    }

    @Test
    void waitpidReportsExitCodes() throws Exception {
        int pid = Processes.spawn(SH, List.of("sh", "-c", "exit 7"), List.of(), new int[0]);
        assertThat(pid).isPositive();
        WaitStatus status = waitFor(pid, CHILD_TIMEOUT_MS);
        assertThat(status.pid()).isEqualTo(pid);
        assertThat(status.exited()).isTrue();
        assertThat(status.signaled()).isFalse();
        assertThat(status.exitCode()).isEqualTo(7);
        assertThat(status.describe()).isEqualTo("exit status 7");
    }

    @Test
    void killedChildIsReportedBySignalAndThenGone() {
        int pid = Processes.spawn(SLEEP, List.of("sleep", "30"), List.of(), new int[0]);
        assertThat(pid).isPositive();
        assertThat(Processes.waitpid(pid, true)).as("still running").isNull();
        assertThat(Processes.kill(pid, 0)).isZero();
        assertThat(Processes.kill(pid, Signals.SIGKILL)).isZero();

        WaitStatus status = Processes.waitpid(pid, false);
        assertThat(status.pid()).isEqualTo(pid);
        assertThat(status.signaled()).isTrue();
        assertThat(status.exited()).isFalse();
        assertThat(status.termSignal()).isEqualTo(Signals.SIGKILL);
        assertThat(status.describe()).isEqualTo("killed by SIGKILL");

        assertThat(Processes.kill(pid, 0)).isEqualTo(-Errno.ESRCH);
        WaitStatus again = Processes.waitpid(pid, false);
        assertThat(again.pid()).isEqualTo(-Errno.ECHILD);
        assertThat(again.exited()).isFalse();
        assertThat(again.signaled()).isFalse();
        assertThat(again.describe()).isEqualTo("waitpid failed: ECHILD (No child processes)");
    }

    @Test
    void spawnFailuresComeBackAsNegativeErrno() throws Exception {
        assertThat(Processes.spawn("/nonexistent/worker", List.of("worker"), List.of(), new int[0]))
                .isEqualTo(-Errno.ENOENT);
        int closedFd = 900;
        assertThat(Files.exists(Path.of("/proc/self/fd/" + closedFd))).isFalse();
        assertThat(Processes.spawn(SLEEP, List.of("sleep", "30"), List.of(), new int[] {closedFd}))
                .isEqualTo(-Errno.EBADF);
        assertThatThrownBy(() -> Processes.spawn("sleep", List.of("sleep"), List.of(), new int[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Processes.spawn(SLEEP, List.of(), List.of(), new int[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Processes.spawn(SLEEP, List.of("sleep", "1\0"), List.of(), new int[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void socketpairReadsEofOnceTheChildHoldingTheOtherEndDies() throws Exception {
        Syscalls sys = new Syscalls();
        int[] pair = {-1, -1};
        assertThat(Processes.socketpair(pair)).isZero();
        assertThat(Processes.fdFlags(pair[0]) & Processes.FD_CLOEXEC).isEqualTo(Processes.FD_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            long buffer = arena.allocate(64).address();
            int pid = Processes.spawn(SLEEP, List.of("sleep", "30"), List.of(), new int[] {pair[1]});
            assertThat(pid).isPositive();
            close(pair[1]);
            assertThat(sys.recv(pair[0], buffer, 64, 0)).as("child alive: no data, no EOF").isEqualTo(-Errno.EAGAIN);
            assertThat(Processes.kill(pid, Signals.SIGKILL)).isZero();
            assertThat(Processes.waitpid(pid, false).signaled()).isTrue();
            assertThat(sys.recv(pair[0], buffer, 64, 0)).as("EOF").isZero();
        } finally {
            close(pair[0]);
        }
    }

    @Test
    void setCloexecSetsAndClearsTheFlag() {
        int[] pipe = pipe();
        try {
            assertThat(Processes.fdFlags(pipe[0])).isEqualTo(Processes.FD_CLOEXEC);
            assertThat(Processes.setCloexec(pipe[0], false)).isZero();
            assertThat(Processes.fdFlags(pipe[0])).isZero();
            assertThat(Processes.setCloexec(pipe[0], false)).isZero();
            assertThat(Processes.setCloexec(pipe[0], true)).isZero();
            assertThat(Processes.fdFlags(pipe[0])).isEqualTo(Processes.FD_CLOEXEC);
        } finally {
            close(pipe);
        }
        assertThat(Processes.setCloexec(pipe[0], true)).isEqualTo(-Errno.EBADF);
    }

    @Test
    void getpidAndGetppidMatchTheJdk() {
        ProcessHandle self = ProcessHandle.current();
        assertThat((long) Processes.getpid()).isEqualTo(self.pid());
        assertThat((long) Processes.getppid()).isEqualTo(self.parent().orElseThrow().pid());
    }

    @Test
    void manyChildrenInParallelThreads() throws Exception {
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<Future<WaitStatus>> children = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int code = i;
                children.add(threads.submit(() -> {
                    int pid = Processes.spawn(SH, List.of("sh", "-c", "exit " + code), List.of(), new int[0]);
                    return Processes.waitpid(pid, false);
                }));
            }
            for (int i = 0; i < children.size(); i++) {
                assertThat(children.get(i).get().describe()).isEqualTo("exit status " + i);
            }
        }
    }

    // --- test-only: sighandler_t signal(int, sighandler_t), to make the test JVM ignore a signal ---

    private static final int SIGTTIN = 21;   // unused by HotSpot (SigCgt), harmless to ignore briefly
    private static final long SIG_IGN = 1;   // glibc bits/signum-generic.h: ((__sighandler_t) 1)
    @SuppressWarnings("restricted")
    private static final MethodHandle SIGNAL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("signal"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG));

    private static long signal(int signal, long handler) {
        try {
            return (long) SIGNAL.invokeExact(signal, handler);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
