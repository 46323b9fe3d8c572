package io.uringhttpd.engine.iouring;

import io.uringhttpd.engine.LoopProbes;
import io.uringhttpd.engine.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.contract.Fixtures;
import io.uringhttpd.contract.RawHttp;
import io.uringhttpd.engine.LoopCounters;
import io.uringhttpd.testing.TestServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One loop, one provided buffer ring (1024 x 8 KiB) for all its connections. 2000 clients send
 * requests and do not read, so their responses stall (half on a spliced body, half on pipelined
 * memory bodies); meanwhile 64 other clients stream 1 MiB request bodies (read and dropped by
 * the server, 128 ring buffers each) faster than the loop gives buffers back, so the ring runs
 * dry and multishot receives end with -ENOBUFS and must be re-armed. Through all of it fresh
 * connections are answered, every streaming client gets every answer, stalled clients get
 * exact bytes once they read, and everything is released when they all reset.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BufferRingPressureTest {
    private static final int STALLED = 2000;
    private static final int STREAMERS = 64;
    private static final int STREAM_THREADS = 16;
    private static final int BODIES_PER_STREAMER = 4;
    /** The most the server reads and drops (StaticFileHandler.BODY_DISCARD_BYTES_MAX); more closes. */
    private static final int BODY_BYTES = 1 << 20;
    private static final int DRAIN_ROUNDS_MAX = 5;

    private Fixtures files;
    private TestServer server;

    @BeforeAll
    void start() throws Exception {
        LoopProbes.assumeIoUring();
        long limit = LoopProbes.fdLimit();
        // Client and server sockets of 2000 connections, and a pipe for each stalled splice.
        assumeTrue(limit < 0 || limit >= 8000, () -> "open-file limit " + limit + " < 8000 (ulimit -n)");
        files = Fixtures.create();
        server = TestServer.start("io_uring", files.root, "uring-httpd.loops-per-worker=1");
    }

    @AfterAll
    void stop() throws IOException {
        Fixtures.stop(server, files);
    }

    @Test
    void stalledClientsAndADryBufferRingDoNotStallTheLoop() throws Exception {
        LoopCounters counters = LoopProbes.loop(server, 0).counters();
        int fdsBefore = LoopProbes.openSocketsAndPipes();
        long enobufsBefore = counters.readEagain;
        List<Socket> stalled = new ArrayList<>(STALLED);
        ExecutorService pool = Executors.newFixedThreadPool(STREAM_THREADS);
        try {
            // 1. 2000 clients ask for far more than a 4 KiB receive window and the socket buffers
            // hold, and do not read.
            for (int i = 0; i < STALLED; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096); // before connect, so the window stays small
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                s.setSoTimeout(30_000);
                stalled.add(s);
            }
            for (int i = 0; i < STALLED; i++) {
                String requests = i % 2 == 0 ? RawHttp.get("/3m.bin") + RawHttp.get("/1k.bin") : RawHttp.get("/16k.bin").repeat(40);
                OutputStream out = stalled.get(i).getOutputStream();
                out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            LoopProbes.await(Duration.ofSeconds(10), () -> "all stalled clients accepted; open " + LoopProbes.connectionsOpen(server),
                    () -> LoopProbes.connectionsOpen(server) >= STALLED);
            freshConnectionIsAnswered();

            // 2. Drain the ring while they stall; a receive that found it empty and was not re-armed
            // would leave its streaming client without an answer.
            long enobufs = 0;
            for (int round = 0; round < DRAIN_ROUNDS_MAX && enobufs == 0; round++) {
                List<Future<Integer>> streams = new ArrayList<>();
                for (int t = 0; t < STREAM_THREADS; t++) {
                    int first = t;
                    streams.add(pool.submit(() -> streamBodies(first)));
                }
                freshConnectionIsAnswered();
                for (Future<Integer> f : streams) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).as("answers to one thread's streaming clients")
                            .isEqualTo(STREAMERS / STREAM_THREADS * BODIES_PER_STREAMER);
                }
                freshConnectionIsAnswered();
                enobufs = counters.readEagain - enobufsBefore;
            }
            System.out.printf("buffer ring: %d multishot receives ended with ENOBUFS and were re-armed%n", enobufs);
            assertThat(enobufs).as("receives that found the buffer ring empty (if 0, this machine's loop kept up with"
                    + " %d streams and the test did not reach exhaustion)", STREAMERS).isPositive();
            // The streaming clients have closed; the stalled ones are all still there.
            LoopProbes.await(Duration.ofSeconds(5), () -> "only the stalled clients open; open " + LoopProbes.connectionsOpen(server),
                    () -> LoopProbes.connectionsOpen(server) == STALLED);

            // 3. Stalled transfers resume once their clients read: exact bytes, in order.
            String sha3m = LoopProbes.sha256(files.bytes("/3m.bin"));
            String sha1k = LoopProbes.sha256(files.bytes("/1k.bin"));
            String sha16k = LoopProbes.sha256(files.bytes("/16k.bin"));
            for (int i = 0; i < 6; i++) {
                var in = new BufferedInputStream(stalled.get(i).getInputStream(), 64 * 1024);
                if (i % 2 == 0) {
                    assertThat(LoopProbes.readStreamed(in, false).bodySha256()).as("stalled client %d, 3 MiB", i).isEqualTo(sha3m);
                    assertThat(LoopProbes.readStreamed(in, false).bodySha256()).as("stalled client %d, 1 KiB", i).isEqualTo(sha1k);
                } else {
                    for (int k = 0; k < 40; k++) {
                        assertThat(LoopProbes.readStreamed(in, false).bodySha256()).as("stalled client %d, response %d", i, k)
                                .isEqualTo(sha16k);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
            for (Socket s : stalled) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException ignored) {
                    // already gone
                }
            }
        }
        // 4. All of them reset, most mid-transfer: slots, buffers, pipes and sockets come back.
        LoopProbes.awaitReleased(server, Duration.ofSeconds(10));
        LoopResources held = LoopProbes.loop(server, 0).resources();
        // The pipe pool keeps the pipes of bodies that ended normally, for reuse (a few here, not one per client).
        assertThat((held.pipesInUse() + held.pipesPooled())).as("pipes kept by the pool").isLessThanOrEqualTo(8);
        assertThat(LoopProbes.openSocketsAndPipes()).as("sockets and pipes after all closed (before: %d; %s)", fdsBefore, held)
                .isLessThanOrEqualTo(fdsBefore + 2 * (held.pipesInUse() + held.pipesPooled()) + 2);
        freshConnectionIsAnswered();
    }

    /** Every STREAM_THREADS-th streaming client from {@code first}: GETs with a 1 MiB body, answered one by one. */
    private int streamBodies(int first) throws IOException {
        byte[] body = Fixtures.randomBytes(BODY_BYTES, first);
        byte[] head = ("GET /1k.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + BODY_BYTES + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] expected = files.bytes("/1k.bin");
        List<RawHttp.Conn> conns = new ArrayList<>();
        int answered = 0;
        try {
            for (int i = first; i < STREAMERS; i += STREAM_THREADS) {
                conns.add(RawHttp.open(server.port()));
            }
            for (int round = 0; round < BODIES_PER_STREAMER; round++) {
                for (RawHttp.Conn c : conns) {
                    c.send(head).send(body);
                }
                for (RawHttp.Conn c : conns) {
                    RawHttp.Response r = c.read();
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo(expected);
                    answered++;
                }
            }
        } finally {
            conns.forEach(RawHttp.Conn::close);
        }
        return answered;
    }

    private void freshConnectionIsAnswered() throws IOException {
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.socket().setSoTimeout(10_000); // the bound this test sets: answered within 10 s
            RawHttp.Response r = c.send(RawHttp.get("/index.html")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
        }
    }
}
