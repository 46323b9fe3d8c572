package io.uringhttpd.sys;

/**
 * struct epoll_event as the x86_64 kernel lays it out in an epoll_wait(2) result array.
 *
 * <p>include/uapi/linux/eventpoll.h declares it {@code __attribute__((packed))} on x86_64
 * ({@code EPOLL_PACKED}) only, so entries are 12 bytes and {@code data} is unaligned for every
 * odd index. (Other 64-bit arches use 16 bytes with data at 8: this class is x86_64-only.)
 * <pre>
 *  offset  size  field
 *  0       4     u32 events   EPOLLIN | EPOLLOUT | ...
 *  4       8     u64 data     returned as given to epoll_ctl (we pack slot + generation)
 *  12            next entry
 * </pre>
 */
public final class EpollEvent {
    public static final long BYTES = 12;
    static final long EVENTS_OFFSET = 0;
    static final long DATA_OFFSET = 4;

    private EpollEvent() {
    }

    /** Event bits of entry {@code index} of an array at {@code arrayAddress}. */
    public static int events(long arrayAddress, int index) {
        return NativeMemory.getInt(arrayAddress + index * BYTES + EVENTS_OFFSET);
    }

    /** The 64-bit data of entry {@code index}, exactly as registered with epoll_ctl. */
    public static long data(long arrayAddress, int index) {
        return NativeMemory.getLong(arrayAddress + index * BYTES + DATA_OFFSET);
    }

    /** Writes one entry (epoll_ctl input; tests). */
    public static void set(long arrayAddress, int index, int events, long data) {
        long entry = arrayAddress + index * BYTES;
        NativeMemory.putInt(entry + EVENTS_OFFSET, events);
        NativeMemory.putLong(entry + DATA_OFFSET, data);
    }
}
