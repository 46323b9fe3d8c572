package io.uringhttpd.sys;

import java.lang.foreign.Arena;

/**
 * Native memory an event loop owns for its life (buffers, kernel structs), handed out as raw
 * addresses and freed all at once by {@link #close()}: the loop keeps no segment per buffer.
 * A shared arena, because the loop that allocates it may be built on one thread and run on another.
 */
public final class NativeArena implements AutoCloseable {
    private final Arena arena = Arena.ofShared();

    /** Zeroed memory aligned to {@code alignment} bytes; its address stays valid until {@link #close()}. */
    public long allocate(long bytes, long alignment) {
        return arena.allocate(bytes, alignment).address();
    }

    @Override
    public void close() {
        arena.close();
    }
}
