package io.uringhttpd.engine;

import static io.uringhttpd.sys.SocketConstants.*;

import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Opens the listen sockets: one SO_REUSEPORT socket per event loop and address,
 * so the kernel spreads new connections over the loops without a shared accept
 * queue (docs/kernel.md#so_reuseport-listeners: 100 connections went 48/52 over two listeners).
 */
public final class ListenSockets {
    private ListenSockets() {
    }

    /**
     * Opens {@code loops} sockets per address. An address with port 0 gets an
     * ephemeral port on its first socket; the others bind that same port.
     *
     * @return fds indexed [loop][address]
     */
    public static int[][] open(Syscalls sys, List<InetSocketAddress> addresses, int loops, int backlog) throws IOException {
        int[][] fds = new int[loops][addresses.size()];
        for (int[] row : fds) {
            java.util.Arrays.fill(row, -1);
        }
        try {
            for (int a = 0; a < addresses.size(); a++) {
                InetSocketAddress address = addresses.get(a);
                for (int loop = 0; loop < loops; loop++) {
                    int fd = openOne(sys, address, backlog);
                    fds[loop][a] = fd;
                    if (address.getPort() == 0) {
                        address = new InetSocketAddress(address.getAddress(), sys.localPort(fd));
                    }
                }
            }
        } catch (IOException e) {
            closeAll(sys, fds);
            throw e;
        }
        return fds;
    }

    /** fcntl(2) commands and SO_ACCEPTCONN (asm-generic/fcntl.h, asm-generic/socket.h; x86_64 uses the generic values). */
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 0x800;
    static final int SO_ACCEPTCONN = 30;

    /**
     * Checks listen sockets handed over by another process (a worker's inherited fds, [loop][address])
     * and makes them non-blocking: the reactor accepts until EAGAIN and a retiring loop empties its
     * backlog the same way, so a blocking listen fd would hang a loop. O_NONBLOCK belongs to the
     * open file description, shared with the master's copy (which does not accept). Setup path.
     *
     * @throws IOException naming the fd that is not a listening socket
     */
    public static void adopt(Syscalls sys, int[][] fds) throws IOException {
        for (int[] row : fds) {
            for (int fd : row) {
                int listening = sys.getsockoptInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
                if (listening != 1) {
                    throw new IOException("fd " + fd + " is not a listening socket"
                            + (listening < 0 ? ": " + Errno.describe(listening) : ""));
                }
                int flags = sys.fcntl(fd, F_GETFL, 0);
                if (flags < 0 || ((flags & O_NONBLOCK) == 0 && sys.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)) {
                    throw new IOException("fd " + fd + ": cannot make it non-blocking");
                }
            }
        }
    }

    public static void closeAll(Syscalls sys, int[][] fds) {
        for (int[] row : fds) {
            for (int fd : row) {
                if (fd >= 0) {
                    sys.close(fd);
                }
            }
        }
    }

    public static int openOne(Syscalls sys, InetSocketAddress address, int backlog) throws IOException {
        int family = address.getAddress() instanceof java.net.Inet6Address ? AF_INET6 : AF_INET;
        int fd = sys.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket() for " + show(address) + ": " + Errno.describe(fd));
        }
        int rc = sys.setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        if (rc >= 0) {
            rc = sys.setsockoptInt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
        }
        if (rc < 0) {
            sys.close(fd);
            throw new IOException("setsockopt(SO_REUSEPORT) on " + show(address) + ": " + Errno.describe(rc));
        }
        rc = sys.bind(fd, address);
        if (rc < 0) {
            sys.close(fd);
            String hint = rc == -Errno.EADDRINUSE
                    ? " (another process listens there without SO_REUSEPORT, or as another user; change uring-httpd.listen)"
                    : rc == -Errno.EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
                    : rc == -Errno.EADDRNOTAVAIL ? " (no local interface has that address; check uring-httpd.listen)" : "";
            throw new IOException("bind " + show(address) + ": " + Errno.describe(rc) + hint);
        }
        rc = sys.listen(fd, backlog);
        if (rc < 0) {
            sys.close(fd);
            throw new IOException("listen " + show(address) + ": " + Errno.describe(rc));
        }
        return fd;
    }

    public static String show(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
