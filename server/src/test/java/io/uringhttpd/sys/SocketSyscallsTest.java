package io.uringhttpd.sys;

import static io.uringhttpd.sys.EpollConstants.EPOLLIN;
import static io.uringhttpd.sys.EpollConstants.EPOLLOUT;
import static io.uringhttpd.sys.EpollConstants.EPOLLRDHUP;
import static io.uringhttpd.sys.EpollConstants.EPOLL_CLOEXEC;
import static io.uringhttpd.sys.EpollConstants.EPOLL_CTL_ADD;
import static io.uringhttpd.sys.EpollConstants.EPOLL_CTL_DEL;
import static io.uringhttpd.sys.EpollConstants.EPOLL_CTL_MOD;
import static io.uringhttpd.sys.SocketConstants.AF_INET;
import static io.uringhttpd.sys.SocketConstants.AF_INET6;
import static io.uringhttpd.sys.SocketConstants.IPPROTO_TCP;
import static io.uringhttpd.sys.SocketConstants.MSG_NOSIGNAL;
import static io.uringhttpd.sys.SocketConstants.SHUT_WR;
import static io.uringhttpd.sys.SocketConstants.SOCK_CLOEXEC;
import static io.uringhttpd.sys.SocketConstants.SOCK_NONBLOCK;
import static io.uringhttpd.sys.SocketConstants.SOCK_STREAM;
import static io.uringhttpd.sys.SocketConstants.SOL_SOCKET;
import static io.uringhttpd.sys.SocketConstants.SO_REUSEADDR;
import static io.uringhttpd.sys.SocketConstants.SO_REUSEPORT;
import static io.uringhttpd.sys.SocketConstants.TCP_NODELAY;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real kernel, loopback TCP: one listener per test, a java.net.Socket as the peer. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SocketSyscallsTest {
    private static final int BUFFER_BYTES = 1 << 16;

    private final Syscalls sys = new Syscalls();
    private Arena arena;
    private long buffer;
    private long events;
    private int listenFd = -1;
    private int epollFd = -1;

    @BeforeEach
    void listen() {
        arena = Arena.ofConfined();
        buffer = NativeMemory.allocate(arena, BUFFER_BYTES).address();
        events = NativeMemory.allocate(arena, 64 * EpollEvent.BYTES).address();
        listenFd = sys.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assertThat(listenFd).isGreaterThanOrEqualTo(0);
        assertThat(sys.setsockoptInt(listenFd, SOL_SOCKET, SO_REUSEADDR, 1)).isZero();
        assertThat(sys.bind(listenFd, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))).isZero();
        assertThat(sys.listen(listenFd, 16)).isZero();
        epollFd = sys.epollCreate1(EPOLL_CLOEXEC);
        assertThat(epollFd).isGreaterThanOrEqualTo(0);
    }

    @AfterEach
    void closeAll() {
        sys.close(listenFd);
        sys.close(epollFd);
        arena.close();
    }

    @Test
    void socketOptionsRoundTrip() {
        assertThat(sys.getsockoptInt(listenFd, SOL_SOCKET, SO_REUSEADDR)).isEqualTo(1);
        assertThat(sys.getsockoptInt(listenFd, SOL_SOCKET, SO_REUSEPORT)).isZero();
        assertThat(sys.setsockoptInt(listenFd, IPPROTO_TCP, TCP_NODELAY, 1)).isZero();
        assertThat(sys.getsockoptInt(listenFd, IPPROTO_TCP, TCP_NODELAY)).isEqualTo(1);
        assertThat(sys.getsockoptInt(listenFd, SOL_SOCKET, 9999)).isEqualTo(-Errno.ENOPROTOOPT);
        assertThat(sys.setsockoptInt(-1, SOL_SOCKET, SO_REUSEADDR, 1)).isEqualTo(-Errno.EBADF);
    }

    @Test
    void localPortIsTheEphemeralPortJavaCanConnectTo() throws IOException {
        int port = sys.localPort(listenFd);
        assertThat(port).isBetween(1, 65535);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            assertThat(client.isConnected()).isTrue();
        }
        assertThat(sys.localPort(-1)).isEqualTo(-Errno.EBADF);
    }

    @Test
    void bindToABusyPortFails() {
        int other = sys.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        try {
            int r = sys.bind(other, new InetSocketAddress(InetAddress.getLoopbackAddress(), sys.localPort(listenFd)));
            assertThat(r).isEqualTo(-Errno.EADDRINUSE);
        } finally {
            sys.close(other);
        }
    }

    @Test
    void ipv6LoopbackBindsWhenTheHostHasIt() throws IOException {
        int fd = sys.socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        Assumptions.assumeTrue(fd >= 0, "no IPv6 sockets: " + Errno.describe(fd));
        try {
            int r = sys.bind(fd, new InetSocketAddress(InetAddress.getByName("::1"), 0));
            Assumptions.assumeTrue(r != -Errno.EADDRNOTAVAIL, "::1 not configured");
            assertThat(r).isZero();
            assertThat(sys.listen(fd, 4)).isZero();
            int port = sys.localPort(fd);
            long peer = buffer;
            long peerLength = buffer + Sockaddr.STORAGE_BYTES;
            try (Socket client = new Socket(InetAddress.getByName("::1"), port)) {
                NativeMemory.putInt(peerLength, Sockaddr.STORAGE_BYTES);
                int accepted = sys.accept4(fd, SOCK_CLOEXEC, peer, peerLength);
                assertThat(accepted).isGreaterThanOrEqualTo(0);
                sys.close(accepted);
                assertThat(Sockaddr.family(peer)).isEqualTo(AF_INET6);
                assertThat(NativeMemory.getInt(peerLength)).isEqualTo(Sockaddr.IN6_BYTES);
                assertThat(Sockaddr.port(peer)).isEqualTo(client.getLocalPort());
                byte[] text = new byte[Sockaddr.IP_TEXT_BYTES_MAX];
                assertThat(new String(text, 0, Sockaddr.formatIp(peer, text, 0), US_ASCII)).isEqualTo("::1");
                assertThat(Sockaddr.toInetSocketAddress(peer).getAddress()).isInstanceOf(Inet6Address.class);
            }
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void acceptWritesThePeerAddressIntoCallerMemory() throws IOException {
        long peer = buffer;
        long peerLength = buffer + Sockaddr.STORAGE_BYTES;
        NativeMemory.putInt(peerLength, Sockaddr.STORAGE_BYTES);
        try (Socket client = connect()) {
            int fd = sys.accept4(listenFd, SOCK_NONBLOCK | SOCK_CLOEXEC, peer, peerLength);
            assertThat(fd).isGreaterThanOrEqualTo(0);
            sys.close(fd);
            assertThat(NativeMemory.getInt(peerLength)).isEqualTo(Sockaddr.IN_BYTES);
            assertThat(Sockaddr.family(peer)).isEqualTo(AF_INET);
            assertThat(Sockaddr.port(peer)).isEqualTo(client.getLocalPort());
            byte[] text = new byte[Sockaddr.IP_TEXT_BYTES_MAX + 3];
            int length = Sockaddr.formatIp(peer, text, 3);
            assertThat(new String(text, 3, length, US_ASCII)).isEqualTo("127.0.0.1");
            assertThat(Sockaddr.toInetSocketAddress(peer))
                    .isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), client.getLocalPort()));
        }
    }

    @Test
    void acceptOnAnEmptyNonBlockingQueueIsEagain() {
        // a fresh non-blocking listener: an empty queue must not block
        int fd = sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        try {
            assertThat(sys.bind(fd, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))).isZero();
            assertThat(sys.listen(fd, 4)).isZero();
            assertThat(sys.accept4(fd, SOCK_NONBLOCK)).isEqualTo(-Errno.EAGAIN);
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void readRecvWriteSendWritevRoundTrip() throws IOException {
        try (Socket client = connect()) {
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            assertThat(fd).isGreaterThanOrEqualTo(0);
            try {
                OutputStream toServer = client.getOutputStream();
                InputStream fromServer = client.getInputStream();

                // recv never blocks, even on this blocking socket (MSG_DONTWAIT is forced)
                assertThat(sys.recv(fd, buffer, 100, 0)).isEqualTo(-Errno.EAGAIN);

                toServer.write("hello".getBytes(US_ASCII));
                toServer.flush();
                awaitReadable(fd);
                assertThat(sys.read(fd, buffer, BUFFER_BYTES)).isEqualTo(5);
                assertThat(ascii(buffer, 5)).isEqualTo("hello");

                toServer.write("world!".getBytes(US_ASCII));
                toServer.flush();
                awaitReadable(fd);
                assertThat(sys.recv(fd, buffer, 3, 0)).isEqualTo(3);
                assertThat(ascii(buffer, 3)).isEqualTo("wor");
                assertThat(sys.recv(fd, buffer, 100, 0)).isEqualTo(3);
                assertThat(ascii(buffer, 3)).isEqualTo("ld!");

                put(buffer, "abc");
                assertThat(sys.write(fd, buffer, 3)).isEqualTo(3);
                assertThat(readExactly(fromServer, 3)).isEqualTo("abc");

                put(buffer, "sent");
                assertThat(sys.send(fd, buffer, 4, MSG_NOSIGNAL)).isEqualTo(4);
                assertThat(readExactly(fromServer, 4)).isEqualTo("sent");

                long iov = buffer + 4096;
                put(buffer, "HTTP/1.1 200 OK\r\n");
                put(buffer + 100, "Content-Length: 2\r\n\r\n");
                put(buffer + 200, "hi");
                Iovec.set(iov, 0, buffer, 17);
                Iovec.set(iov, 1, buffer + 100, 21);
                Iovec.set(iov, 2, buffer + 200, 2);
                assertThat(Iovec.base(iov, 1)).isEqualTo(buffer + 100);
                assertThat(Iovec.length(iov, 2)).isEqualTo(2);
                assertThat(sys.writev(fd, iov, 3)).isEqualTo(40);
                assertThat(readExactly(fromServer, 40)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");

                assertThat(sys.shutdown(fd, SHUT_WR)).isZero();
                assertThat(fromServer.read()).isEqualTo(-1);

                client.shutdownOutput();
                awaitReadable(fd);
                assertThat(sys.read(fd, buffer, 100)).isZero(); // end of stream
            } finally {
                assertThat(sys.close(fd)).isZero();
            }
            assertThat(sys.read(fd, buffer, 1)).isEqualTo(-Errno.EBADF);
        }
    }

    @Test
    void sendToAResetPeerIsAnErrnoNotASignal() throws IOException {
        int fd;
        try (Socket client = connect()) {
            client.setSoLinger(true, 0); // close sends RST
            fd = sys.accept4(listenFd, SOCK_CLOEXEC);
        }
        try {
            put(buffer, "x");
            long r = 0;
            for (int i = 0; i < 100 && r >= 0; i++) {
                r = sys.send(fd, buffer, 1, MSG_NOSIGNAL);
            }
            assertThat(r).isIn((long) -Errno.ECONNRESET, (long) -Errno.EPIPE);
        } finally {
            sys.close(fd);
        }
    }

    @Test
    void epollReportsEventsWithThe64BitDataIntact() throws IOException {
        try (Socket first = connect(); Socket second = connect()) {
            int fd1 = sys.accept4(listenFd, SOCK_NONBLOCK | SOCK_CLOEXEC);
            int fd2 = sys.accept4(listenFd, SOCK_NONBLOCK | SOCK_CLOEXEC);
            try {
                // all 64 bits used, high bit set: a 16-byte (unpacked) reading would garble both
                long data1 = 0x8123_4567_89AB_CDEFL;
                long data2 = 0xFEDC_BA98_7654_3210L;
                assertThat(sys.epollCtl(epollFd, EPOLL_CTL_ADD, fd1, EPOLLIN | EPOLLRDHUP, data1)).isZero();
                assertThat(sys.epollCtl(epollFd, EPOLL_CTL_ADD, fd2, EPOLLIN | EPOLLRDHUP, data2)).isZero();
                assertThat(sys.epollCtl(epollFd, EPOLL_CTL_ADD, fd2, EPOLLIN, 0)).isEqualTo(-Errno.EEXIST);

                assertThat(sys.epollWait(epollFd, events, 64, 0)).isZero(); // nothing readable yet

                first.getOutputStream().write(1);
                second.getOutputStream().write(2);
                int n = waitForEvents(2);
                assertThat(n).isEqualTo(2);
                long[] data = {EpollEvent.data(events, 0), EpollEvent.data(events, 1)};
                Arrays.sort(data);
                long[] expected = {data1, data2};
                Arrays.sort(expected);
                assertThat(data).containsExactly(expected);
                assertThat(EpollEvent.events(events, 0) & EPOLLIN).isEqualTo(EPOLLIN);
                assertThat(EpollEvent.events(events, 1) & EPOLLIN).isEqualTo(EPOLLIN);

                // level-triggered MOD to EPOLLOUT: an idle socket is writable
                assertThat(sys.epollCtl(epollFd, EPOLL_CTL_DEL, fd2, 0, 0)).isZero();
                assertThat(sys.epollCtl(epollFd, EPOLL_CTL_MOD, fd1, EPOLLOUT, 42)).isZero();
                assertThat(sys.epollWait(epollFd, events, 64, 5000)).isEqualTo(1);
                assertThat(EpollEvent.events(events, 0)).isEqualTo(EPOLLOUT);
                assertThat(EpollEvent.data(events, 0)).isEqualTo(42);

                // peer closes: RDHUP
                assertThat(sys.epollCtl(epollFd, EPOLL_CTL_MOD, fd1, EPOLLIN | EPOLLRDHUP, 7)).isZero();
                first.shutdownOutput();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                int bits = 0;
                while ((bits & EPOLLRDHUP) == 0 && System.nanoTime() < deadline) {
                    assertThat(sys.epollWait(epollFd, events, 64, 100)).isGreaterThanOrEqualTo(0);
                    bits = EpollEvent.events(events, 0);
                }
                assertThat(bits & EPOLLRDHUP).isEqualTo(EPOLLRDHUP);
            } finally {
                sys.close(fd1);
                sys.close(fd2);
            }
        }
    }

    @Test
    void eventfdWakesAnEpollWaitFromAnotherThread() throws Exception {
        int efd = sys.eventfd(0, EventfdConstants.EFD_NONBLOCK | EventfdConstants.EFD_CLOEXEC);
        assertThat(efd).isGreaterThanOrEqualTo(0);
        try {
            assertThat(sys.eventfdRead(efd)).isEqualTo(-Errno.EAGAIN);
            assertThat(sys.epollCtl(epollFd, EPOLL_CTL_ADD, efd, EPOLLIN, -2L)).isZero();
            Thread waker = Thread.ofPlatform().start(() -> {
                Syscalls own = new Syscalls(); // one instance per thread
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                own.eventfdWrite(efd, 2);
                own.eventfdWrite(efd, 3);
            });
            assertThat(sys.epollWait(epollFd, events, 64, 10_000)).isEqualTo(1); // blocks until woken
            assertThat(EpollEvent.data(events, 0)).isEqualTo(-2L);
            waker.join();
            assertThat(sys.eventfdRead(efd)).isEqualTo(5);
            assertThat(sys.eventfdRead(efd)).isEqualTo(-Errno.EAGAIN);
            assertThat(sys.counts.eventfd).isEqualTo(1);
        } finally {
            sys.close(efd);
        }
    }

    @Test
    void epollWaitTimesOutWithZero() {
        long start = System.nanoTime();
        assertThat(sys.epollWait(epollFd, events, 64, 20)).isZero();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(15));
        assertThat(sys.epollWait(-1, events, 64, 0)).isEqualTo(-Errno.EBADF);
    }

    @Test
    void sendfileSendsTheFileFromAnOffsetWithoutMovingThePosition(@TempDir Path dir) throws Exception {
        byte[] content = new byte[300_000]; // larger than the loopback socket buffer: partial sends
        new Random(7).nextBytes(content);
        Path file = dir.resolve("body.bin");
        Files.write(file, content);
        int fileFd = sys.openat(FileConstants.AT_FDCWD, cString(file.toString()),
                FileConstants.O_RDONLY | FileConstants.O_CLOEXEC, 0);
        assertThat(fileFd).isGreaterThanOrEqualTo(0);
        try (Socket client = connect()) {
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            try {
                InputStream in = client.getInputStream();
                CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                    try {
                        return in.readNBytes(content.length - 1000 + 10);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                long offset = 1000;
                while (offset < content.length) {
                    long sent = sys.sendfile(fd, fileFd, offset, content.length - offset);
                    assertThat(sent).isPositive();
                    offset += sent;
                }
                // offset passed by value: the file position is still 0; negative offset uses it
                assertThat(sys.sendfile(fd, fileFd, -1, 10)).isEqualTo(10);
                byte[] got = received.get(20, TimeUnit.SECONDS);
                byte[] want = new byte[content.length - 1000 + 10];
                System.arraycopy(content, 1000, want, 0, content.length - 1000);
                System.arraycopy(content, 0, want, content.length - 1000, 10);
                assertThat(got).isEqualTo(want);

                // the NULL-offset call advanced the file position; pread ignores and keeps it
                assertThat(sys.read(fileFd, buffer, 5)).isEqualTo(5);
                assertThat(bytes(buffer, 5)).isEqualTo(Arrays.copyOfRange(content, 10, 15));
                assertThat(sys.pread(fileFd, buffer, 8, 123_456)).isEqualTo(8);
                assertThat(bytes(buffer, 8)).isEqualTo(Arrays.copyOfRange(content, 123_456, 123_464));
                assertThat(sys.pread(fileFd, buffer, 8, content.length)).isZero();

                assertThat(sys.sendfile(fd, fileFd, content.length, 100)).isZero(); // at EOF
                assertThat(sys.sendfile(fd, -1, 0, 100)).isEqualTo(-Errno.EBADF);
            } finally {
                sys.close(fd);
            }
        } finally {
            sys.close(fileFd);
        }
    }

    @Test
    void countsIncreaseAndExportUnderCNames() throws IOException {
        Syscalls fresh = new Syscalls();
        SyscallCounts c = fresh.counts;
        assertThat(c.total()).isZero();
        fresh.close(-1);
        fresh.close(-1);
        fresh.read(-1, buffer, 1);
        fresh.recv(-1, buffer, 1, 0);
        fresh.epollWait(-1, events, 1, 0);
        fresh.epollCtl(-1, EPOLL_CTL_ADD, -1, EPOLLIN, 0);
        fresh.fstatx(-1, FileConstants.STATX_SIZE, buffer);
        assertThat(c.close).isEqualTo(2);
        assertThat(c.read).isEqualTo(1);
        assertThat(c.recv).isEqualTo(1);
        assertThat(c.epollWait).isEqualTo(1);
        assertThat(c.epollCtl).isEqualTo(1);
        assertThat(c.statx).isEqualTo(1);
        assertThat(c.total()).isEqualTo(7);

        java.util.Map<String, Long> exported = new java.util.LinkedHashMap<>();
        c.forEach(exported::put);
        assertThat(exported).containsEntry("close", 2L).containsEntry("epoll_wait", 1L)
                .containsEntry("epoll_ctl", 1L).containsEntry("statx", 1L).containsEntry("sendfile", 0L)
                .containsKeys("socket", "setsockopt", "getsockopt", "bind", "listen", "getsockname",
                        "accept4", "shutdown", "epoll_create1", "write", "writev", "send", "pread",
                        "openat", "openat2")
                .containsKeys("eventfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "mmap",
                        "munmap", "madvise", "pipe2", "splice", "fcntl", "getpeername", "getrusage", "inotify_init1",
                        "inotify_add_watch", "inotify_rm_watch", "statfs").hasSize(38);
        assertThat(exported.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(c.total());

        long before = sys.counts.accept4;
        try (Socket client = connect()) {
            assertThat(sys.close(sys.accept4(listenFd, SOCK_CLOEXEC))).isZero();
            assertThat(client.isConnected()).isTrue();
        }
        assertThat(sys.counts.accept4).isEqualTo(before + 1);
        assertThat(sys.counts.socket).isEqualTo(1);
        assertThat(sys.counts.bind).isEqualTo(1);
        assertThat(sys.counts.listen).isEqualTo(1);
        assertThat(sys.counts.epollCreate1).isEqualTo(1);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), sys.localPort(listenFd));
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Waits with a one-shot registration so the test does not depend on loopback timing. */
    private void awaitReadable(int fd) {
        assertThat(sys.epollCtl(epollFd, EPOLL_CTL_ADD, fd, EPOLLIN, fd)).isZero();
        try {
            assertThat(sys.epollWait(epollFd, events, 64, 5000)).isEqualTo(1);
            assertThat(EpollEvent.data(events, 0)).isEqualTo(fd);
        } finally {
            assertThat(sys.epollCtl(epollFd, EPOLL_CTL_DEL, fd, 0, 0)).isZero();
        }
    }

    private int waitForEvents(int wanted) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n = 0;
        while (n < wanted && System.nanoTime() < deadline) {
            n = sys.epollWait(epollFd, events, 64, 100);
            assertThat(n).isGreaterThanOrEqualTo(0);
        }
        return n;
    }

    private long cString(String s) {
        return arena.allocateFrom(s).address();
    }

    private static void put(long address, String s) {
        byte[] b = s.getBytes(US_ASCII);
        NativeMemory.copy(b, 0, address, b.length);
    }

    private static byte[] bytes(long address, int length) {
        byte[] b = new byte[length];
        NativeMemory.copy(address, b, 0, length);
        return b;
    }

    private static String ascii(long address, int length) {
        return new String(bytes(address, length), US_ASCII);
    }

    private static String readExactly(InputStream in, int length) throws IOException {
        return new String(in.readNBytes(length), US_ASCII);
    }
}
