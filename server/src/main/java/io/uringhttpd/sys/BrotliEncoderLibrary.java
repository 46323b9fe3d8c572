package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * libbrotlienc's one-shot API, declared in brotli/encode.h; Debian package libbrotli1 (1.0.9 on
 * Debian 12). Optional: {@link #load()} reports a missing library instead of throwing.
 *
 * <p>{@code BrotliEncoderCompress} builds its encoder state on every call, so one instance is
 * safe from several threads at once. Pointers are raw {@code long} addresses and {@code size_t}
 * a {@code long}, as in {@link ZstdLibrary}; no call is {@code critical} (quality 11 runs for
 * seconds on a few MiB).
 */
// Restricted FFM methods are expected here: this package is the one place allowed to use them.
@SuppressWarnings("restricted")
public final class BrotliEncoderLibrary {
    /** The runtime library's soname (libbrotli1 ships no unversioned libbrotlienc.so). */
    public static final String SONAME = "libbrotlienc.so.1";
    /** BROTLI_MIN_QUALITY and BROTLI_MAX_QUALITY, brotli/encode.h. */
    public static final int MIN_QUALITY = 0;
    public static final int MAX_QUALITY = 11;
    /** BROTLI_DEFAULT_WINDOW: a 4 MiB window (log2), what the brotli CLI uses too. */
    public static final int DEFAULT_WINDOW = 22;
    /** BROTLI_MODE_GENERIC of enum BrotliEncoderMode: no assumption about the content. */
    public static final int MODE_GENERIC = 0;

    private static final LibraryBinding<BrotliEncoderLibrary> SYSTEM = load(SONAME);

    private final MethodHandle maxCompressedSize;
    private final MethodHandle compress;

    private BrotliEncoderLibrary(SymbolLookup lookup) {
        Linker linker = Linker.nativeLinker();
        // Signatures from brotli/encode.h; BROTLI_BOOL and the mode enum are ints, pointers and size_t JAVA_LONG.
        maxCompressedSize = linker.downcallHandle(lookup.findOrThrow("BrotliEncoderMaxCompressedSize"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        compress = linker.downcallHandle(lookup.findOrThrow("BrotliEncoderCompress"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    }

    /** The system's libbrotlienc, looked up once per process. */
    public static LibraryBinding<BrotliEncoderLibrary> load() {
        return SYSTEM;
    }

    /** {@code name} as dlopen(3) takes it; package-private so a test can name a missing library. */
    static LibraryBinding<BrotliEncoderLibrary> load(String name) {
        try {
            return LibraryBinding.bound(new BrotliEncoderLibrary(SymbolLookup.libraryLookup(name, Arena.global())));
        } catch (RuntimeException e) { // IllegalArgumentException (dlopen), NoSuchElementException (symbol)
            return LibraryBinding.unavailable(LibraryBinding.reasonOf(e));
        }
    }

    /**
     * BrotliEncoderMaxCompressedSize: the worst-case output for {@code inputSize} bytes, or 0 when
     * that does not fit a size_t (encode.h: "0 if result does not fit size_t").
     */
    public long maxCompressedSize(long inputSize) {
        try {
            return (long) maxCompressedSize.invokeExact(inputSize);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }

    /**
     * BrotliEncoderCompress: the whole input as one stream; the size written, or -1 when it
     * returns BROTLI_FALSE. With {@code outputCapacity >= maxCompressedSize(inputSize)} the encoder
     * falls back to uncompressed meta-blocks rather than fail on incompressible input.
     */
    public long compress(int quality, int lgwin, int mode, long input, long inputSize, long output, long outputCapacity) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment encodedSize = arena.allocate(JAVA_LONG); // size_t*: capacity in, size written out
            encodedSize.set(JAVA_LONG, 0, outputCapacity);
            int ok = (int) compress.invokeExact(quality, lgwin, mode, inputSize, input, encodedSize.address(), output);
            return ok != 0 ? encodedSize.get(JAVA_LONG, 0) : -1;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
