package io.uringhttpd.sys;

import static io.uringhttpd.sys.IoUringConstants.IORING_REGISTER_PBUF_RING;
import static io.uringhttpd.sys.IoUringConstants.IORING_UNREGISTER_PBUF_RING;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING, kernel 5.19): a group of equal buffers the
 * kernel picks from for requests with IOSQE_BUFFER_SELECT (multishot recv), so no buffer is
 * tied up in a connection that has nothing to read. The CQE names the buffer it used
 * ({@link Cqe#bufferId}); the application gives it back with {@link #add} once done with the
 * bytes, and makes a batch of returns visible with {@link #publish}.
 *
 * <p>Ring memory is an array of struct io_uring_buf, page-aligned (the kernel pins it):
 * <pre>
 *  offset  size  field (entry i at 16 * i)
 *  0       8     u64 addr    buffer address
 *  8       4     u32 len     buffer length
 *  12      2     u16 bid     buffer id, returned in cqe.flags >> 16
 *  14      2     u16 resv    in entry 0 only: the ring TAIL (struct io_uring_buf_ring overlays it)
 *  16            next entry
 * </pre>
 * Because entry 0's last field is the tail, entries are written field by field, never as a
 * whole 16-byte struct: that would overwrite the tail with garbage. The kernel owns the head
 * (not visible here); the application owns the tail, a free-running u16.
 *
 * <p>Registration argument, struct io_uring_buf_reg (40 bytes): u64 ring_addr @0, u32
 * ring_entries @8, u16 bgid @12, u16 flags @14 (IOU_PBUF_RING_*, 0 here), reserved to 40.
 *
 * <p>Buffers live in native chunks of {@link #CHUNK_BUFFERS} owned by this object: buffer {@code bid}
 * is at {@code chunk[bid / CHUNK_BUFFERS] + (bid % CHUNK_BUFFERS) * bufferBytes}. A ring may start
 * with fewer buffers than entries and {@link #grow} when the kernel finds it empty (ENOBUFS): the
 * kernel takes buffers in ring order, so every published buffer is written to sooner or later, and
 * a ring of 1024 buffers of 8 KiB kept 8 MiB resident in every worker whatever its load. Grown on
 * demand, it holds what the busiest moment needed. The ring memory and the buffers are not charged
 * to RLIMIT_MEMLOCK (measured: docs/kernel.md#locked-memory-and-memory-cgroups). Owned by the ring's
 * thread; not thread-safe.
 */
public final class BufferRing implements AutoCloseable {
    static final long ENTRY_BYTES = 16;
    static final long ENTRY_ADDR = 0;
    static final long ENTRY_LEN = 8;
    static final long ENTRY_BID = 12;
    /** The u16 tail inside entry 0. */
    static final long TAIL = 14;
    static final long REG_BYTES = 40;

    /** u16 ring tail as (MemorySegment, long offset) -> short; exact types, so no boxing. */
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle().withInvokeExactBehavior();

    private final IoUring ring;
    private final int groupId;
    private final int entries;
    private final int mask;
    private final int bufferBytes;
    /** Buffers per chunk of native memory (a power of two); the last chunk of a small ring holds fewer. */
    public static final int CHUNK_BUFFERS = 64;
    private static final int CHUNK_SHIFT = Integer.numberOfTrailingZeros(CHUNK_BUFFERS);

    private final Arena arena;
    private final MemorySegment ringMemory;
    private final long ringAddress;
    /** Chunk addresses, filled as the ring grows. */
    private final long[] chunks;
    /** Buffers handed to the kernel so far (bids 0 .. buffers - 1). */
    private int buffers;
    /** Our tail: entries before it are published; [tail, tail + pending) are written, not yet published. */
    private int tail;
    private int pending;
    private boolean closed;

    /**
     * Registers group {@code groupId} (0..65535, unique per ring) of {@code entries} buffers
     * (a power of two, at most 32768) of {@code bufferBytes} each, and publishes all of them.
     *
     * @throws IoUringException when the kernel refuses (EINVAL: kernel < 5.19 or a bad size;
     *         EEXIST: the group id is taken)
     */
    public static BufferRing register(IoUring ring, int groupId, int entries, int bufferBytes) {
        return register(ring, groupId, entries, bufferBytes, entries);
    }

    /**
     * As above, publishing only {@code initialBuffers} (rounded up to whole chunks, at most
     * {@code entries}) of them: {@link #grow} adds the others.
     */
    public static BufferRing register(IoUring ring, int groupId, int entries, int bufferBytes, int initialBuffers) {
        if (entries <= 0 || entries > 32768 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("buffer ring entries must be a power of two <= 32768: " + entries);
        }
        if (groupId < 0 || groupId > 0xFFFF || bufferBytes <= 0) {
            throw new IllegalArgumentException("group " + groupId + ", buffer bytes " + bufferBytes);
        }
        return new BufferRing(ring, groupId, entries, bufferBytes, Math.max(1, Math.min(entries, initialBuffers)));
    }

    private BufferRing(IoUring ring, int groupId, int entries, int bufferBytes, int initialBuffers) {
        this.ring = ring;
        this.groupId = groupId;
        this.entries = entries;
        this.mask = entries - 1;
        this.bufferBytes = bufferBytes;
        // Shared: close() may come from a shutdown thread. Both allocations are page-aligned
        // and zeroed (so the tail starts at 0).
        arena = Arena.ofShared();
        try {
            ringMemory = NativeMemory.allocate(arena, entries * ENTRY_BYTES);
            ringAddress = ringMemory.address();
            chunks = new long[(entries + CHUNK_BUFFERS - 1) >> CHUNK_SHIFT];
            int r;
            try (Arena temp = Arena.ofConfined()) {
                long reg = temp.allocate(REG_BYTES, 8).address();
                NativeMemory.putLong(reg, ringAddress);
                NativeMemory.putInt(reg + 8, entries);
                NativeMemory.putShort(reg + 12, (short) groupId);
                r = ring.register(IORING_REGISTER_PBUF_RING, reg, 1);
            }
            if (r < 0) {
                throw new IoUringException("IORING_REGISTER_PBUF_RING(group " + groupId + ", " + entries
                        + " entries)", -r);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        while (buffers < initialBuffers) {
            addChunk();
        }
        publish();
    }

    /**
     * Publishes one more chunk of new buffers, when the ring has room for them: after the kernel
     * found the ring empty. False when every entry has its buffer already.
     */
    public boolean grow() {
        if (buffers == entries || closed) {
            return false;
        }
        addChunk();
        publish();
        return true;
    }

    private void addChunk() {
        int count = Math.min(CHUNK_BUFFERS, entries - buffers);
        chunks[buffers >> CHUNK_SHIFT] = NativeMemory.allocate(arena, (long) count * bufferBytes).address();
        for (int i = 0; i < count; i++) {
            add(buffers++);
        }
    }

    /** Buffers published so far (grown on demand up to {@link #entries}). */
    public int buffers() {
        return buffers;
    }

    /**
     * Queues buffer {@code bid} for the kernel again (after its bytes were consumed). Visible
     * to the kernel only after {@link #publish}. Give each buffer back exactly once per CQE
     * that carried it; more than {@link #entries} outstanding adds would overwrite entries.
     */
    public void add(int bid) {
        long entry = ringAddress + ((tail + pending) & mask) * ENTRY_BYTES;
        NativeMemory.putLong(entry + ENTRY_ADDR, bufferAddress(bid));
        NativeMemory.putInt(entry + ENTRY_LEN, bufferBytes);
        NativeMemory.putShort(entry + ENTRY_BID, (short) bid);
        pending++;
    }

    /** Makes every {@link #add} since the last publish visible to the kernel: once per loop iteration. */
    public void publish() {
        if (pending == 0) {
            return;
        }
        tail += pending;
        pending = 0;
        // release: the entry fields written by add() are visible to the kernel before it can
        // see the tail that covers them
        SHORT.setRelease(ringMemory, TAIL, (short) tail);
    }

    /** Address of buffer {@code bid}'s first byte. */
    public long bufferAddress(int bid) {
        return chunks[bid >> CHUNK_SHIFT] + (long) (bid & (CHUNK_BUFFERS - 1)) * bufferBytes;
    }

    public int bufferBytes() {
        return bufferBytes;
    }

    public int entries() {
        return entries;
    }

    /** The group id to pass as buf_group ({@link Sqe#prepRecvMultishot}). */
    public int groupId() {
        return groupId;
    }

    /**
     * Unregisters the group and frees the ring and the buffers. Call it only when no request
     * can still pick a buffer (multishot recvs ended or cancelled, or the ring closed): the
     * kernel would write into freed memory. After the ring's close there is nothing to
     * unregister. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!ring.isClosed()) { // a closed ring dropped its groups; its fd number may be reused
            try (Arena temp = Arena.ofConfined()) {
                long reg = temp.allocate(REG_BYTES, 8).address();
                NativeMemory.putShort(reg + 12, (short) groupId);
                ring.register(IORING_UNREGISTER_PBUF_RING, reg, 1);
            }
        }
        arena.close();
    }
}
