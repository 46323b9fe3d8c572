package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.uringhttpd.Server;
import io.uringhttpd.engine.EventLoop;
import io.uringhttpd.engine.ListenSockets;
import io.uringhttpd.sys.SocketConstants;
import io.uringhttpd.sys.Syscalls;
import io.uringhttpd.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Graceful retirement ({@link Server#retire}, {@code EventLoop.retire}): each test starts its own
 * server (a retired server is gone), master = off, and talks to it over raw sockets.
 *
 * <p>Time bounds are generous and one-sided where a loaded machine could stretch them: the server
 * must never close an idle connection before its grace nor cut a transfer before the deadline
 * (it cannot do so early, whatever the load), and must end within many seconds after.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class RetireContract {
    /** 64 MiB, sparse: zeros and a marker in the last bytes. */
    private static final String BIG = "/retire-64m.bin";
    private static final long BIG_SIZE = 64L << 20;
    private static final byte[] BIG_TAIL = "end-of-the-64-MiB-file".getBytes(StandardCharsets.US_ASCII);
    private static final Duration END = Duration.ofSeconds(20);
    /** fcntl(2) commands and a socket option the test needs (asm-generic/fcntl.h, asm-generic/socket.h). */
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int SO_ACCEPTCONN = 30;

    protected Fixtures files;

    protected abstract String engine();

    protected void assumeEngineAvailable() {}

    @BeforeAll
    void createFiles() throws IOException {
        assumeEngineAvailable();
        files = Fixtures.create();
        try (RandomAccessFile f = new RandomAccessFile(files.root.resolve(BIG.substring(1)).toFile(), "rw")) {
            f.setLength(BIG_SIZE);
            f.seek(BIG_SIZE - BIG_TAIL.length);
            f.write(BIG_TAIL);
        }
    }

    @AfterAll
    void deleteFiles() throws IOException {
        if (files != null) {
            files.delete();
        }
    }

    private TestServer start(String... sets) throws Exception {
        return TestServer.start(engine(), files.root, sets);
    }

    // ------------------------------------------------------------------ busy clients

    @Test
    void everyLoopingKeepAliveClientGetsOneCloseAndNothingIsLost() throws Exception {
        int clients = 64;
        List<String> paths = List.of("/1k.bin", "/16k.bin", "/index.html", "/1m.bin", "/one.bin");
        try (TestServer s = start("uring-httpd.loops-per-worker=2")) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                CountDownLatch warm = new CountDownLatch(clients);
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    int first = i;
                    results.add(pool.submit(() -> loopUntilClose(s.port(), paths, first, warm)));
                }
                assertThat(warm.await(60, TimeUnit.SECONDS)).as("every client served 10 requests").isTrue();
                // Long grace and deadline: no client may be cut by either; each must learn from a response.
                s.server().retire(10_000, 60_000);
                int total = 0;
                for (int i = 0; i < clients; i++) {
                    try {
                        total += results.get(i).get(60, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        throw new AssertionError("client " + i + " failed", e.getCause());
                    }
                }
                assertThat(total).isGreaterThanOrEqualTo(clients * 10);
                assertThat(s.server().awaitLoops(END.toMillis())).as("the loops ended after the last client left").isTrue();
                for (EventLoop loop : s.server().loops()) {
                    assertThat(loop.connectionsOpen()).isZero();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * One keep-alive client: requests in a loop, each answered in full, until a response says
     * Connection: close; then the server must close with nothing more. Any reset, early EOF or
     * short body throws. Returns the number of requests served.
     */
    private Integer loopUntilClose(int port, List<String> paths, int first, CountDownLatch warm) throws IOException {
        try (RawHttp.Conn c = RawHttp.open(port)) {
            c.socket().setSoTimeout(30_000);
            for (int n = 0; ; n++) {
                String path = paths.get((first + n) % paths.size());
                RawHttp.Response r = c.send(RawHttp.get(path)).read();
                assertThat(r.status()).as("request %d %s", n, path).isEqualTo(200);
                assertThat(r.body()).as("request %d %s", n, path).isEqualTo(files.bytes(path));
                if (n == 9) {
                    warm.countDown();
                }
                if (r.hasToken("Connection", "close")) {
                    assertThat(n).as("requests before the close").isGreaterThanOrEqualTo(9);
                    assertThat(c.closedWithin(Duration.ofSeconds(10))).as("closed after Connection: close").isTrue();
                    assertThat(c.unexpectedBytes()).as("bytes after the last response").isZero();
                    return n + 1;
                }
                if (n > 5_000_000) {
                    fail("never told to close");
                }
            }
        }
    }

    // ------------------------------------------------------------------ idle connections and the grace

    @Test
    void idleConnectionsAreClosedAfterTheGraceNotBefore() throws Exception {
        long graceMs = 1500;
        try (TestServer s = start(); RawHttp.Conn kept = connect(s); RawHttp.Conn silent = connect(s)) {
            RawHttp.Response r = kept.send(RawHttp.get("/1k.bin")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.hasToken("Connection", "close")).isFalse();

            long t0 = System.nanoTime();
            s.server().retire(graceMs, 60_000);
            assertThat(kept.closedWithin(Duration.ofSeconds(15))).as("idle keep-alive connection closed").isTrue();
            long keptMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(silent.closedWithin(Duration.ofSeconds(15))).as("connection that never sent closed").isTrue();
            long silentMs = (System.nanoTime() - t0) / 1_000_000;
            // Never before the grace (the server counts it from when it saw the retire, after t0).
            assertThat(keptMs).as("ms until the idle keep-alive connection closed").isGreaterThanOrEqualTo(graceMs - 20);
            assertThat(silentMs).as("ms until the silent connection closed").isGreaterThanOrEqualTo(graceMs - 20);
            // An idle close sends nothing: no response to a request that was never made.
            assertThat(kept.unexpectedBytes()).isZero();
            assertThat(silent.unexpectedBytes()).isZero();
            assertThat(s.server().awaitLoops(END.toMillis())).as("the loop ended with its last connection").isTrue();
        }
    }

    @Test
    void requestsDuringTheGraceAreAnsweredWithConnectionClose() throws Exception {
        try (TestServer s = start(); RawHttp.Conn get = connect(s); RawHttp.Conn head = connect(s);
             RawHttp.Conn missing = connect(s); RawHttp.Conn pipelined = connect(s)) {
            for (RawHttp.Conn c : List.of(get, head, missing, pipelined)) {
                assertThat(c.send(RawHttp.get("/one.bin")).read().status()).isEqualTo(200);
            }
            s.server().retire(10_000, 60_000);
            awaitListenClosed(s.port());

            RawHttp.Response r = get.send(RawHttp.get("/16k.bin")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(files.bytes("/16k.bin"));
            assertThat(r.hasToken("Connection", "close")).as("Connection: close in\n%s", r).isTrue();
            assertClosedQuietly(get);

            r = head.send(RawHttp.request("HEAD", "/1m.bin")).readHead();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.hasToken("Connection", "close")).as("Connection: close in\n%s", r).isTrue();
            assertClosedQuietly(head);

            r = missing.send(RawHttp.get("/no-such-file")).read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.hasToken("Connection", "close")).as("Connection: close in\n%s", r).isTrue();
            assertClosedQuietly(missing);

            // Two pipelined requests: the first is answered (with close), the second never is.
            pipelined.send(RawHttp.get("/1k.bin") + RawHttp.get("/one.bin"));
            r = pipelined.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertClosedQuietly(pipelined);

            assertThat(s.server().awaitLoops(END.toMillis())).as("the loop ended with its last connection").isTrue();
        }
    }

    @Test
    void newConnectionsAfterRetireAreRefusedOrNeverAnswered() throws Exception {
        try (TestServer s = start("uring-httpd.loops-per-worker=2"); RawHttp.Conn idle = connect(s)) {
            assertThat(idle.send(RawHttp.get("/one.bin")).read().status()).isEqualTo(200);
            s.server().retire(10_000, 60_000);
            awaitListenClosed(s.port());
            // Still refused a while later, while the loops keep serving what they have.
            Thread.sleep(300);
            assertThat(refusedOrUnanswered(s.port())).as("a connect after retire").isTrue();
            assertThat(s.server().awaitLoops(0)).as("loops ended while a connection is idle in its grace").isFalse();
            idle.close();
            assertThat(s.server().awaitLoops(END.toMillis())).as("the loops ended once the last connection closed").isTrue();
        }
    }

    // ------------------------------------------------------------------ transfers and the deadline

    @Test
    void largeDownloadInProgressCompletesWithinTheDeadline() throws Exception {
        try (TestServer s = start(); Socket socket = slowSocket(s.port())) {
            InputStream in = socket.getInputStream();
            socket.getOutputStream().write(RawHttp.latin1(RawHttp.get(BIG)));
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + BIG_SIZE);
            byte[] buf = new byte[64 * 1024];
            long received = readAtMost(in, buf, 1 << 20);

            s.server().retire(500, 60_000);
            byte[] tail = new byte[BIG_TAIL.length];
            // A slow reader: 64 KiB every 3 ms, 20 MiB/s at most, some seconds for the body.
            while (received < BIG_SIZE) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, BIG_SIZE - received));
                if (n < 0) {
                    fail("EOF after " + received + " of " + BIG_SIZE + " body bytes");
                }
                keepTail(tail, buf, n, received, BIG_SIZE);
                received += n;
                Thread.sleep(3);
            }
            assertThat(tail).isEqualTo(BIG_TAIL);
            // The response started before the retire (keep-alive); idle after it, the connection gets the grace.
            socket.setSoTimeout(15_000);
            assertThat(in.read()).as("EOF after the body").isEqualTo(-1);
            assertThat(s.server().awaitLoops(END.toMillis())).isTrue();
        }
    }

    @Test
    void largeDownloadIsCutAtTheDeadline() throws Exception {
        long timeoutMs = 2000;
        try (TestServer s = start(); Socket socket = slowSocket(s.port())) {
            InputStream in = socket.getInputStream();
            socket.getOutputStream().write(RawHttp.latin1(RawHttp.get(BIG)));
            assertThat(readHead(in)).startsWith("HTTP/1.1 200");
            byte[] buf = new byte[16 * 1024];
            long received = readAtMost(in, buf, 1 << 20);

            long t0 = System.nanoTime();
            s.server().retire(500, timeoutMs);
            // 16 KiB every 50 ms (320 KiB/s): 64 MiB would take minutes.
            long endedMs = -1;
            while (endedMs < 0 && System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos()) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                received += n;
                Thread.sleep(50);
                if (s.server().awaitLoops(0)) {
                    endedMs = (System.nanoTime() - t0) / 1_000_000;
                }
            }
            assertThat(s.server().awaitLoops(END.toMillis())).as("loop ended at the deadline").isTrue();
            if (endedMs < 0) {
                endedMs = (System.nanoTime() - t0) / 1_000_000;
            }
            assertThat(endedMs).as("ms from retire to the loop's end").isGreaterThanOrEqualTo(timeoutMs - 20);
            // What the kernel still buffers arrives, then EOF (or a reset): never the whole body.
            received += drain(socket, in, buf);
            assertThat(received).as("body bytes received").isLessThan(BIG_SIZE);
        }
    }

    // ------------------------------------------------------------------ worker mode

    /**
     * A worker serves sockets its master opened (here: this test, with a dup'ed copy for the
     * worker) and, retiring, closes only its copy: the master's socket stays listening (new
     * connections wait in its backlog for the next worker, never answered by this one), and the
     * retiring loop hears nothing more of it (epoll would keep reporting a closed copy whose socket
     * lives on, unless it was taken out of the interest list first).
     */
    @Test
    void workerRetiresOnHandedOverSocketsAndLeavesTheMastersListening() throws Exception {
        Syscalls sys = new Syscalls();
        int[][] master = ListenSockets.open(sys, List.of(new InetSocketAddress("127.0.0.1", 0)), 1, 128);
        int masterFd = master[0][0];
        try {
            int copy = sys.fcntl(masterFd, F_DUPFD_CLOEXEC, 3);
            assertThat(copy).as("dup of fd %d", masterFd).isGreaterThanOrEqualTo(0);
            try (TestServer s = TestServer.startWorker(engine(), files.root, new int[][] {{copy}});
                 RawHttp.Conn first = connect(s); RawHttp.Conn kept = connect(s)) {
                EventLoop loop = s.server().loops().getFirst();
                assertThat(s.port()).isEqualTo(sys.localPort(masterFd));
                for (RawHttp.Conn c : List.of(first, kept)) {
                    RawHttp.Response r = c.send(RawHttp.get("/1k.bin")).read();
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
                }
                s.server().retire(10_000, 60_000);
                // An answer with Connection: close: the loop has begun retiring (its copy is closed).
                RawHttp.Response r = first.send(RawHttp.get("/one.bin")).read();
                assertThat(r.hasToken("Connection", "close")).as("Connection: close in\n%s", r).isTrue();
                assertClosedQuietly(first);
                // The fd number may have been reused since: what matters is that it no longer is this socket.
                assertThat(fdTarget(copy)).as("what the worker's copy fd %d refers to", copy).isNotEqualTo(fdTarget(masterFd));
                assertThat(sys.getsockoptInt(masterFd, SocketConstants.SOL_SOCKET, SO_ACCEPTCONN))
                        .as("the master's socket still listens").isEqualTo(1);

                long accepts = loop.syscalls().accept4;
                try (Socket late = new Socket()) {
                    // Connected by the kernel into the master's backlog, answered by nobody.
                    late.connect(new InetSocketAddress("127.0.0.1", s.port()), 2000);
                    late.setSoTimeout(1000);
                    late.getOutputStream().write(RawHttp.latin1(RawHttp.get("/one.bin")));
                    try {
                        int b = late.getInputStream().read();
                        fail("a connection after the worker retired was answered (" + b + ")");
                    } catch (SocketTimeoutException expected) {
                        // nobody accepts: the next worker would
                    }
                }
                assertThat(loop.syscalls().accept4).as("accept4 calls of the retiring loop").isEqualTo(accepts);
                assertThat(s.server().awaitLoops(0)).as("the loop still serves its idle connection").isFalse();
                kept.close();
                assertThat(s.server().awaitLoops(END.toMillis())).as("the worker's loop ended").isTrue();
            }
        } finally {
            ListenSockets.closeAll(sys, master);
        }
    }

    @Test
    void workerModeRefusesAnFdThatIsNotListening() throws Exception {
        Syscalls sys = new Syscalls();
        int fd = sys.socket(SocketConstants.AF_INET, SocketConstants.SOCK_STREAM | SocketConstants.SOCK_CLOEXEC, 0);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        String socket = fdTarget(fd);
        assertThatThrownBy(() -> TestServer.startWorker(engine(), files.root, new int[][] {{fd}}))
                .isInstanceOf(IOException.class).hasMessageContaining("not a listening socket");
        assertThat(fdTarget(fd)).as("fd %d after the refusal: the server owned it and closed it", fd).isNotEqualTo(socket);
    }

    // ------------------------------------------------------------------ descriptors

    @Test
    void retirementLeaksNoDescriptor() throws Exception {
        // A first server, stopped at once: what the JVM opens once for good (a unix socket of its
        // own was seen) is then in the baseline, what a server leaks is not.
        try (TestServer warmUp = start()) {
            assertThat(RawHttp.exchange(warmUp.port(), RawHttp.get("/one.bin")).status()).isEqualTo(200);
        }
        long before = kernelObjectFds();
        try (TestServer s = start("uring-httpd.loops-per-worker=2")) {
            List<RawHttp.Conn> conns = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    RawHttp.Conn c = connect(s);
                    conns.add(c);
                    assertThat(c.send(RawHttp.get("/16k.bin")).read().status()).isEqualTo(200);
                }
                conns.get(0).send("GET /1k.bin HTTP/1.1\r\nHo"); // mid-request
                conns.get(1).send(RawHttp.get("/3m.bin") + RawHttp.get("/3m.bin")); // mid-response, never read
                conns.add(connect(s)); // never sends
                Thread.sleep(200);
                s.server().retire(300, 3000);
                assertThat(s.server().awaitLoops(END.toMillis())).as("loops ended by the deadline").isTrue();
            } finally {
                for (RawHttp.Conn c : conns) {
                    c.closeWithReset();
                }
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long after = kernelObjectFds();
        while (after > before && System.nanoTime() < deadline) {
            Thread.sleep(50);
            after = kernelObjectFds();
        }
        assertThat(after).as("sockets, pipes, eventfds, epoll and io_uring fds of this JVM: before %d, after %d (%s)",
                before, after, describeFds()).isLessThanOrEqualTo(before);
    }

    // ------------------------------------------------------------------ helpers

    private static RawHttp.Conn connect(TestServer s) throws IOException {
        return RawHttp.open(s.port());
    }

    private static void assertClosedQuietly(RawHttp.Conn c) throws IOException {
        assertThat(c.closedWithin(Duration.ofSeconds(10))).as("server closed the connection").isTrue();
        assertThat(c.unexpectedBytes()).as("bytes after the last response").isZero();
    }

    /** Polls until a connect is refused: the retire reached every loop and its listen fds are closed. */
    private static void awaitListenClosed(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!refusedOrUnanswered(port)) {
            if (System.nanoTime() > deadline) {
                fail("connects to port " + port + " still answered 10 s after retire");
            }
            Thread.sleep(20);
        }
    }

    /**
     * True when a new connection is refused, reset, or left unanswered for 2 s; false when it is
     * answered (accepted before the loop saw the retire: such an answer must say Connection: close).
     */
    private static boolean refusedOrUnanswered(int port) throws IOException {
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            } catch (ConnectException refused) {
                return true;
            }
            socket.setSoTimeout(2000);
            try {
                socket.getOutputStream().write(RawHttp.latin1(RawHttp.get("/one.bin")));
                // Answered: the connection was accepted before its loop saw the retire.
                assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
                return false;
            } catch (SocketTimeoutException unanswered) {
                return true;
            } catch (IOException resetOrEof) {
                return true;
            }
        }
    }

    /** A client with small socket buffers (set before connect, so the window stays small). */
    private static Socket slowSocket(int port) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("EOF inside the response head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static long readAtMost(InputStream in, byte[] buf, long bytes) throws IOException {
        long received = 0;
        while (received < bytes) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, bytes - received));
            if (n < 0) {
                throw new IOException("EOF after " + received + " body bytes");
            }
            received += n;
        }
        return received;
    }

    /** Keeps the bytes of [size - tail.length, size) as they pass by. */
    private static void keepTail(byte[] tail, byte[] buf, int n, long offset, long size) {
        long tailStart = size - tail.length;
        for (int i = 0; i < n; i++) {
            long at = offset + i;
            if (at >= tailStart) {
                tail[(int) (at - tailStart)] = buf[i];
            }
        }
    }

    /** Reads at full speed until EOF or a reset; the bytes read. */
    private static long drain(Socket socket, InputStream in, byte[] buf) throws IOException {
        socket.setSoTimeout(15_000);
        long n = 0;
        try {
            int r;
            while ((r = in.read(buf)) >= 0) {
                n += r;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after the loop ended (" + n + " more bytes)", e);
        } catch (SocketException reset) {
            // closed with RST: also an end
        }
        return n;
    }

    /** What /proc/self/fd/N links to ("socket:[inode]"), or "closed". */
    private static String fdTarget(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return "closed";
        }
    }

    /** This JVM's fds that are sockets, pipes or anonymous inodes (eventfd, epoll, io_uring): what a loop opens. */
    private static long kernelObjectFds() throws IOException {
        return fdTargets().stream().filter(t -> t.startsWith("socket:") || t.startsWith("pipe:") || t.startsWith("anon_inode:"))
                .count();
    }

    /** The kernel-object fds, sockets with their /proc/net line (local and remote address, state). */
    private static String describeFds() throws IOException {
        List<String> out = new ArrayList<>();
        for (String target : fdTargets()) {
            if (target.startsWith("socket:[")) {
                String inode = target.substring(8, target.length() - 1);
                for (String table : List.of("tcp", "tcp6", "udp", "unix", "netlink")) {
                    for (String line : Files.readAllLines(Path.of("/proc/net/" + table))) {
                        if (Arrays.asList(line.trim().split("\\s+")).contains(inode)) {
                            target += " " + table + ": " + line.trim();
                        }
                    }
                }
                out.add(target);
            } else if (target.startsWith("pipe:") || target.startsWith("anon_inode:")) {
                out.add(target);
            }
        }
        return String.join("; ", out);
    }

    private static List<String> fdTargets() throws IOException {
        List<String> targets = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    targets.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException gone) {
                    // the directory stream's own fd, or one closed meanwhile
                }
            }
        }
        targets.sort(null);
        return targets;
    }
}
