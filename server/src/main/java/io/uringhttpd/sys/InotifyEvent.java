package io.uringhttpd.sys;

/**
 * struct inotify_event (inotify(7)): {@code int wd; uint32_t mask, cookie, len; char name[len];}.
 * A read(2) returns whole events one after the other; {@code len} counts the name's NUL padding,
 * so the next event starts at {@code 16 + len}. Events for the watched directory itself have
 * {@code len} 0.
 */
public final class InotifyEvent {
    public static final int HEADER_BYTES = 16;
    /** NAME_MAX (include/uapi/linux/limits.h) plus the NUL: the largest event is HEADER_BYTES + this. */
    public static final int NAME_BYTES_MAX = 256;

    private InotifyEvent() {
    }

    public static int wd(long event) {
        return NativeMemory.getInt(event);
    }

    public static int mask(long event) {
        return NativeMemory.getInt(event + 4);
    }

    /** Bytes of the name field, NUL padding included. */
    public static int nameFieldBytes(long event) {
        return NativeMemory.getInt(event + 12);
    }

    public static long nameAddress(long event) {
        return event + HEADER_BYTES;
    }

    /** The event's whole size: where the next one starts. */
    public static int bytes(long event) {
        return HEADER_BYTES + nameFieldBytes(event);
    }
}
