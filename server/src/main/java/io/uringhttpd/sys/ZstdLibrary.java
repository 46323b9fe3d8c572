package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * libzstd's one-shot ("simple") compression API, declared in zstd.h; Debian package libzstd1
 * (1.5.4 on Debian 12). Optional: {@link #load()} reports a missing library instead of throwing.
 *
 * <p>{@code ZSTD_compress} makes and frees its own context on every call, so one instance is
 * safe from several threads at once. Pointers travel as raw {@code long} addresses and
 * {@code size_t} as {@code long} (same INTEGER-class register in the x86_64 SysV ABI, see
 * {@link Syscalls}). No call is {@code critical}: compressing a few hundred MiB takes seconds,
 * and a critical downcall would hold off every safepoint (and so every GC) meanwhile.
 */
// Restricted FFM methods are expected here: this package is the one place allowed to use them.
@SuppressWarnings("restricted")
public final class ZstdLibrary {
    /** The runtime library's soname (libzstd1 ships no unversioned libzstd.so). */
    public static final String SONAME = "libzstd.so.1";

    private static final LibraryBinding<ZstdLibrary> SYSTEM = load(SONAME);

    private final MethodHandle compressBound;
    private final MethodHandle compress;
    private final MethodHandle isError;
    private final MethodHandle getErrorName;
    private final MethodHandle maxCLevel;

    private ZstdLibrary(SymbolLookup lookup) {
        Linker linker = Linker.nativeLinker();
        // Signatures from zstd.h; every pointer and size_t is a JAVA_LONG.
        compressBound = linker.downcallHandle(lookup.findOrThrow("ZSTD_compressBound"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        compress = linker.downcallHandle(lookup.findOrThrow("ZSTD_compress"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
        isError = linker.downcallHandle(lookup.findOrThrow("ZSTD_isError"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        getErrorName = linker.downcallHandle(lookup.findOrThrow("ZSTD_getErrorName"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        maxCLevel = linker.downcallHandle(lookup.findOrThrow("ZSTD_maxCLevel"),
                FunctionDescriptor.of(JAVA_INT));
    }

    /** The system's libzstd, looked up once per process. */
    public static LibraryBinding<ZstdLibrary> load() {
        return SYSTEM;
    }

    /** {@code name} as dlopen(3) takes it; package-private so a test can name a missing library. */
    static LibraryBinding<ZstdLibrary> load(String name) {
        try {
            return LibraryBinding.bound(new ZstdLibrary(SymbolLookup.libraryLookup(name, Arena.global())));
        } catch (RuntimeException e) { // IllegalArgumentException (dlopen), NoSuchElementException (symbol)
            return LibraryBinding.unavailable(LibraryBinding.reasonOf(e));
        }
    }

    /** ZSTD_compressBound: the worst-case frame size for {@code srcSize} bytes (an error code if too large). */
    public long compressBound(long srcSize) {
        try {
            return (long) compressBound.invokeExact(srcSize);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** ZSTD_compress: one whole frame, content size recorded; the size written or an error code. */
    public long compress(long dst, long dstCapacity, long src, long srcSize, int level) {
        try {
            return (long) compress.invokeExact(dst, dstCapacity, src, srcSize, level);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** ZSTD_isError: whether a size_t result is an error code. */
    public boolean isError(long code) {
        try {
            return (int) isError.invokeExact(code) != 0;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** ZSTD_getErrorName: a static string inside libzstd, e.g. "Destination buffer is too small". */
    public String errorName(long code) {
        try {
            return NativeMemory.ALL.getString((long) getErrorName.invokeExact(code));
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /** ZSTD_maxCLevel: the highest level (22 since zstd 1.0; above 19 is the CLI's --ultra). */
    public int maxCLevel() {
        try {
            return (int) maxCLevel.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
