package io.uringhttpd.sys;

/**
 * eventfd(2) flags: include/uapi/linux/eventfd.h (kernel >= 2.6.27), checked against Debian
 * 12's sys/eventfd.h. An eventfd registered with epoll is how another thread (a signal
 * handler's, a reconfigure) wakes a loop blocked in epoll_wait.
 */
public final class EventfdConstants {
    public static final int EFD_SEMAPHORE = 1;
    /** = O_NONBLOCK. */
    public static final int EFD_NONBLOCK = 0x800;
    /** = O_CLOEXEC. */
    public static final int EFD_CLOEXEC = 0x8_0000;

    private EventfdConstants() {
    }
}
