package io.uringhttpd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.contract.Fixtures;
import io.uringhttpd.contract.RawHttp;
import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Timeouts on the proactor end in a real close: the server's socket is released while the
 * client still holds its end (so the release is the server's doing, not a reaction to the
 * client's close), and the loop's slot, buffers and pipe come back. TimeoutContract covers
 * when the client sees the close; this covers what the server process keeps afterwards.
 * Bounds are generous (5 s for 1 s timeouts and a 1 s timer tick): not a speed check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TimeoutReleaseContract {
    /** "epoll" or "io_uring". */
    protected abstract String engine();

    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);

    private Fixtures files;
    private TestServer server;
    private int socketsAndPipesBefore;
    private List<String> before;

    @BeforeAll
    public void start() throws Exception {
        LoopProbes.assumeEngine(engine());
        files = Fixtures.create();
        LoopProbes.writeRandom(files.root.resolve("64m.bin"), 64L << 20, 64);
        server = TestServer.start(engine(), files.root, "uring-httpd.loops-per-worker=1",
                "uring-httpd.timeouts.header-read=1s", "uring-httpd.timeouts.keepalive-idle=1s", "uring-httpd.timeouts.send=2s");
    }

    @AfterAll
    public void stop() throws IOException {
        Fixtures.stop(server, files);
    }

    @BeforeEach
    public void baseline() {
        LoopProbes.awaitReleased(server, CLOSE_WITHIN);
        before = LoopProbes.socketsAndPipes();
        socketsAndPipesBefore = before.size();
    }

    @AfterEach
    public void nothingLeftAndStillServing() throws IOException {
        LoopProbes.awaitReleased(server, CLOSE_WITHIN);
        LoopResources held = LoopProbes.loop(server, 0).resources();
        assertThat(LoopProbes.openSocketsAndPipes()).as("sockets and pipes after the test (before %s; now %s; %s)", before, LoopProbes.socketsAndPipes(), held)
                .isLessThanOrEqualTo(socketsAndPipesBefore + 2 * (held.pipesInUse() + held.pipesPooled()));
        RawHttp.Response r = RawHttp.exchange(server.port(), RawHttp.get("/1k.bin"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
    }

    @Test
    public void idleKeepAliveConnectionsAreClosedAndReleasedByTheServer() throws IOException {
        List<RawHttp.Conn> conns = new ArrayList<>();
        try {
            // After a memory body, a spliced body, a HEAD, and an error: all idle at keep-alive.
            String[] requests = {RawHttp.get("/1k.bin"), RawHttp.get("/3m.bin"), RawHttp.request("HEAD", "/3m.bin"),
                RawHttp.get("/no-such-file")};
            for (int i = 0; i < 40; i++) {
                RawHttp.Conn c = RawHttp.open(server.port());
                conns.add(c);
                String request = requests[i % requests.length];
                RawHttp.Response r = c.send(request).read(request.startsWith("HEAD"));
                assertThat(r.status()).isIn(200, 404);
            }
            assertThat(server.server().loops().getFirst().connectionsOpen()).isEqualTo(conns.size());
            for (RawHttp.Conn c : conns) {
                assertThat(c.closedWithin(CLOSE_WITHIN)).as("idle keep-alive connection closed").isTrue();
                assertThat(c.unexpectedBytes()).as("bytes sent on an idle close").isZero();
            }
            // Every client still holds its end: the server released its sockets on its own.
            LoopProbes.awaitReleased(server, CLOSE_WITHIN);
        } finally {
            conns.forEach(RawHttp.Conn::close);
        }
    }

    @Test
    public void incompleteHeadsAreClosedAndReleasedByTheServer() throws IOException {
        List<RawHttp.Conn> conns = new ArrayList<>();
        try {
            String[] partial = {"", "GET /1k.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n", "GET /index.ht",
                // a second request left incomplete behind a complete one
                RawHttp.get("/1k.bin") + "GET /16k.bin HTTP/1.1\r\n"};
            for (int i = 0; i < 40; i++) {
                RawHttp.Conn c = RawHttp.open(server.port());
                conns.add(c);
                if (!partial[i % partial.length].isEmpty()) {
                    c.send(partial[i % partial.length]);
                }
            }
            for (int i = 0; i < conns.size(); i++) {
                RawHttp.Conn c = conns.get(i);
                if (i % partial.length == 3) {
                    assertThat(c.read().body()).isEqualTo(files.bytes("/1k.bin"));
                }
                assertThat(c.closedWithin(CLOSE_WITHIN)).as("connection %d with an incomplete head closed", i).isTrue();
            }
            LoopProbes.awaitReleased(server, CLOSE_WITHIN);
        } finally {
            conns.forEach(RawHttp.Conn::close);
        }
    }

    @Test
    public void stalledResponsesAreClosedBySendTimeoutAndReleased() throws IOException {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                // A spliced body and a memory body, far beyond what the socket buffers hold.
                String request = i % 2 == 0 ? RawHttp.get("/64m.bin") : RawHttp.get("/16k.bin").repeat(200);
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                stalled.add(s);
            }
            // Every one accepted, its response under way (the proactor splices the file bodies: 4 pipes).
            LoopProbes.await(CLOSE_WITHIN, () -> "stalled connections open: " + LoopProbes.loop(server, 0).resources(),
                    () -> LoopProbes.loop(server, 0).resources().connections() == 8
                            && (engine().equals("epoll") || LoopProbes.loop(server, 0).resources().pipesInUse() == 4));
            // The clients never read and never close: the send timeout (2 s) must free everything.
            LoopProbes.awaitReleased(server, Duration.ofSeconds(8));
        } finally {
            for (Socket s : stalled) {
                s.setSoLinger(true, 0);
                s.close();
            }
        }
    }

    @Test
    public void lingeringCloseEndsWhileThePeerKeepsItsEndOpen() throws IOException {
        List<RawHttp.Conn> conns = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                RawHttp.Conn c = RawHttp.open(server.port());
                conns.add(c);
                // Connection: close makes the server shut down its sending side and drain the peer for a while.
                String path = i % 2 == 0 ? "/1k.bin" : "/3m.bin";
                LoopProbes.Streamed r = LoopProbes.readStreamed(c.send(RawHttp.request("GET", path, "Connection: close")).input(), false);
                assertThat(r.bodySha256()).isEqualTo(LoopProbes.sha256(files.bytes(path)));
                assertThat(c.closedWithin(CLOSE_WITHIN)).as("FIN after Connection: close").isTrue();
            }
            // The peers neither send nor close: the lingering close must end on its own.
            LoopProbes.awaitReleased(server, Duration.ofSeconds(8));
        } finally {
            conns.forEach(RawHttp.Conn::close);
        }
    }
}
