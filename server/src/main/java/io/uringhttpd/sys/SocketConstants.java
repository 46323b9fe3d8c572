package io.uringhttpd.sys;

/**
 * Socket constants for x86_64 Linux, spelled as in C.
 *
 * <p>Values checked against Debian 12's glibc headers with a C program (kernel 6.18).
 * Beware when porting: MIPS, SPARC, Alpha and PA-RISC use other numbers for SOCK_* and SO_*.
 */
public final class SocketConstants {
    // include/linux/socket.h
    /** Local sockets (AF_LOCAL); socketpair(2) only supports this family. */
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    // include/linux/net.h (enum sock_type); SOCK_NONBLOCK/SOCK_CLOEXEC equal O_NONBLOCK/O_CLOEXEC
    // of include/uapi/asm-generic/fcntl.h, so accept4/socket can set them without an extra fcntl.
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;

    // include/uapi/asm-generic/socket.h (x86_64 uses the generic file)
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_KEEPALIVE = 9;
    /** Kernel >= 3.9: several listeners on one port, connections spread by the kernel. */
    public static final int SO_REUSEPORT = 15;

    // include/uapi/linux/in.h
    public static final int IPPROTO_TCP = 6;

    // include/uapi/linux/tcp.h
    public static final int TCP_NODELAY = 1;
    public static final int TCP_CORK = 3;
    /** Seconds to wait for the first data byte before accept() reports the connection. */
    public static final int TCP_DEFER_ACCEPT = 9;

    // include/linux/socket.h (send/recv flags)
    public static final int MSG_DONTWAIT = 0x40;
    /** recv: wait for the full length; io_uring SEND/SEND_ZC: keep sending until all is out. */
    public static final int MSG_WAITALL = 0x100;
    /** send(2) without SIGPIPE on a reset peer: EPIPE comes back as an errno instead. */
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_MORE = 0x8000;

    // include/linux/net.h (enum sock_shutdown_cmd), glibc sys/socket.h
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    /** include/linux/socket.h: default and cap of listen(2)'s backlog since kernel 5.4 (was 128). */
    public static final int SOMAXCONN = 4096;

    private SocketConstants() {
    }
}
