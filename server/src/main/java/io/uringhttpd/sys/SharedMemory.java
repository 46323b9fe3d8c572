package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Memory shared between processes: an anonymous file (memfd_create(2), glibc >= 2.27, kernel
 * >= 3.17) mapped MAP_SHARED. The creator passes the fd to its children like any inherited fd
 * (the metrics slots: each event loop of each worker writes its own slot, the master reads them
 * all); nothing has a path, so nothing is left behind when the processes end.
 *
 * <p>Access is by byte offset into the region. Plain {@link #getLong}/{@link #putLong} for data;
 * {@link #getLongAcquire}/{@link #putLongRelease} for the value that publishes it (a sequence
 * number): a release store keeps the data stores before it from being reordered after it, an
 * acquire load keeps the data loads after it from moving before it, in another process as in
 * another thread (same physical pages, x86-TSO; the JMM's acquire/release on a shared mapping).
 */
// Restricted FFM methods are expected here: this package is the one place allowed to use them.
@SuppressWarnings("restricted")
public final class SharedMemory implements AutoCloseable {
    /** include/uapi/linux/memfd.h (kernel >= 3.17): close the fd on exec unless handed over explicitly. */
    static final int MFD_CLOEXEC = 1;
    private static final MethodHandle MEMFD_CREATE = Downcalls.withErrno("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE = Downcalls.withErrno("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final VarHandle LONG = JAVA_LONG.varHandle().withInvokeExactBehavior();

    private final int fd;
    private final long bytes;
    private final MemorySegment region;
    private final Syscalls sys = new Syscalls();
    private boolean closed;

    private SharedMemory(int fd, long bytes, MemorySegment region) {
        this.fd = fd;
        this.bytes = bytes;
        this.region = region;
    }

    /** A new zeroed region of {@code bytes} (rounded up to pages), named {@code name} in /proc/PID/fd. */
    public static SharedMemory create(String name, long bytes) throws IOException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bytes must be positive, got " + bytes);
        }
        long size = (bytes + NativeMemory.PAGE_BYTES - 1) & -NativeMemory.PAGE_BYTES;
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            fd = Downcalls.result((int) MEMFD_CREATE.invokeExact(capture, arena.allocateFrom(name), MFD_CLOEXEC), capture);
            if (fd < 0) {
                throw new IOException("memfd_create: " + Errno.describe(fd));
            }
            int rc = Downcalls.result((int) FTRUNCATE.invokeExact(capture, fd, size), capture);
            if (rc < 0) {
                new Syscalls().close(fd);
                throw new IOException("ftruncate of a " + size + "-byte memfd: " + Errno.describe(rc));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
        return map(fd, size);
    }

    /** Maps an inherited region of {@code bytes} (its size as created). The fd stays open (and owned) here. */
    public static SharedMemory attach(int fd, long bytes) throws IOException {
        return map(fd, (bytes + NativeMemory.PAGE_BYTES - 1) & -NativeMemory.PAGE_BYTES);
    }

    private static SharedMemory map(int fd, long size) throws IOException {
        Syscalls sys = new Syscalls();
        long address = sys.mmap(0, size, MmapConstants.PROT_READ | MmapConstants.PROT_WRITE, MmapConstants.MAP_SHARED, fd, 0);
        if (address < 0 && address > -4096) {
            throw new IOException("mmap of " + size + " shared bytes: " + Errno.describe((int) address));
        }
        return new SharedMemory(fd, size, MemorySegment.ofAddress(address).reinterpret(size));
    }

    public int fd() {
        return fd;
    }

    public long bytes() {
        return bytes;
    }

    public long getLong(long offset) {
        return (long) LONG.get(region, offset);
    }

    public void putLong(long offset, long value) {
        LONG.set(region, offset, value);
    }

    /** Loads that follow in program order see at least what was stored before the matching release. */
    public long getLongAcquire(long offset) {
        return (long) LONG.getAcquire(region, offset);
    }

    /** Stores that precede in program order are visible to whoever acquires this value. */
    public void putLongRelease(long offset, long value) {
        LONG.setRelease(region, offset, value);
    }

    /** Unmaps and closes the fd (children that inherited it keep their own copies). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        sys.munmap(region.address(), bytes);
        sys.close(fd);
    }
}
