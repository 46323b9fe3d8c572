package io.uringhttpd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.contract.Fixtures;
import io.uringhttpd.contract.RawHttp;
import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * 1000 connections open at the same time, spread by SO_REUSEPORT over two loops, each
 * getting a 1 KiB file: every one answered with the exact bytes, and everything released after.
 * Client and server sockets both live in this JVM: 2000 fds plus the JVM's own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ThousandConnectionsContract {
    /** "epoll" or "io_uring". */
    protected abstract String engine();

    private static final int CONNECTIONS = 1000;

    private Fixtures files;
    private TestServer server;

    @BeforeAll
    public void start() throws Exception {
        LoopProbes.assumeEngine(engine());
        long limit = LoopProbes.fdLimit();
        assumeTrue(limit < 0 || limit >= 2500, () -> "open-file limit " + limit + " < 2500 (ulimit -n)");
        files = Fixtures.create();
        server = TestServer.start(engine(), files.root, "uring-httpd.loops-per-worker=2");
    }

    @AfterAll
    public void stop() throws IOException {
        Fixtures.stop(server, files);
    }

    @Test
    public void thousandConcurrentConnectionsEachGetTheirFile() throws IOException {
        byte[] expected = files.bytes("/1k.bin");
        int fdsBefore = LoopProbes.openSocketsAndPipes();
        List<RawHttp.Conn> conns = new ArrayList<>(CONNECTIONS);
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                conns.add(RawHttp.open(server.port()));
            }
            // All open at once on the server side, not one after the other.
            LoopProbes.await(Duration.ofSeconds(10), () -> "all accepted; open now " + LoopProbes.connectionsOpen(server),
                    () -> LoopProbes.connectionsOpen(server) == CONNECTIONS);
            for (int l = 0; l < 2; l++) {
                assertThat(LoopProbes.loop(server, l).connectionsOpen()).as("connections on loop-%d (SO_REUSEPORT spread)", l)
                        .isPositive();
            }
            // Every request is in the server before any response is read.
            for (RawHttp.Conn c : conns) {
                c.send(RawHttp.get("/1k.bin"));
            }
            for (int i = 0; i < CONNECTIONS; i++) {
                RawHttp.Response r = conns.get(i).read();
                assertThat(r.status()).as("connection %d", i).isEqualTo(200);
                assertThat(r.body()).as("connection %d", i).isEqualTo(expected);
            }
            // A second round on the same 1000 keep-alive connections.
            for (RawHttp.Conn c : conns) {
                c.send(RawHttp.get("/16k.bin"));
            }
            byte[] expected16k = files.bytes("/16k.bin");
            for (int i = 0; i < CONNECTIONS; i++) {
                assertThat(conns.get(i).read().body()).as("second request on connection %d", i).isEqualTo(expected16k);
            }
            assertThat(LoopProbes.connectionsOpen(server)).isEqualTo(CONNECTIONS);
        } finally {
            conns.forEach(RawHttp.Conn::closeWithReset);
        }
        LoopProbes.awaitReleased(server, Duration.ofSeconds(10));
        // The pipe pools may have made a pipe each meanwhile (2 fds per loop), nothing per connection.
        assertThat(LoopProbes.openSocketsAndPipes()).as("open sockets and pipes after all closed").isLessThanOrEqualTo(fdsBefore + 4);
    }
}
