package io.uringhttpd.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Native memory: page-aligned allocation plus loads/stores by raw address.
 *
 * <p>The hot path passes buffers as {@code long} addresses; the accessors here read and write
 * through one segment that spans the whole address space ({@link #ALL}), so no
 * {@code MemorySegment} is created per access. They check nothing but {@code address >= 0}:
 * an address must point into memory the caller keeps alive.
 *
 * <p>{@link #ALL} is the process's only such segment, and this package the only user of
 * restricted FFM methods ({@code reinterpret}, the {@code Linker}): every other package reads and
 * writes raw addresses through the methods here. Why one {@code static final} segment rather than
 * a segment per buffer: C2 folds its base, scope and liveness checks into constants (a global
 * segment is always alive), so what remains per access is one compare; a slice per call would
 * cost an allocation (or rely on escape analysis) and a bounds check per byte.
 */
// Restricted FFM methods are expected here: this package is the one place allowed to use them.
@SuppressWarnings("restricted")
public final class NativeMemory {
    /** Base page size on x86_64 (getconf PAGESIZE); huge pages are not used. */
    public static final long PAGE_BYTES = 4096;

    /**
     * Every address of the process, for raw-address access without a segment per call. Unaligned
     * layouts throughout: x86_64 loads unaligned data at full speed, and struct epoll_event puts
     * a u64 at offset 4.
     */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private NativeMemory() {
    }

    /**
     * Zeroed, page-aligned memory from {@link Arena#global()}: never freed, so raw addresses
     * taken from it stay valid for the life of the process. For buffers sized at startup.
     */
    public static MemorySegment allocate(long bytes) {
        return Arena.global().allocate(bytes, PAGE_BYTES);
    }

    /** Zeroed, page-aligned memory that lives as long as {@code arena} (tests, short-lived use). */
    public static MemorySegment allocate(Arena arena, long bytes) {
        return arena.allocate(bytes, PAGE_BYTES);
    }

    public static byte getByte(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address);
    }

    public static void putByte(long address, byte value) {
        ALL.set(ValueLayout.JAVA_BYTE, address, value);
    }

    public static short getShort(long address) {
        return ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, address);
    }

    public static void putShort(long address, short value) {
        ALL.set(ValueLayout.JAVA_SHORT_UNALIGNED, address, value);
    }

    public static int getInt(long address) {
        return ALL.get(ValueLayout.JAVA_INT_UNALIGNED, address);
    }

    public static void putInt(long address, int value) {
        ALL.set(ValueLayout.JAVA_INT_UNALIGNED, address, value);
    }

    public static long getLong(long address) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, address);
    }

    public static void putLong(long address, long value) {
        ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, address, value);
    }

    /** Copies {@code length} bytes from a Java array to native memory. */
    public static void copy(byte[] source, int sourceOffset, long destinationAddress, int length) {
        MemorySegment.copy(source, sourceOffset, ALL, ValueLayout.JAVA_BYTE, destinationAddress, length);
    }

    /** Copies {@code length} bytes from native memory to a Java array. */
    public static void copy(long sourceAddress, byte[] destination, int destinationOffset, int length) {
        MemorySegment.copy(ALL, ValueLayout.JAVA_BYTE, sourceAddress, destination, destinationOffset, length);
    }

    /**
     * Copies {@code length} bytes from {@code source} (any segment: heap, native, mapped), starting
     * at {@code sourceOffset}, to native memory. The source is bounds-checked, the destination not.
     */
    public static void copy(MemorySegment source, long sourceOffset, long destinationAddress, long length) {
        MemorySegment.copy(source, sourceOffset, ALL, destinationAddress, length);
    }

    /** Copies {@code length} bytes between native addresses; overlapping ranges are handled. */
    public static void copy(long sourceAddress, long destinationAddress, long length) {
        MemorySegment.copy(ALL, sourceAddress, ALL, destinationAddress, length);
    }
}
