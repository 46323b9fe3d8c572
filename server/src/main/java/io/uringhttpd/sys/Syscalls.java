package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;

/**
 * The syscalls the server makes, as glibc downcalls. One instance per thread: it owns its errno
 * capture buffer, its scratch memory and its {@link #counts}; not thread-safe.
 *
 * <p><b>Results.</b> Every call returns {@code >= 0} on success or {@code -errno}, the shape of
 * io_uring's {@code cqe.res}, so both engines share their error handling. Nothing throws
 * for a kernel error.
 *
 * <p><b>EINTR</b> is returned as {@code -EINTR}, never retried here: the caller knows whether it
 * would rather loop or look at a stop flag first. Only calls that can sleep see it: epoll_wait
 * (always, even with SA_RESTART, signal(7)), accept4/read/write on blocking fds, and openat on a
 * FIFO. Any signal handled on the calling thread, JVM-internal ones included, can cause it.
 *
 * <p><b>Memory.</b> Buffers are raw addresses passed as {@code JAVA_LONG}: in the x86_64 SysV
 * ABI a pointer and a long travel in the same INTEGER-class register, so the downcall does not
 * need a {@code MemorySegment} per call. The caller keeps that memory alive and large enough.
 * Each call is {@code invokeExact} with exact types: no boxing, no varargs array, no allocation.
 *
 * <p><b>Critical downcalls.</b> {@code Linker.Option.critical(false)} skips the Java-to-native
 * thread-state transition, and it combines with {@code captureCallState("errno")} on JDK 25
 * (checked). While such a call runs, the thread cannot reach a safepoint, so a call that
 * sleeps stalls every GC in the JVM. It is used only for calls that cannot sleep whatever the
 * fd: epoll_ctl, shutdown, setsockopt, getsockopt, and recv/send, which always add
 * MSG_DONTWAIT for that reason. Measured on the 2-core project VM (kernel 6.18, JDK 25.0.3,
 * best of 7-15 loops of 200k-2M calls; other builds were running, so +-5 ns is noise):
 * <pre>
 *  call (errno captured)            normal    critical
 *  read(-1) -> EBADF                163.9     162.9   ns/call
 *  getpid (no errno)                153.5     150.8
 *  recv, empty socket -> EAGAIN     399.5     398.5
 *  epoll_ctl MOD                    409.2     400.5
 * </pre>
 * The gain is at most ~2 % of a syscall's cost: too little to risk on anything that might
 * sleep (read/write/sendfile on a blocking fd or a slow disk, close with SO_LINGER or on NFS,
 * accept4 on a blocking listener, epoll_wait). Through this class, same run: close(-1) 183,
 * epoll_wait with nothing ready 226, fstatx 424, openat2 -> ENOENT 1072 ns/call.
 */
// Restricted FFM methods are expected here: this package is the one place allowed to use them.
@SuppressWarnings("restricted")
public final class Syscalls {
    /** arch/x86/entry/syscalls/syscall_64.tbl; glibc 2.36 has no openat2 wrapper. */
    static final long SYS_OPENAT2 = 437;
    /** Same table (kernel >= 5.1); glibc has no io_uring wrappers at all, liburing is not used. */
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;
    /** sizeof(sigset_t) as the kernel sees it (_NSIG / 8 = 64 / 8): io_uring_enter's last argument. */
    static final long KERNEL_SIGSET_BYTES = 8;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
            CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    // Scratch layout of one instance (8-aligned slots after the errno capture state):
    private static final long INT_VALUE = align8(CAPTURE_LAYOUT.byteSize()); // setsockopt/getsockopt value
    private static final long SOCKLEN = INT_VALUE + 4;                       // u32 socklen_t in/out
    private static final long EPOLL_EVENT = SOCKLEN + 4;                     // 12 bytes, packed
    private static final long U64_VALUE = align8(EPOLL_EVENT + EpollEvent.BYTES); // sendfile/splice offset, eventfd count
    private static final long U64_VALUE2 = U64_VALUE + 8;                    // splice off_out
    private static final long PIPE_FDS = U64_VALUE2 + 8;                     // int[2] of pipe2
    private static final long OPEN_HOW = PIPE_FDS + 8;                       // 24 bytes
    private static final long EMPTY_PATH = OPEN_HOW + OpenHow.BYTES;         // one NUL byte
    private static final long SOCKADDR = align8(EMPTY_PATH + 1);             // sockaddr_storage
    private static final long SCRATCH_BYTES = SOCKADDR + Sockaddr.STORAGE_BYTES;

    // Signatures from the man pages; every pointer is a JAVA_LONG (see class comment).
    private static final MethodHandle SOCKET = libc("socket", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = libc("getsockopt", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle BIND = libc("bind", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LISTEN = libc("listen", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = libc("getsockname", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle GETPEERNAME = libc("getpeername", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle ACCEPT4 = libc("accept4", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = libc("shutdown", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = libc("close", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 = libc("epoll_create1", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = libc("epoll_ctl", true,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle EVENTFD = libc("eventfd", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_WAIT = libc("epoll_wait", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = libc("read", false,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle RECV = libc("recv", true,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle WRITE = libc("write", false,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITEV = libc("writev", false,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SEND = libc("send", true,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDFILE = libc("sendfile", false,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PREAD = libc("pread", false,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // int openat(int dirfd, const char *path, int flags, ... /* mode_t mode */): variadic in
    // glibc, so the mode is declared as the first variadic argument (an int stays an int under
    // C's default argument promotions).
    private static final MethodHandle OPENAT = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("openat"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT),
            ERRNO, Linker.Option.firstVariadicArg(3));
    // long syscall(long number, ...): every argument passed as a long, as syscall(2) expects.
    private static final MethodHandle SYSCALL4 = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle STATX = libc("statx", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle SYSCALL2 = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            ERRNO, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL6 = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("syscall"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            ERRNO, Linker.Option.firstVariadicArg(1));
    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset): the
    // result is taken as a JAVA_LONG, not an ADDRESS, which would come back as a zero-length
    // MemorySegment to reinterpret; MAP_FAILED is (void *) -1.
    private static final MethodHandle MMAP = libc("mmap", false,
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = libc("munmap", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MADVISE = libc("madvise", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PIPE2 = libc("pipe2", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    // ssize_t splice(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out, size_t len, unsigned flags)
    private static final MethodHandle SPLICE = libc("splice", false,
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    // int inotify_init1(int flags); int inotify_add_watch(int fd, const char *path, uint32_t mask);
    // int inotify_rm_watch(int fd, int wd); int fstatfs(int fd, struct statfs *buf); statfs likewise
    private static final MethodHandle INOTIFY_INIT1 = libc("inotify_init1", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH = libc("inotify_add_watch", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle INOTIFY_RM_WATCH = libc("inotify_rm_watch", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle STATFS = libc("statfs", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    // int getrusage(int who, struct rusage *usage)
    private static final MethodHandle GETRUSAGE = libc("getrusage", false,
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    // int fcntl(int fd, int cmd, ... /* arg */): variadic in glibc; every command used here
    // takes an int (F_SETPIPE_SZ) or ignores it (F_GETPIPE_SZ).
    private static final MethodHandle FCNTL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("fcntl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            ERRNO, Linker.Option.firstVariadicArg(2));

    /** Counts of this instance's calls; written only by the owning thread. */
    public final SyscallCounts counts = new SyscallCounts();
    /** The loop's spare descriptors (null: none): what an open or pipe2 that hit EMFILE may take. */
    private FdReserve reserve;

    /** errno capture state at offset 0, then the per-call scratch slots above. */
    private final MemorySegment scratch;
    private final long scratchAddress;

    /**
     * Allocates this instance's scratch memory from an automatic arena: it is freed when the
     * instance is unreachable. Passing it to a downcall keeps it alive for that call, and its
     * session's acquire is a no-op (measured equal to Arena.global()).
     */
    public Syscalls() {
        scratch = Arena.ofAuto().allocate(SCRATCH_BYTES, 8);
        scratchAddress = scratch.address();
    }

    public int socket(int domain, int type, int protocol) {
        counts.socket++;
        try {
            return result((int) SOCKET.invokeExact(scratch, domain, type, protocol));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt with an int value (every option this server sets is one). */
    public int setsockoptInt(int fd, int level, int option, int value) {
        counts.setsockopt++;
        scratch.set(JAVA_INT, INT_VALUE, value);
        try {
            return result((int) SETSOCKOPT.invokeExact(scratch, fd, level, option, scratchAddress + INT_VALUE, 4));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The option's int value, or -errno (options read here are never negative). */
    public int getsockoptInt(int fd, int level, int option) {
        counts.getsockopt++;
        scratch.set(JAVA_INT, INT_VALUE, 0);
        scratch.set(JAVA_INT, SOCKLEN, 4);
        try {
            int r = (int) GETSOCKOPT.invokeExact(scratch, fd, level, option,
                    scratchAddress + INT_VALUE, scratchAddress + SOCKLEN);
            return r < 0 ? -errno() : scratch.get(JAVA_INT, INT_VALUE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Binds to an IPv4 or IPv6 address (setup path). Throws for an unresolved address. */
    public int bind(int fd, InetSocketAddress address) {
        counts.bind++;
        int length = Sockaddr.write(scratch, SOCKADDR, address);
        try {
            return result((int) BIND.invokeExact(scratch, fd, scratchAddress + SOCKADDR, length));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The kernel silently caps backlog at net.core.somaxconn (4096 since kernel 5.4). */
    public int listen(int fd, int backlog) {
        counts.listen++;
        try {
            return result((int) LISTEN.invokeExact(scratch, fd, backlog));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The bound local port (getsockname), e.g. the one the kernel chose for port 0. */
    public int localPort(int fd) {
        counts.getsockname++;
        scratch.set(JAVA_INT, SOCKLEN, Sockaddr.STORAGE_BYTES);
        try {
            int r = (int) GETSOCKNAME.invokeExact(scratch, fd, scratchAddress + SOCKADDR, scratchAddress + SOCKLEN);
            return r < 0 ? -errno() : Sockaddr.port(scratchAddress + SOCKADDR);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The peer's address into caller memory ({@code addrLenAddress} holds its capacity on entry,
     * the length used on return). For sockets accepted by io_uring's multishot ACCEPT, which
     * cannot hand each connection an address buffer of its own.
     */
    public int getpeername(int fd, long sockaddrAddress, long addrLenAddress) {
        counts.getpeername++;
        try {
            return result((int) GETPEERNAME.invokeExact(scratch, fd, sockaddrAddress, addrLenAddress));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Accepts without the peer address. {@code flags}: SOCK_NONBLOCK | SOCK_CLOEXEC. On a
     * non-blocking listener an empty queue gives -EAGAIN; a connection reset while queued
     * can give -ECONNABORTED (accept(2)): both mean "try the next one".
     */
    public int accept4(int fd, int flags) {
        counts.accept4++;
        try {
            return result((int) ACCEPT4.invokeExact(scratch, fd, 0L, 0L, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Accepts and writes the peer's sockaddr into caller memory: {@code addrLenAddress} points
     * to a u32 that must hold the buffer size on entry ({@link Sockaddr#STORAGE_BYTES}) and
     * holds the address length on return. Read it with {@link Sockaddr}.
     */
    public int accept4(int fd, int flags, long sockaddrAddress, long addrLenAddress) {
        counts.accept4++;
        try {
            return result((int) ACCEPT4.invokeExact(scratch, fd, sockaddrAddress, addrLenAddress, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sends FIN (SHUT_WR) or stops both ways; unlike close it also ends pending io_uring ops. */
    public int shutdown(int fd, int how) {
        counts.shutdown++;
        try {
            return result((int) SHUTDOWN.invokeExact(scratch, fd, how));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Never retry close on error, EINTR included: Linux releases the fd number before it can
     * fail (close(2)), and a retry could close a descriptor another thread just got.
     */
    public int close(int fd) {
        counts.close++;
        try {
            return result((int) CLOSE.invokeExact(scratch, fd));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int epollCreate1(int flags) {
        counts.epollCreate1++;
        try {
            return result((int) EPOLL_CREATE1.invokeExact(scratch, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code data} comes back untouched in epoll_wait's {@link EpollEvent#data}. */
    public int epollCtl(int epfd, int op, int fd, int events, long data) {
        counts.epollCtl++;
        scratch.set(JAVA_INT_UNALIGNED, EPOLL_EVENT + EpollEvent.EVENTS_OFFSET, events);
        scratch.set(JAVA_LONG_UNALIGNED, EPOLL_EVENT + EpollEvent.DATA_OFFSET, data);
        try {
            return result((int) EPOLL_CTL.invokeExact(scratch, epfd, op, fd, scratchAddress + EPOLL_EVENT));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Waits for up to {@code maxEvents} events written to {@code eventsAddress} (an array of
     * {@link EpollEvent#BYTES}-byte entries); returns their count, 0 on timeout, -EINTR on a
     * signal. {@code timeoutMs} -1 waits forever. Not critical: it blocks.
     */
    public int epollWait(int epfd, long eventsAddress, int maxEvents, int timeoutMs) {
        counts.epollWait++;
        try {
            return result((int) EPOLL_WAIT.invokeExact(scratch, epfd, eventsAddress, maxEvents, timeoutMs));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A counter fd for cross-thread wake-ups; {@code flags}: EFD_NONBLOCK | EFD_CLOEXEC. */
    public int eventfd(int initialValue, int flags) {
        counts.eventfd++;
        try {
            return result((int) EVENTFD.invokeExact(scratch, initialValue, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Adds {@code value} to an eventfd's counter (a write(2) of 8 bytes), waking its epoll
     * waiters. Returns 8 or -errno; -EAGAIN if the counter would overflow on a non-blocking fd.
     * Call it on the signalling thread's own instance.
     */
    public long eventfdWrite(int fd, long value) {
        scratch.set(JAVA_LONG, U64_VALUE, value);
        return write(fd, scratchAddress + U64_VALUE, 8);
    }

    /** Reads and resets an eventfd's counter: the value (> 0), or -errno (-EAGAIN: was 0). */
    public long eventfdRead(int fd) {
        long r = read(fd, scratchAddress + U64_VALUE, 8);
        return r < 0 ? r : scratch.get(JAVA_LONG, U64_VALUE);
    }

    /** Bytes read, 0 at end of stream, or -errno (-EAGAIN: nothing yet on a non-blocking fd). */
    public long read(int fd, long address, long length) {
        counts.read++;
        try {
            return result((long) READ.invokeExact(scratch, fd, address, length));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * recv with MSG_DONTWAIT always added, so it never sleeps even on a blocking socket: that
     * is what makes it safe as a critical downcall. Returns -EAGAIN when nothing is queued.
     */
    public long recv(int fd, long address, long length, int flags) {
        counts.recv++;
        try {
            return result((long) RECV.invokeExact(scratch, fd, address, length, flags | SocketConstants.MSG_DONTWAIT));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A short write is normal on a non-blocking socket: advance and wait for EPOLLOUT. */
    public long write(int fd, long address, long length) {
        counts.write++;
        try {
            return result((long) WRITE.invokeExact(scratch, fd, address, length));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code iovecAddress}: {@code iovecCount} {@link Iovec} entries (at most IOV_MAX = 1024). */
    public long writev(int fd, long iovecAddress, int iovecCount) {
        counts.writev++;
        try {
            return result((long) WRITEV.invokeExact(scratch, fd, iovecAddress, iovecCount));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * send with MSG_DONTWAIT always added (never sleeps, hence critical). Pass MSG_NOSIGNAL on
     * sockets, or a reset peer raises SIGPIPE; pass MSG_MORE when more of the response follows.
     */
    public long send(int fd, long address, long length, int flags) {
        counts.send++;
        try {
            return result((long) SEND.invokeExact(scratch, fd, address, length, flags | SocketConstants.MSG_DONTWAIT));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sends {@code count} bytes of {@code inFd} from {@code offset} to {@code outFd} in the
     * kernel. The offset goes by value: the kernel's updated copy is discarded and the file
     * position is untouched, so the caller advances by the result. A negative {@code offset}
     * passes NULL instead: read from, and advance, the file position. A result below
     * {@code count} is normal (socket buffer full; at most 0x7ffff000 bytes per call).
     */
    public long sendfile(int outFd, int inFd, long offset, long count) {
        counts.sendfile++;
        long offsetAddress = 0L;
        if (offset >= 0) {
            scratch.set(JAVA_LONG, U64_VALUE, offset);
            offsetAddress = scratchAddress + U64_VALUE;
        }
        try {
            return result((long) SENDFILE.invokeExact(scratch, outFd, inFd, offsetAddress, count));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public long pread(int fd, long address, long length, long offset) {
        counts.pread++;
        try {
            return result((long) PREAD.invokeExact(scratch, fd, address, length, offset));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pathAddress}: NUL-terminated bytes; {@code mode} only matters with O_CREAT. */
    public int openat(int dirFd, long pathAddress, int flags, int mode) {
        counts.openat++;
        try {
            return result((int) OPENAT.invokeExact(scratch, dirFd, pathAddress, flags, mode));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * openat2(2) (kernel >= 5.6; -ENOSYS before) through syscall(2). With RESOLVE_BENEATH the
     * kernel itself refuses ".." and absolute paths or symlinks that leave {@code dirFd}
     * (-EXDEV); RESOLVE_NO_SYMLINKS refuses any symlink (-ELOOP). {@code mode} must be 0
     * unless O_CREAT (else -EINVAL); unknown flag bits are -EINVAL too (unlike openat). EMFILE:
     * tried again with a descriptor of the loop's reserve, while it has one ({@link FdReserve}).
     */
    public int openat2(int dirFd, long pathAddress, long flags, long mode, long resolve) {
        int fd = openat2Once(dirFd, pathAddress, flags, mode, resolve);
        while (fd == -Errno.EMFILE && releaseReserved()) {
            fd = openat2Once(dirFd, pathAddress, flags, mode, resolve);
        }
        return fd;
    }

    private int openat2Once(int dirFd, long pathAddress, long flags, long mode, long resolve) {
        counts.openat2++;
        OpenHow.set(scratch, OPEN_HOW, flags, mode, resolve);
        try {
            return (int) result((long) SYSCALL4.invokeExact(scratch, SYS_OPENAT2, (long) dirFd, pathAddress,
                    scratchAddress + OPEN_HOW, OpenHow.BYTES));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Fills {@link Statx#BYTES} bytes at {@code statxAddress}. {@code flags}: AT_SYMLINK_NOFOLLOW,
     * AT_EMPTY_PATH; {@code mask}: STATX_* fields wanted (check {@link Statx#mask} for what came).
     */
    public int statx(int dirFd, long pathAddress, int flags, int mask, long statxAddress) {
        counts.statx++;
        try {
            return result((int) STATX.invokeExact(scratch, dirFd, pathAddress, flags, mask, statxAddress));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** statx of an open fd (the fstat of this API): AT_EMPTY_PATH with an empty path. */
    public int fstatx(int fd, int mask, long statxAddress) {
        return statx(fd, scratchAddress + EMPTY_PATH, FileConstants.AT_EMPTY_PATH, mask, statxAddress);
    }

    /** Address of a NUL byte (an empty C string) for AT_EMPTY_PATH; valid while this instance lives. */
    public long emptyPathAddress() {
        return scratchAddress + EMPTY_PATH;
    }

    /**
     * io_uring_setup(2): a new ring's fd, or -errno. {@code paramsAddress} points to an
     * {@link IoUringParams} ({@link IoUringParams#BYTES} bytes, zeroed but for the inputs);
     * the kernel writes the ring sizes, features and mmap offsets back into it. Use
     * {@link IoUring#setup} rather than this. EPERM: seccomp or kernel.io_uring_disabled;
     * ENOSYS: no io_uring in this kernel; EINVAL: an unknown or conflicting flag.
     */
    public int ioUringSetup(int entries, long paramsAddress) {
        counts.ioUringSetup++;
        try {
            return (int) result((long) SYSCALL2.invokeExact(scratch, SYS_IO_URING_SETUP, (long) entries, paramsAddress));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * io_uring_enter(2) without a signal mask: submits {@code toSubmit} SQEs and, with
     * IORING_ENTER_GETEVENTS, waits until {@code minComplete} CQEs are ready. Returns the
     * number of SQEs consumed, or -errno (-EINTR on a signal while waiting, -EEXIST from a
     * thread that is not a SINGLE_ISSUER ring's owner, -EBUSY/-EAGAIN when the CQ overflowed
     * and the kernel cannot buffer more). Not critical: it blocks. {@code ringFd} is a
     * registered ring index when {@code flags} has IORING_ENTER_REGISTERED_RING.
     */
    public int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags) {
        counts.ioUringEnter++;
        try {
            return (int) result((long) SYSCALL6.invokeExact(scratch, SYS_IO_URING_ENTER, (long) ringFd,
                    (long) toSubmit, (long) minComplete, (long) flags, 0L, KERNEL_SIGSET_BYTES));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * io_uring_enter(2) with its two last arguments as given: a sigset_t address and its size,
     * or, with IORING_ENTER_EXT_ARG (kernel >= 5.11), the address and size (24) of a struct
     * io_uring_getevents_arg that carries a wait timeout ({@link IoUring#submitAndWait(int, long)}).
     */
    public int ioUringEnter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argBytes) {
        counts.ioUringEnter++;
        try {
            return (int) result((long) SYSCALL6.invokeExact(scratch, SYS_IO_URING_ENTER, (long) ringFd,
                    (long) toSubmit, (long) minComplete, (long) flags, argAddress, argBytes));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * io_uring_register(2): {@code opcode} is an IORING_REGISTER_* value, {@code argAddress}
     * and {@code nrArgs} its argument as the header describes it. Result >= 0 (opcode
     * specific) or -errno.
     */
    public int ioUringRegister(int ringFd, int opcode, long argAddress, int nrArgs) {
        counts.ioUringRegister++;
        try {
            return (int) result((long) SYSCALL4.invokeExact(scratch, SYS_IO_URING_REGISTER, (long) ringFd,
                    (long) opcode, argAddress, (long) nrArgs));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * mmap(2): the mapping's address, or -errno for MAP_FAILED. A user-space address on
     * x86_64 is below 2^47, so a valid result is never negative. Wrap it with
     * {@code MemorySegment.ofAddress(a).reinterpret(length)} where a segment is needed.
     */
    public long mmap(long address, long length, int prot, int flags, int fd, long offset) {
        counts.mmap++;
        try {
            long r = (long) MMAP.invokeExact(scratch, address, length, prot, flags, fd, offset);
            return r == -1L ? -errno() : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int munmap(long address, long length) {
        counts.munmap++;
        try {
            return result((int) MUNMAP.invokeExact(scratch, address, length));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code advice}: an MADV_* value of {@link MmapConstants}; the range must be page-aligned. */
    public int madvise(long address, long length, int advice) {
        counts.madvise++;
        try {
            return result((int) MADVISE.invokeExact(scratch, address, length, advice));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * pipe2(2): on success (0) {@code fds[0]} is the read end and {@code fds[1]} the write end;
     * the caller's array is reused, so nothing is allocated. {@code flags}: O_CLOEXEC | O_NONBLOCK.
     * A new pipe holds 64 KiB (16 pages) until {@link #fcntl} F_SETPIPE_SZ. EMFILE: tried again
     * with descriptors of the loop's reserve, while it has some ({@link FdReserve}).
     */
    public int pipe2(int flags, int[] fds) {
        int r = pipe2Once(flags, fds);
        while (r == -Errno.EMFILE && releaseReserved()) {
            r = pipe2Once(flags, fds);
        }
        return r;
    }

    private int pipe2Once(int flags, int[] fds) {
        counts.pipe2++;
        try {
            int r = (int) PIPE2.invokeExact(scratch, scratchAddress + PIPE_FDS, flags);
            if (r < 0) {
                return -errno();
            }
            fds[0] = scratch.get(JAVA_INT, PIPE_FDS);
            fds[1] = scratch.get(JAVA_INT, PIPE_FDS + 4);
            return 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * splice(2): moves up to {@code length} bytes between two fds, one of them a pipe. The
     * offsets go by value like {@link #sendfile}'s: {@code -1} passes NULL (a pipe's, or
     * the file position's, own cursor), any other value is used and the kernel's updated copy
     * discarded, so the caller advances by the result. 0 means end of input; -EAGAIN with
     * SPLICE_F_NONBLOCK or a non-blocking fd when the pipe is full (or empty).
     */
    public long splice(int fdIn, long offsetIn, int fdOut, long offsetOut, long length, int flags) {
        counts.splice++;
        long offsetInAddress = 0L;
        long offsetOutAddress = 0L;
        if (offsetIn >= 0) {
            scratch.set(JAVA_LONG, U64_VALUE, offsetIn);
            offsetInAddress = scratchAddress + U64_VALUE;
        }
        if (offsetOut >= 0) {
            scratch.set(JAVA_LONG, U64_VALUE2, offsetOut);
            offsetOutAddress = scratchAddress + U64_VALUE2;
        }
        try {
            return result((long) SPLICE.invokeExact(scratch, fdIn, offsetInAddress, fdOut, offsetOutAddress, length, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * fcntl(2) with an int argument, e.g. F_SETPIPE_SZ (returns the size set, rounded up to a
     * power-of-two number of pages; -EPERM above fs.pipe-max-size for an unprivileged user,
     * -EBUSY below the bytes queued) or F_GETPIPE_SZ (argument ignored).
     */
    /** Descriptors held back by this loop for its requests ({@link FdReserve}); null: none. */
    public void useReserve(FdReserve reserve) {
        this.reserve = reserve;
    }

    /** Closes one of the loop's reserved descriptors, so that trying again gets it; false when there is none. */
    private boolean releaseReserved() {
        return reserve != null && reserve.release();
    }

    public int fcntl(int fd, int command, int argument) {
        counts.fcntl++;
        try {
            return result((int) FCNTL.invokeExact(scratch, fd, command, argument));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * getrusage(2) into {@code usageAddress} (a {@link Rusage#BYTES} buffer). With
     * {@link Rusage#RUSAGE_THREAD} (Linux 2.6.26) the calling thread's CPU time in microseconds
     * and its context switches: the figures /proc/self/task/TID/{stat,status} show, without a
     * file to open and parse (and finer: stat's utime/stime are in 10 ms clock ticks).
     */
    public int getrusage(int who, long usageAddress) {
        counts.getrusage++;
        try {
            return result((int) GETRUSAGE.invokeExact(scratch, who, usageAddress));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** inotify_init1(2) (Linux 2.6.27): a new inotify instance's fd, or -errno (EMFILE: fs.inotify.max_user_instances reached). */
    public int inotifyInit1(int flags) {
        counts.inotifyInit1++;
        try {
            return result((int) INOTIFY_INIT1.invokeExact(scratch, flags));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * inotify_add_watch(2): the watch descriptor of the inode {@code pathAddress} names (a NUL-terminated
     * path), the same one again for an inode already watched by this instance, or -errno (ENOSPC:
     * fs.inotify.max_user_watches reached; ENOENT, ENOTDIR with IN_ONLYDIR).
     */
    public int inotifyAddWatch(int fd, long pathAddress, int mask) {
        counts.inotifyAddWatch++;
        try {
            return result((int) INOTIFY_ADD_WATCH.invokeExact(scratch, fd, pathAddress, mask));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** inotify_rm_watch(2): 0 or -errno; the kernel then queues IN_IGNORED for {@code wd}. */
    public int inotifyRmWatch(int fd, int wd) {
        counts.inotifyRmWatch++;
        try {
            return result((int) INOTIFY_RM_WATCH.invokeExact(scratch, fd, wd));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** statfs(2) of a NUL-terminated path into {@code statfsAddress} ({@link Statfs#BYTES}): 0 or -errno. */
    public int statfs(long pathAddress, long statfsAddress) {
        counts.statfs++;
        try {
            return result((int) STATFS.invokeExact(scratch, pathAddress, statfsAddress));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int result(int r) {
        return r < 0 ? -errno() : r;
    }

    private long result(long r) {
        return r < 0 ? -errno() : r;
    }

    /** errno as captured right after the call (glibc's errno is thread-local and the JVM may clobber it). */
    private int errno() {
        return scratch.get(JAVA_INT, ERRNO_OFFSET);
    }

    private static MethodHandle libc(String name, boolean critical, FunctionDescriptor descriptor) {
        Linker.Option[] options = critical ? new Linker.Option[] {ERRNO, CRITICAL} : new Linker.Option[] {ERRNO};
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, options);
    }

    private static long align8(long value) {
        return (value + 7) & ~7L;
    }

    /** invokeExact declares Throwable; with exact types only JVM errors can really come out. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("downcall failed", t);
    }
}
