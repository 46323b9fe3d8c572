package io.uringhttpd.http;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Test input in native memory (ISO-8859-1: one char = one byte, so "\u00e9" is the byte 0xE9). */
final class NativeText implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();

    long put(String text) {
        return put(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    long put(byte[] bytes) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length));
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s.address();
    }

    MemorySegment allocate(long bytes) {
        return arena.allocate(bytes);
    }

    static String read(long address, int length) {
        if (length < 0) {
            return null;
        }
        byte[] b = new byte[length];
        Mem.copy(address, b, 0, length);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        arena.close();
    }
}
