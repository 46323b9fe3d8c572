package io.uringhttpd.engine;

import io.uringhttpd.sys.NativeArena;
import io.uringhttpd.sys.NativeMemory;

/**
 * Fixed-size native buffers for one event loop (single-threaded, no locks).
 *
 * <p>A connection holds a buffer only while it has a partial request or unsent
 * bytes; an idle keep-alive connection holds none. That keeps idle connections
<<<<<<< HEAD
 * small (nginx, aiming at about 0.5 KiB each, also allocates its header buffers
 * on demand).
=======
 * small (the goal is &lt;= 0.5 KiB each, like nginx, which also allocates its header
 * buffers on demand; measured in bench/RESULTS.md#idle-keep-alive-connections).
>>>>>>> docs
 *
 * <p>Buffers are carved from chunks and never returned to the OS: the pool only
 * grows to the peak number of busy connections.
 */
public final class BufferPool {
    private static final int CHUNK_BUFFERS = 16;

    private final int bufferBytes;
    private final NativeArena memory;
    private long[] free = new long[64];
    private int freeCount;
    private long allocated;

    public BufferPool(int bufferBytes, NativeArena memory) {
        this.bufferBytes = bufferBytes;
        this.memory = memory;
    }

    public int bufferBytes() {
        return bufferBytes;
    }

    /** Address of a buffer of {@link #bufferBytes()} bytes. */
    public long take() {
        if (freeCount == 0) {
            grow();
        }
        return free[--freeCount];
    }

    public void give(long address) {
        free[freeCount++] = address;
    }

    /** Buffers handed out and not yet given back. */
    public long inUse() {
        return allocated - freeCount;
    }

    private void grow() {
        long chunk = memory.allocate((long) bufferBytes * CHUNK_BUFFERS, NativeMemory.PAGE_BYTES);
        if (free.length < allocated + CHUNK_BUFFERS) {
            free = java.util.Arrays.copyOf(free, (int) Math.max(free.length * 2, allocated + CHUNK_BUFFERS));
        }
        for (int i = CHUNK_BUFFERS - 1; i >= 0; i--) {
            free[freeCount++] = chunk + (long) i * bufferBytes;
        }
        allocated += CHUNK_BUFFERS;
    }
}
