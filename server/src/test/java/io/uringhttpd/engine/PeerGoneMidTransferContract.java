package io.uringhttpd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.contract.Fixtures;
import io.uringhttpd.contract.RawHttp;
import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A peer that goes away in the middle of a spliced 64 MiB body frees everything the proactor
 * gave it: the connection slot, its buffers, the pipe (a pipe that may still hold bytes of the
 * dead response is closed, not pooled) and the socket itself, which only closes for real once
 * the ring holds no operation on it (docs/kernel.md#closing-an-fd-the-ring-still-uses). The test
 * JVM is the server process, so its
 * /proc/self/fd and /proc/net/tcp show what the server still holds. 50 rounds of the different
 * ways to leave, so a leak of one fd or one slot per round shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class PeerGoneMidTransferContract {
    /** "epoll" or "io_uring". */
    protected abstract String engine();

    private static final long BIG = 64L << 20;
    private static final int ROUNDS = 50;
    /** Pipes may be made and closed in between; a few fds of slack, never one per round. */
    private static final int FD_SLACK = 4;

    private Fixtures files;
    private TestServer server;
    private String bigSha;

    @BeforeAll
    public void start() throws Exception {
        LoopProbes.assumeEngine(engine());
        files = Fixtures.create();
        bigSha = LoopProbes.writeRandom(files.root.resolve(Path.of("64m.bin")), BIG, 64);
        server = TestServer.start(engine(), files.root, "uring-httpd.loops-per-worker=1");
    }

    @AfterAll
    public void stop() throws IOException {
        Fixtures.stop(server, files);
    }

    private enum Leave {
        /** Reads a few KiB, then close(2): unread data in the receive queue makes the kernel send RST. */
        CLOSE_AFTER_A_FEW_KB,
        /** Reads a few KiB, then SO_LINGER 0 and close: an explicit RST. */
        RESET_AFTER_A_FEW_KB,
        /** Sends the request and closes at once, before the body starts. */
        CLOSE_BEFORE_READING,
        /** Half-closes (FIN) after a few KiB, reads some more, then resets. */
        HALF_CLOSE_THEN_RESET,
        /** Two 64 MiB GETs pipelined (the second held as input), reset inside the first. */
        RESET_WITH_A_PIPELINED_REQUEST_HELD,
        /** A range far beyond 4 GiB of the sparse file, reset after a few KiB. */
        RESET_INSIDE_A_RANGE_BEYOND_4GIB,
    }

    @Test
    public void peerThatLeavesMidTransferFreesSlotBuffersPipeAndSocket() throws Exception {
        EventLoop loop = LoopProbes.loop(server, 0);
        // Warm up: the pipe pool has its pipe, the file cache its fds, the JVM its lazily opened files.
        fullGet();
        fullGet();
        LoopProbes.awaitReleased(server, Duration.ofSeconds(5));
        int fdsBefore = LoopProbes.openFds();
        long closedBefore = loop.counters().closed;

        for (int round = 0; round < ROUNDS; round++) {
            Leave how = Leave.values()[round % Leave.values().length];
            if (how == Leave.RESET_INSIDE_A_RANGE_BEYOND_4GIB && files.bigFileProblem != null) {
                how = Leave.RESET_AFTER_A_FEW_KB;
            }
            leave(how);
            int r = round;
            Leave h = how;
            LoopProbes.await(Duration.ofSeconds(5), () -> "round " + r + " (" + h + "): " + loop.resources()
                    + ", owned server sockets " + LoopProbes.ownedServerSockets(server.port()),
                    () -> loop.resources().nothingForConnections() && LoopProbes.ownedServerSockets(server.port()) == 0);
            int fdsNow = LoopProbes.openFds();
            assertThat(fdsNow).as("open fds after round %d (%s); before the rounds %d", round, how, fdsBefore)
                    .isLessThanOrEqualTo(fdsBefore + FD_SLACK);
        }

        assertThat(loop.counters().closed - closedBefore).as("connections closed by the loop").isEqualTo(ROUNDS);
        // The response plan of a dropped transfer is reused like one whose body was sent; a plan lost
        // at every close would be a new plan (and 16 KiB of native scratch) per aborted download.
        assertThat(loop.resources().sparePlans()).as("response plans back in the loop's spare list").isPositive();
        LoopResources held = loop.resources();
        assertThat(held.pipesInUse() + held.pipesPooled()).as("pipes kept open by the pool: %s", held).isLessThanOrEqualTo(2);
        // The pool and the slot table still work: a whole body, exact.
        fullGet();
        LoopProbes.awaitReleased(server, Duration.ofSeconds(5));
        assertThat(LoopProbes.openFds()).isLessThanOrEqualTo(fdsBefore + FD_SLACK);
    }

    @Test
    public void fileTruncatedMidTransferEndsTheConnectionAndFreesEverything() throws Exception {
        // A dedicated file: the open-file cache keeps the old size until it revalidates (valid = 60 s).
        Path file = files.root.resolve("shrinking.bin");
        LoopProbes.writeRandom(file, 16L << 20, 16);
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send(RawHttp.get("/shrinking.bin"));
            readAtLeast(c.input(), 64 * 1024);
            // Shrink it to an odd size, mid-chunk: the splice from the file comes up short, then at EOF.
            try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength((1L << 20) + 12345);
            }
            long received = 64 * 1024;
            byte[] buf = new byte[64 * 1024];
            try {
                int n;
                while ((n = c.input().read(buf)) >= 0) {
                    received += n;
                }
            } catch (java.net.SocketException reset) {
                // a reset also ends it
            }
            assertThat(received).as("bytes before the server gave up on the truncated file").isLessThan(16L << 20);
        }
        LoopProbes.awaitReleased(server, Duration.ofSeconds(5));
        LoopResources held = LoopProbes.loop(server, 0).resources();
        assertThat(held.pipesInUse() + held.pipesPooled()).as("%s", held).isLessThanOrEqualTo(2);
    }

    private void fullGet() throws IOException {
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send(RawHttp.request("GET", "/64m.bin", "Connection: close"));
            LoopProbes.Streamed r = LoopProbes.readStreamed(c.input(), false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodySha256()).isEqualTo(bigSha);
            assertThat(c.closedWithin(Duration.ofSeconds(5))).isTrue();
        }
    }

    private void leave(Leave how) throws IOException {
        RawHttp.Conn c = RawHttp.open(server.port());
        try {
            InputStream in = c.input();
            switch (how) {
                case CLOSE_AFTER_A_FEW_KB -> {
                    c.send(RawHttp.get("/64m.bin"));
                    readAtLeast(in, 4096);
                    c.close();
                }
                case RESET_AFTER_A_FEW_KB -> {
                    c.send(RawHttp.get("/64m.bin"));
                    readAtLeast(in, 8192);
                    c.closeWithReset();
                }
                case CLOSE_BEFORE_READING -> {
                    c.send(RawHttp.get("/64m.bin"));
                    c.close();
                }
                case HALF_CLOSE_THEN_RESET -> {
                    c.send(RawHttp.get("/64m.bin"));
                    readAtLeast(in, 4096);
                    c.shutdownOutput();
                    readAtLeast(in, 300_000);
                    c.closeWithReset();
                }
                case RESET_WITH_A_PIPELINED_REQUEST_HELD -> {
                    c.send(RawHttp.get("/64m.bin") + RawHttp.get("/64m.bin"));
                    readAtLeast(in, 600_000);
                    c.closeWithReset();
                }
                case RESET_INSIDE_A_RANGE_BEYOND_4GIB -> {
                    c.send(RawHttp.request("GET", Fixtures.BIG_PATH, "Range: bytes=" + ((1L << 32) + 12345) + "-"));
                    readAtLeast(in, 4096);
                    c.closeWithReset();
                }
            }
        } finally {
            c.close();
        }
    }

    private static void readAtLeast(InputStream in, int bytes) throws IOException {
        byte[] buf = new byte[8192];
        int got = 0;
        while (got < bytes) {
            int n = in.read(buf, 0, Math.min(buf.length, bytes - got));
            if (n < 0) {
                throw new IOException("EOF after " + got + " bytes");
            }
            got += n;
        }
    }
}
