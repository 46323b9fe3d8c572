package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * Downcall plumbing shared by the static, setup-path wrappers ({@link Processes},
 * {@link Privileges}). Unlike {@link Syscalls} (one instance per thread, scratch memory owned
 * by the instance, raw addresses for the hot path), these calls may come from any thread: each
 * call allocates its errno capture state in its own confined arena.
 */
// Restricted FFM methods are expected here: this package is the one place allowed to use them.
@SuppressWarnings("restricted")
final class Downcalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
            CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    private Downcalls() {
    }

    /** A libc function that reports failure through errno: the handle takes the capture segment first. */
    static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, ERRNO);
    }

    /** A variadic libc function (fcntl): arguments from {@code firstVariadic} on are the variadic ones. */
    static MethodHandle withErrnoVariadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /**
     * A libc function that cannot fail or returns its error number directly (posix_spawn*,
     * getpwnam_r, sigemptyset...): no errno capture.
     */
    static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor);
    }

    /** Capture state for one call (or a few calls in a row), zeroed, freed with {@code arena}. */
    static MemorySegment captureState(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /** errno as captured right after the last call that was given {@code capture}. */
    static int errno(MemorySegment capture) {
        return capture.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** {@code r} if it is not negative, else {@code -errno} (the package's result convention). */
    static int result(int r, MemorySegment capture) {
        return r < 0 ? -errno(capture) : r;
    }

    /** invokeExact declares Throwable; with exact types only JVM errors can really come out. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("downcall failed", t);
    }
}
