package io.uringhttpd.sys;

/**
 * epoll constants, spelled as in C: include/uapi/linux/eventpoll.h (same on every arch).
 * Values checked against Debian 12's sys/epoll.h with a C program.
 */
public final class EpollConstants {
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    /** Always reported; need not be requested. */
    public static final int EPOLLERR = 0x008;
    /** Always reported; need not be requested. */
    public static final int EPOLLHUP = 0x010;
    /** Peer shut down its writing half (kernel >= 2.6.17). */
    public static final int EPOLLRDHUP = 0x2000;
    /** Edge-triggered: events fire on change only, so reads must drain to EAGAIN. */
    public static final int EPOLLET = 0x8000_0000;

    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;

    /** = O_CLOEXEC (include/uapi/asm-generic/fcntl.h). */
    public static final int EPOLL_CLOEXEC = 0x80000;

    private EpollConstants() {
    }
}
