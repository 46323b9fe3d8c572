package io.uringhttpd.engine;

import io.uringhttpd.http.ConnectionHttpState;
import java.util.function.Supplier;

/**
 * A loop's connection slots: a fixed-capacity array, created lazily (a loop that never sees
 * many clients never builds their slots) and reused through a free list. Both engines use it;
 * the proactor keeps its own per-slot state in a parallel array indexed by {@link Connection#slot}.
 *
 * <p>Single-threaded: owned by one loop. {@link #open()} may be read racily by others.
 *
 * <p>Generations wrap at 2^24 ({@link #GENERATION_MASK}): io_uring's user_data has 24 bits for
 * them (op | generation | slot), and a generation never reaches the reactor's reserved -1.
 * A stale event would have to wait in the kernel across 16 million reuses of one slot to be
 * mistaken for a live one.
 */
public final class ConnectionTable {
    public static final int GENERATION_MASK = 0xFF_FFFF;

    private final Connection[] connections;
    private final int[] freeSlots;
    private final Supplier<ConnectionHttpState> httpStates;
    private int freeCount;
    private int created;
    private int open;

    /** @param httpStates the HTTP core's per-connection state for each new slot (StaticFileHandler::newConnectionState) */
    public ConnectionTable(int capacity, Supplier<ConnectionHttpState> httpStates) {
        this.connections = new Connection[capacity];
        this.freeSlots = new int[capacity];
        this.httpStates = httpStates;
    }

    public int capacity() {
        return connections.length;
    }

    /**
     * A free slot for a new socket, counted open from now on; null when every slot is in use
     * (limits.connections-per-loop). The caller calls {@link Connection#open} on it.
     */
    public Connection take() {
        if (open == connections.length) {
            return null;
        }
        open++;
        if (freeCount > 0) {
            return connections[freeSlots[--freeCount]];
        }
        // Setup-time cost, once per slot: a busy loop stops allocating once its table has grown.
        Connection c = new Connection(created, httpStates.get());
        connections[created++] = c;
        return c;
    }

    /**
     * Returns a slot whose socket the caller has closed: fd = -1, and a new generation so that
     * events still queued for the old socket are recognised as stale.
     */
    public void free(Connection c) {
        c.fd = -1;
        c.generation = (c.generation + 1) & GENERATION_MASK;
        freeSlots[freeCount++] = c.slot;
        open--;
    }

    /** The slot, open or not; {@code slot} must be below {@link #created()}. */
    public Connection get(int slot) {
        return connections[slot];
    }

    /**
     * The open connection a kernel event names, or null when it is stale (the slot was freed,
     * maybe reused, since the event was queued) or names no slot at all. The token carries the
     * slot in its low 32 bits and the generation in bits 32..55 (above them io_uring keeps its op).
     */
    public Connection live(long token) {
        int slot = (int) token;
        if (slot < 0 || slot >= created) {
            return null;
        }
        Connection c = connections[slot];
        if (c.fd < 0 || c.generation != ((int) (token >>> 32) & GENERATION_MASK)) {
            return null;
        }
        return c;
    }

    /** Slots built so far (open or free): the bound for scans over the table. */
    public int created() {
        return created;
    }

    /** Built slots on the free list. */
    public int freeCount() {
        return freeCount;
    }

    /** Connections open now (slots taken and not freed). */
    public int open() {
        return open;
    }
}
