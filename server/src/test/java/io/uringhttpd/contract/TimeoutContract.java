package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Idle and slow clients, with short timeouts (header read 1 s, keep-alive idle 1 s, send 2 s).
 * The bounds are generous (several seconds): they separate "closed by the timeout" from
 * "held forever", they do not measure speed.
 */
public abstract class TimeoutContract extends ServerContract {

    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.timeouts.header-read=1s", "uring-httpd.timeouts.keepalive-idle=1s",
            "uring-httpd.timeouts.send=2s"};
    }

    @Test
    void slowlorisIsClosedByTheHeaderTimeout() throws IOException {
        String drip = "X-Slow: " + "a".repeat(64);
        try (RawHttp.Conn c = connect()) {
            long start = System.nanoTime();
            c.send("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            int sent = 0;
            boolean closed = false;
            // One header byte every 300 ms: each read resets an idle timer, only a deadline for the head stops it.
            while (sent < 30 && !closed) {
                try {
                    c.send(drip.substring(sent, sent + 1));
                    sent++;
                } catch (IOException e) {
                    closed = true; // EPIPE/ECONNRESET: the server is gone
                    break;
                }
                closed = c.closedWithin(Duration.ofMillis(300));
            }
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(closed).as("closed after %d bytes, %d ms", sent, elapsedMs).isTrue();
            assertThat(sent).as("header bytes the slow client got to send").isLessThan(30);
            assertThat(elapsedMs).isLessThan(5000);
        }
    }

    @Test
    void connectionThatSendsNothingIsClosed() throws IOException {
        try (RawHttp.Conn c = connect()) {
            long start = System.nanoTime();
            assertThat(c.closedWithin(Duration.ofSeconds(5))).as("closed within 5 s").isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms until close").isGreaterThanOrEqualTo(500);
        }
    }

    @Test
    void partialRequestLineIsClosed() throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send("GET /index.ht");
            assertThat(c.closedWithin(Duration.ofSeconds(5))).as("closed within 5 s").isTrue();
            // A 408 before the close is allowed; a 200 is not (the request never completed).
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedSilently() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.get("/1k.bin")).read();
            assertThat(r.status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThat(c.closedWithin(Duration.ofSeconds(5))).as("idle keep-alive closed within 5 s").isTrue();
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMs).as("ms until the idle close (keepalive-idle=1s)").isBetween(500L, 5000L);
            // RFC 9112 9.5: an idle close sends nothing (a request may be crossing it).
            assertThat(c.unexpectedBytes()).isZero();
        }
    }

    @Test
    void activeKeepAliveConnectionIsNotClosedEarly() throws IOException {
        try (RawHttp.Conn c = connect()) {
            // Requests 400 ms apart for 2.4 s: each resets the idle timer, none may find the connection closed.
            for (int i = 0; i < 6; i++) {
                RawHttp.Response r = c.send(RawHttp.get("/one.bin")).read();
                assertThat(r.status()).as("request %d", i).isEqualTo(200);
                RequestParsingContract.sleepMs(400);
            }
        }
    }

    @Test
    void slowReaderDoesNotDelayOthers() throws Exception {
        byte[] big = files.bytes("/3m.bin");
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096); // before connect, so the window stays small
            slow.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            slow.setSoTimeout(10_000);
            slow.getOutputStream().write(RawHttp.latin1(RawHttp.get("/3m.bin") + RawHttp.get("/3m.bin")));
            slow.getOutputStream().flush();
            RequestParsingContract.sleepMs(300); // the server fills the socket buffers and meets EAGAIN

            long start = System.nanoTime();
            for (String path : List.of("/1k.bin", "/1m.bin", "/index.html")) {
                RawHttp.Response r = exchange(RawHttp.get(path));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(files.bytes(path));
            }
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(elapsedMs).as("ms for three requests while a reader is stuck").isLessThan(2000);

            // The stalled transfer resumes once the reader reads: both bodies complete and exact.
            InputStream in = slow.getInputStream();
            List<RawHttp.Response> rs = RawHttp.parseAll(readResponses(in, 2, big.length));
            assertThat(rs).hasSize(2);
            assertThat(Fixtures.sha256(rs.get(0).body())).isEqualTo(Fixtures.sha256(big));
            assertThat(Fixtures.sha256(rs.get(1).body())).isEqualTo(Fixtures.sha256(big));
        }
    }

    @Test
    void stalledReaderIsClosedBySendTimeout() throws Exception {
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", port()), 5000);
            // 9 MiB queued: far more than socket buffers hold, so the server's sends stop making progress.
            stalled.getOutputStream().write(RawHttp.latin1(RawHttp.get("/3m.bin") + RawHttp.get("/3m.bin") + RawHttp.get("/3m.bin")));
            stalled.getOutputStream().flush();
            RequestParsingContract.sleepMs(5000); // send timeout 2 s, plus the timer's granularity
            stalled.setSoTimeout(5000);
            long received = 0;
            byte[] buf = new byte[64 * 1024];
            try {
                int n;
                while ((n = stalled.getInputStream().read(buf)) >= 0) {
                    received += n;
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("connection still open after a 5 s stall with send=2s ("
                        + received + " bytes received)", e);
            } catch (java.net.SocketException reset) {
                // closed with RST: also a close
            }
            assertThat(received).as("bytes before the close").isLessThan(3L * files.bytes("/3m.bin").length);
        }
    }

    /** Reads until `count` responses of `bodyLength` bytes each have arrived (heads are small). */
    private static byte[] readResponses(InputStream in, int count, int bodyLength) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long minimum = (long) count * bodyLength;
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            if (out.size() >= minimum) {
                byte[] sofar = out.toByteArray();
                try {
                    if (RawHttp.parseAll(sofar).size() == count) {
                        return sofar;
                    }
                } catch (IOException incomplete) {
                    // keep reading
                }
            }
        }
        return out.toByteArray();
    }
}
