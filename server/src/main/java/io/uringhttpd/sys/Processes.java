package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Child processes through glibc: posix_spawn, kill, waitpid, socketpair, FD_CLOEXEC. Not
 * thread-confined: each call allocates what it needs (errno capture, spawn attributes) in its
 * own confined arena. Setup path only (a master starting or reaping workers): it allocates.
 *
 * <p>Why posix_spawn and not fork: a fork of a JVM copies one thread of a process whose other
 * threads may hold malloc or JVM locks, so the child could only call async-signal-safe code
 * before exec. glibc's posix_spawn (2.24+) runs the child on its own stack with
 * clone(CLONE_VM | CLONE_VFORK) and applies only the file actions and attributes below before
 * execve; the parent resumes once the exec succeeded or failed, and exec failures (ENOENT,
 * EACCES...) come back as posix_spawn's result. The JDK's own ProcessBuilder uses it too
 * (jdk.lang.Process.launchMechanism=POSIX_SPAWN, the Linux default since JDK 15).
 */
public final class Processes {
    /** The first fd number handed to a child: 0, 1 and 2 are inherited stdin/out/err. */
    public static final int FIRST_CHILD_FD = 3;

    // glibc bits/fcntl-linux.h (the kernel's include/uapi/asm-generic/fcntl.h and
    // include/uapi/linux/fcntl.h: F_DUPFD_CLOEXEC = F_LINUX_SPECIFIC_BASE 1024 + 6, kernel
    // >= 2.6.24); checked with a C program on Debian 12.
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;
    static final int F_DUPFD_CLOEXEC = 1030;
    /** glibc bits/waitflags.h. */
    static final int WNOHANG = 1;

    // glibc 2.36 spawn.h, x86_64: opaque structs, sized with sizeof() in a C program.
    static final long FILE_ACTIONS_BYTES = 80;   // posix_spawn_file_actions_t
    static final long SPAWNATTR_BYTES = 336;     // posix_spawnattr_t
    static final long SIGSET_BYTES = 128;        // glibc's sigset_t (1024 bits; the kernel uses 64)
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    // Signatures from the man pages. The posix_spawn* functions return an error number
    // instead of setting errno (posix_spawn(3)), so they are plain downcalls.
    private static final MethodHandle POSIX_SPAWN = Downcalls.plain("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_INIT = Downcalls.plain("posix_spawn_file_actions_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_DESTROY = Downcalls.plain("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle FILE_ACTIONS_ADDDUP2 = Downcalls.plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle FILE_ACTIONS_ADDCLOSEFROM = Downcalls.plain(
            "posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SPAWNATTR_INIT = Downcalls.plain("posix_spawnattr_init",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_DESTROY = Downcalls.plain("posix_spawnattr_destroy",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags): a short, not an int.
    private static final MethodHandle SPAWNATTR_SETFLAGS = Downcalls.plain("posix_spawnattr_setflags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle SPAWNATTR_SETSIGMASK = Downcalls.plain("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETSIGDEFAULT = Downcalls.plain("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGEMPTYSET = Downcalls.plain("sigemptyset",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle KILL = Downcalls.withErrno("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle WAITPID = Downcalls.withErrno("waitpid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETPID = Downcalls.plain("getpid", FunctionDescriptor.of(JAVA_INT));
    /** glibc >= 2.30 wraps gettid(2); it cannot fail. */
    private static final MethodHandle GETTID = Downcalls.plain("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPPID = Downcalls.plain("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SOCKETPAIR = Downcalls.withErrno("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CLOSE = Downcalls.withErrno("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int fcntl(int fd, int cmd, ... /* arg */): variadic; every command used here takes an int.
    private static final MethodHandle FCNTL = Downcalls.withErrnoVariadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);

    private static final MethodHandle EXECVE = Downcalls.withErrno("execve",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    // Returns an error number (pthread_sigmask(3)), like the posix_spawn functions.
    private static final MethodHandle PTHREAD_SIGMASK = Downcalls.plain("pthread_sigmask",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final int SIG_SETMASK = 2;

    private Processes() {
    }

    /**
     * execve(2): this process becomes {@code executable} with {@code argv} and exactly {@code env},
     * keeping its pid, its parent and every descriptor without FD_CLOEXEC (stdin, stdout, stderr).
     * The calling thread's signal mask is emptied first: execve keeps it, and the JVM blocks signals
     * (SIGQUIT among them) in its Java threads, which the new program would then start with. Other
     * threads end with the exec. Returns only when the exec failed: -errno (ENOENT, EACCES, E2BIG...).
     */
    public static int exec(String executable, List<String> argv, List<String> env) {
        if (!executable.startsWith("/") || argv.isEmpty()) {
            throw new IllegalArgumentException("exec needs an absolute path and argv[0]: " + executable);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            MemorySegment path = cString(arena, executable);
            MemorySegment argvArray = cStringArray(arena, argv);
            MemorySegment envArray = cStringArray(arena, env);
            MemorySegment empty = arena.allocate(SIGSET_BYTES);
            MemorySegment previous = arena.allocate(SIGSET_BYTES);
            int rc = (int) SIGEMPTYSET.invokeExact(empty);
            if (rc == 0) {
                rc = (int) PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, empty, previous);
            }
            if (rc != 0) {
                return -(rc > 0 ? rc : Errno.EINVAL);
            }
            int r = Downcalls.result((int) EXECVE.invokeExact(capture, path, argvArray, envArray), capture);
            // Still here: the exec failed; the JVM's mask comes back.
            int ignored = (int) PTHREAD_SIGMASK.invokeExact(SIG_SETMASK, previous, MemorySegment.NULL);
            return r;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * posix_spawn(3) of {@code executable} (an absolute path: no PATH search) with {@code argv}
     * ({@code argv[0]} included) and exactly the environment {@code env} ({@code "K=V"}
     * strings; nothing of the parent's is added).
     *
     * <p><b>File descriptors.</b> {@code childFds[i]} (a parent fd) becomes fd {@code 3 + i} in
     * the child, without FD_CLOEXEC; stdin, stdout and stderr are inherited as they are. Every
     * other fd is closed in the child, whether or not it has FD_CLOEXEC. The JVM cannot be
     * trusted to set FD_CLOEXEC: checked on JDK 25, the fds of FileInputStream,
     * RandomAccessFile, FileChannel, Socket, ServerSocket, SocketChannel, Pipe, the eventfd of a
     * Selector and the JDK's own lib/modules are all opened WITHOUT it (flags in
     * /proc/self/fdinfo; only the Selector's epoll fd and glibc's opendir had it), because
     * ProcessBuilder closes every fd in its helper instead. So the file actions end with closefrom(3 + n)
     * (posix_spawn_file_actions_addclosefrom_np, glibc >= 2.34, close_range(2) on kernel >=
     * 5.9) and a worker holds only what it was given.
     *
     * <p><b>Overlaps.</b> The dup2 actions run in order, so a source fd that is also the target
     * of another entry (say fds {4, 3}) would be overwritten before it is read. Such sources are
     * first duplicated above the target range in the parent (F_DUPFD_CLOEXEC, closed again
     * after the spawn). A source already equal to its own target is left as it is: since glibc
     * 2.29 (BZ #23640, Austin Group bug 411) adddup2 with fd == newfd clears FD_CLOEXEC.
     *
     * <p><b>Signals.</b> The child's signal mask is emptied and every signal's disposition is
     * reset to the default (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF): execve(2) keeps
     * the calling thread's mask and every ignored signal, and JVM threads other than main run
     * with SIGQUIT blocked (checked on JDK 25: SigBlk 0x4 in /proc/self/task/N/status), so a
     * worker would otherwise inherit whatever the spawning thread happened to block or
     * ignore. Handled signals are reset by execve anyway.
     *
     * <p><b>Process group and session</b> are the parent's (no POSIX_SPAWN_SETPGROUP/SETSID):
     * Ctrl-C on the terminal reaches the master and every worker.
     *
     * @return the child's pid, or -errno: from F_DUPFD_CLOEXEC (EMFILE), from the file actions
     *         (EBADF for a bad {@code childFds} entry), or from the exec (ENOENT, EACCES, ENOEXEC...)
     * @throws IllegalArgumentException if {@code executable} is not absolute, {@code argv} is
     *         empty, or a string holds a NUL character
     */
    public static int spawn(String executable, List<String> argv, List<String> env, int[] childFds) {
        if (!executable.startsWith("/")) {
            throw new IllegalArgumentException("executable must be an absolute path: " + executable);
        }
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must hold at least argv[0]");
        }
        int count = childFds.length;
        int firstClosedFd = FIRST_CHILD_FD + count;
        int[] sources = childFds.clone();
        int[] temporaryFds = new int[count];
        Arrays.fill(temporaryFds, -1);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            MemorySegment path = cString(arena, executable);
            MemorySegment argvArray = cStringArray(arena, argv);
            MemorySegment envArray = cStringArray(arena, env);
            for (int i = 0; i < count; i++) {
                int fd = childFds[i];
                if (fd >= FIRST_CHILD_FD && fd < firstClosedFd && fd != FIRST_CHILD_FD + i) {
                    int high = fcntl(capture, fd, F_DUPFD_CLOEXEC, firstClosedFd);
                    if (high < 0) {
                        return high;
                    }
                    temporaryFds[i] = high;
                    sources[i] = high;
                }
            }
            return spawn(arena, path, argvArray, envArray, sources, firstClosedFd);
        } finally {
            closeAll(temporaryFds);
        }
    }

    private static int spawn(Arena arena, MemorySegment path, MemorySegment argv, MemorySegment env,
                             int[] sources, int firstClosedFd) {
        MemorySegment actions = arena.allocate(FILE_ACTIONS_BYTES, 8);
        MemorySegment attributes = arena.allocate(SPAWNATTR_BYTES, 8);
        MemorySegment emptyMask = arena.allocate(SIGSET_BYTES, 8);
        MemorySegment allSignals = arena.allocate(SIGSET_BYTES, 8);
        MemorySegment pid = arena.allocate(JAVA_INT);
        try {
            int error = (int) FILE_ACTIONS_INIT.invokeExact(actions);
            if (error != 0) {
                return -error;
            }
            try {
                error = (int) SPAWNATTR_INIT.invokeExact(attributes);
                if (error != 0) {
                    return -error;
                }
                try {
                    for (int i = 0; i < sources.length && error == 0; i++) {
                        error = (int) FILE_ACTIONS_ADDDUP2.invokeExact(actions, sources[i], FIRST_CHILD_FD + i);
                    }
                    if (error == 0) {
                        error = (int) FILE_ACTIONS_ADDCLOSEFROM.invokeExact(actions, firstClosedFd);
                    }
                    int unused = (int) SIGEMPTYSET.invokeExact(emptyMask);
                    // Every signal, bit by bit, not sigfillset: sigfillset leaves out glibc's
                    // internal signals 32 (SIGCANCEL) and 33 (SIGSETXID), and glibc's spawn child
                    // (sysdeps/unix/sysv/linux/spawni.c) sets an internal signal that is not in
                    // the SETSIGDEF set to SIG_IGN, which execve keeps: with sigfillset the child
                    // showed SigIgn 0000000180000000 (measured, glibc 2.36). The child's loop only
                    // looks at signals 1.._NSIG-1 and skips the sigaction failures of SIGKILL/SIGSTOP.
                    allSignals.fill((byte) 0xff);
                    if (error == 0) {
                        error = (int) SPAWNATTR_SETSIGMASK.invokeExact(attributes, emptyMask);
                    }
                    if (error == 0) {
                        error = (int) SPAWNATTR_SETSIGDEFAULT.invokeExact(attributes, allSignals);
                    }
                    if (error == 0) {
                        error = (int) SPAWNATTR_SETFLAGS.invokeExact(attributes,
                                (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
                    }
                    if (error == 0) {
                        error = (int) POSIX_SPAWN.invokeExact(pid, path, actions, attributes, argv, env);
                    }
                    return error == 0 ? pid.get(JAVA_INT, 0) : -error;
                } finally {
                    int unused = (int) SPAWNATTR_DESTROY.invokeExact(attributes);
                }
            } finally {
                int unused = (int) FILE_ACTIONS_DESTROY.invokeExact(actions);
            }
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** kill(2): 0 or -errno (-ESRCH: no such process, already reaped). Signal 0 only checks existence. */
    public static int kill(int pid, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            return Downcalls.result((int) KILL.invokeExact(capture, pid, signal), capture);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * waitpid(2) for {@code pid}, or any child when {@code pid} is -1 (beware: in a JVM that
     * also runs ProcessBuilder children, -1 can reap one of those). Blocks unless
     * {@code noHang} (WNOHANG). EINTR is not retried here (like {@link Syscalls}): it comes
     * back as a status whose pid is {@code -EINTR}.
     *
     * @return the child's status; {@code null} if {@code noHang} and no child has changed state;
     *         a status with {@code pid = -errno} on failure (-ECHILD: no such unwaited child)
     */
    public static WaitStatus waitpid(int pid, boolean noHang) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            MemorySegment status = arena.allocate(JAVA_INT);
            int r = (int) WAITPID.invokeExact(capture, pid, status, noHang ? WNOHANG : 0);
            if (r < 0) {
                return new WaitStatus(-Downcalls.errno(capture), 0);
            }
            return r == 0 ? null : new WaitStatus(r, status.get(JAVA_INT, 0));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** getpid(2): cannot fail. */
    /** The calling thread's kernel id (what /proc/PID/task/TID and perf -t name). */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** getppid(2): cannot fail; a reparented orphan sees its subreaper's pid (or 1). */
    public static int getppid() {
        try {
            return (int) GETPPID.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * socketpair(2) AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC into {@code fds[0]} and {@code fds[1]}:
     * a master/worker channel. Once every copy of one end is closed (the holder died), the other
     * end reads EOF, which is how either side learns the other is gone.
     *
     * @return 0 or -errno
     */
    public static int socketpair(int[] fds) {
        Objects.checkIndex(1, fds.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            MemorySegment pair = arena.allocate(JAVA_INT, 2);
            int r = (int) SOCKETPAIR.invokeExact(capture, SocketConstants.AF_UNIX,
                    SocketConstants.SOCK_STREAM | SocketConstants.SOCK_CLOEXEC, 0, pair);
            if (r < 0) {
                return -Downcalls.errno(capture);
            }
            fds[0] = pair.getAtIndex(JAVA_INT, 0);
            fds[1] = pair.getAtIndex(JAVA_INT, 1);
            return 0;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * Sets or clears FD_CLOEXEC (fcntl F_GETFD, then F_SETFD only if it changes). Not atomic
     * against a concurrent fork/spawn in another thread, which is why fds should be opened
     * with O_CLOEXEC / SOCK_CLOEXEC in the first place.
     *
     * @return 0 or -errno (-EBADF)
     */
    public static int setCloexec(int fd, boolean on) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            int flags = fcntl(capture, fd, F_GETFD, 0);
            if (flags < 0) {
                return flags;
            }
            int wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
            if (wanted == flags) {
                return 0;
            }
            int r = fcntl(capture, fd, F_SETFD, wanted);
            return r < 0 ? r : 0;
        }
    }

    /** fcntl(F_GETFD) result for tests: the fd's flags (FD_CLOEXEC) or -errno. */
    static int fdFlags(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return fcntl(Downcalls.captureState(arena), fd, F_GETFD, 0);
        }
    }

    private static int fcntl(MemorySegment capture, int fd, int command, int argument) {
        try {
            return Downcalls.result((int) FCNTL.invokeExact(capture, fd, command, argument), capture);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    private static void closeAll(int[] fds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            for (int fd : fds) {
                if (fd >= 0) {
                    int unused = (int) CLOSE.invokeExact(capture, fd);
                }
            }
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    private static MemorySegment cString(Arena arena, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL character in " + s.replace('\0', '?'));
        }
        return arena.allocateFrom(s);
    }

    /** A NULL-terminated char *[] of UTF-8 C strings, as execve(2) wants argv and envp. */
    private static MemorySegment cStringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, cString(arena, strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }
}
