package io.uringhttpd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.contract.Fixtures;
import io.uringhttpd.contract.RawHttp;
import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Input that arrives while responses are still going out. A multishot receive keeps delivering
 * whatever the client sends, so the proactor must hold requests it cannot serve yet (a body
 * pending, the output buffer full) without losing them, and without closing a well-behaved
 * client. The reactor stops reading instead and lets TCP push back; these are the same
 * requests, and the reactor answers all of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class PipelinedInputContract {
    /** "epoll" or "io_uring". */
    protected abstract String engine();


    private Fixtures files;
    private TestServer server;

    @BeforeAll
    public void start() throws Exception {
        LoopProbes.assumeEngine(engine());
        files = Fixtures.create();
        server = TestServer.start(engine(), files.root, "uring-httpd.loops-per-worker=1");
    }

    @AfterAll
    public void stop() throws IOException {
        Fixtures.stop(server, files);
    }

    @AfterEach
    public void releasedAndStillServing() throws IOException {
        LoopProbes.awaitReleased(server, Duration.ofSeconds(5));
        RawHttp.Response r = RawHttp.exchange(server.port(), RawHttp.get("/1k.bin"));
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    public void pipelinedRequestsUpToOneBufferBehindBigBodiesAreAllAnswered() throws IOException {
        // 44 requests of 750 bytes: 33 000 bytes, under one buffer.
        assertAllAnswered("/3m.bin", 44, 700);
    }

    @Test
    public void pipelinedRequestsBeyondOneBufferBehindBigBodiesAreAllAnswered() throws IOException {
        // 60 requests of 750 bytes (browser-sized heads): 45 000 bytes. Observed: EOF, 0 responses.
        assertAllAnswered("/3m.bin", 60, 700);
    }

    @Test
    public void manySmallPipelinedRequestsAreAllAnswered() throws IOException {
        // 900 GETs of 1 KiB in one write (45 000 bytes): the output buffer fills, the rest of the
        // input waits. Observed: EOF, 0 responses.
        assertAllAnswered("/1k.bin", 900, 0);
    }

    @Test
    public void requestBodyArrivingWhileTheResponseIsSplicedIsDiscarded() throws IOException {
        // A GET with a 64 KiB body (read and dropped, up to 1 MiB) for a spliced file.
        // Observed: EOF, no response; with a 20 000 byte body it is answered.
        int length = 64 * 1024;
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send("GET /3m.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n" + "b".repeat(length));
            LoopProbes.Streamed r = LoopProbes.readStreamed(c.input(), false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodySha256()).isEqualTo(LoopProbes.sha256(files.bytes("/3m.bin")));
            assertStillOpen(c);
        }
    }

    private void assertAllAnswered(String path, int count, int padBytes) throws IOException {
        String request = RawHttp.request("GET", path, "X-Pad: " + "p".repeat(padBytes));
        String expected = LoopProbes.sha256(files.bytes(path));
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send(request.repeat(count));
            for (int i = 0; i < count; i++) {
                LoopProbes.Streamed r = LoopProbes.readStreamed(c.input(), false);
                assertThat(r.status()).as("response %d of %d", i, count).isEqualTo(200);
                assertThat(r.bodySha256()).as("response %d of %d", i, count).isEqualTo(expected);
            }
            assertStillOpen(c);
        }
    }

    private void assertStillOpen(RawHttp.Conn c) throws IOException {
        RawHttp.Response r = c.send(RawHttp.get("/one.bin")).read();
        assertThat(r.status()).as("a request after them on the same connection").isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/one.bin"));
    }
}
