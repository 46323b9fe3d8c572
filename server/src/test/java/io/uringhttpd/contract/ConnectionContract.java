package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Persistence, pipelining and many connections (RFC 9112 9). */
public abstract class ConnectionContract extends ServerContract {

    /**
     * Heads and bodies that arrive in pieces, on many connections at once, their pieces interleaved:
     * each connection keeps its own parser state and body (lent by the loop only while a head or a
     * body is incomplete), and each gets the answer to its own request, again and again.
     */
    @Test
    void headsAndBodiesInPiecesOnManyConnectionsAtOnce() throws Exception {
        List<String> paths = List.of("/index.html", "/1k.bin", "/16k.bin", "/empty.bin");
        int n = 40;
        List<RawHttp.Conn> conns = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                conns.add(connect());
            }
            for (int round = 0; round < 3; round++) {
                String[][] pieces = new String[n][];
                for (int i = 0; i < n; i++) {
                    String path = paths.get((i + round) % paths.size());
                    boolean withBody = i % 3 == 0;
                    String head = (withBody ? "POST " : "GET ") + path + " HTTP/1.1\r\nHost: t\r\nX-Conn: " + i
                            + (withBody ? "\r\nContent-Length: 10" : "") + "\r\n\r\n";
                    int cut = 3 + i % (head.length() - 6);
                    pieces[i] = withBody
                            ? new String[] {head.substring(0, cut), head.substring(cut) + "01234", "56789"}
                            : new String[] {head.substring(0, cut), head.substring(cut, head.length() - 2), "\r\n"};
                }
                for (int piece = 0; piece < 3; piece++) {
                    for (int i = 0; i < n; i++) {
                        conns.get(i).send(pieces[i][piece]);
                    }
                    Thread.sleep(20); // let the loop read each piece on its own
                }
                for (int i = 0; i < n; i++) {
                    String path = paths.get((i + round) % paths.size());
                    RawHttp.Response r = conns.get(i).read();
                    if (i % 3 == 0) {
                        assertThat(r.status()).as("POST %s on connection %d", path, i).isEqualTo(405);
                    } else {
                        assertThat(r.status()).as("GET %s on connection %d, round %d: %s", path, i, round, r).isEqualTo(200);
                        assertThat(r.body()).as("%s on connection %d", path, i).isEqualTo(files.bytes(path));
                    }
                }
            }
        } finally {
            for (RawHttp.Conn c : conns) {
                c.close();
            }
        }
    }

    @Test
    void http10ClosesByDefault() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send("GET /index.html HTTP/1.0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.statusLine()).startsWith("HTTP/1.1 ");
            assertThat(r.hasToken("Connection", "keep-alive")).isFalse();
            assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
            assertClosed(c);
        }
    }

    @Test
    void http10KeepsAliveWhenAsked() throws IOException {
        try (RawHttp.Conn c = connect()) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = c.send("GET /1k.bin HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                // An HTTP/1.0 client only keeps the connection when the response says so.
                assertThat(r.hasToken("Connection", "keep-alive")).as("Connection: keep-alive in\n%s", r).isTrue();
                assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
            }
            RawHttp.Response last = c.send("GET /1k.bin HTTP/1.0\r\n\r\n").read();
            assertThat(last.status()).isEqualTo(200);
            assertClosed(c);
        }
    }

    @Test
    void http11KeepsAliveByDefault() throws IOException {
        try (RawHttp.Conn c = connect()) {
            for (String path : List.of("/index.html", "/1k.bin", "/16k.bin", "/empty.bin", "/1m.bin")) {
                RawHttp.Response r = c.send(RawHttp.get(path)).read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.hasToken("Connection", "close")).isFalse();
                assertThat(r.body()).isEqualTo(files.bytes(path));
            }
        }
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("GET", "/16k.bin", "Connection: close")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertThat(r.body()).isEqualTo(files.bytes("/16k.bin"));
            assertClosed(c);
        }
    }

    @Test
    void closeTokenIsFoundInAListCaseInsensitively() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("GET", "/1k.bin", "Connection: x-foo, Close")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.hasToken("Connection", "close")).isTrue();
            assertClosed(c);
        }
    }

    @Test
    void connectionCloseAfterPipelinedRequestsStopsThere() throws IOException {
        try (RawHttp.Conn c = connect()) {
            // The third request follows a Connection: close and must not be answered (RFC 9112 9.6).
            c.send(RawHttp.get("/one.bin") + RawHttp.request("GET", "/1k.bin", "Connection: close") + RawHttp.get("/16k.bin"));
            List<RawHttp.Response> rs = RawHttp.parseAll(c.readUntilEof());
            assertThat(rs).hasSize(2);
            assertThat(rs.get(0).body()).isEqualTo(files.bytes("/one.bin"));
            assertThat(rs.get(1).body()).isEqualTo(files.bytes("/1k.bin"));
        }
    }

    @Test
    void pipelinedMixedRequestsAreAnsweredInOrder() throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send(RawHttp.get("/1k.bin")
                    + RawHttp.request("HEAD", "/16k.bin")
                    + RawHttp.get("/no-such-file")
                    + RawHttp.request("HEAD", "/no-such-file")
                    + RawHttp.get("/style.css")
                    + RawHttp.request("HEAD", "/empty.bin")
                    + RawHttp.request("GET", "/index.html", "Connection: close"));
            List<RawHttp.Response> rs = RawHttp.parseAll(c.readUntilEof(), false, true, false, true, false, true, false);
            assertThat(rs).hasSize(7);
            assertThat(rs.get(0).status()).isEqualTo(200);
            assertThat(rs.get(0).body()).isEqualTo(files.bytes("/1k.bin"));
            assertThat(rs.get(1).status()).isEqualTo(200);
            assertThat(rs.get(1).header("Content-Length")).isEqualTo("16384");
            assertErrorPage(rs.get(2), 404);
            assertThat(rs.get(3).status()).isEqualTo(404);
            assertThat(rs.get(4).status()).isEqualTo(200);
            assertThat(rs.get(4).body()).isEqualTo(files.bytes("/style.css"));
            assertThat(rs.get(5).status()).isEqualTo(200);
            assertThat(rs.get(5).header("Content-Length")).isEqualTo("0");
            assertThat(rs.get(6).status()).isEqualTo(200);
            assertThat(rs.get(6).body()).isEqualTo(files.bytes("/index.html"));
        }
    }

    @Test
    void hundredPipelinedRequestsAreAnsweredInOrder() throws IOException {
        List<String> paths = List.of("/one.bin", "/1k.bin", "/index.html", "/16k.bin", "/missing-x", "/empty.bin", "/dir/");
        StringBuilder sb = new StringBuilder();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String path = paths.get(i % paths.size());
            sent.add(path);
            sb.append(i == 99 ? RawHttp.request("GET", path, "Connection: close") : RawHttp.get(path));
        }
        try (RawHttp.Conn c = connect()) {
            c.send(sb.toString());
            List<RawHttp.Response> rs = RawHttp.parseAll(c.readUntilEof());
            assertThat(rs).hasSize(100);
            for (int i = 0; i < 100; i++) {
                String path = sent.get(i);
                RawHttp.Response r = rs.get(i);
                if (path.startsWith("/missing")) {
                    assertThat(r.status()).as("#%d %s", i, path).isEqualTo(404);
                } else {
                    byte[] expected = path.equals("/dir/") ? files.bytes("/dir/index.html") : files.bytes(path);
                    assertThat(r.status()).as("#%d %s", i, path).isEqualTo(200);
                    assertThat(r.body()).as("#%d %s", i, path).isEqualTo(expected);
                }
            }
        }
    }

    @ParameterizedTest(name = "{1} requests with {0}-byte headers")
    @CsvSource({"1000, 60", "3000, 25", "8000, 10", "15000, 6"})
    void pipelinedRequestsLargerThanTheInputBufferAreAllAnswered(int padBytes, int count) throws IOException {
        // 60-90 KiB in one write: complete requests plus a partial one fill the read buffer again and again.
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append(RawHttp.request("GET", "/1k.bin", "X-Pad: " + "p".repeat(padBytes)));
        }
        sb.append(RawHttp.request("GET", "/one.bin", "Connection: close"));
        try (RawHttp.Conn c = connect()) {
            c.send(sb.toString());
            List<RawHttp.Response> rs = RawHttp.parseAll(c.readUntilEof());
            assertThat(rs).as("responses").hasSize(count + 1);
            for (int i = 0; i < count; i++) {
                assertThat(rs.get(i).status()).as("#%d", i).isEqualTo(200);
                assertThat(rs.get(i).body()).as("#%d", i).isEqualTo(files.bytes("/1k.bin"));
            }
            assertThat(rs.get(count).body()).isEqualTo(files.bytes("/one.bin"));
        }
    }

    @Test
    void pipelinedLargeFilesArriveByteExact() throws IOException {
        // Three 3 MiB bodies queued at once: the engine must resume partial writes in order.
        try (RawHttp.Conn c = connect()) {
            c.send(RawHttp.get("/3m.bin") + RawHttp.get("/1m.bin") + RawHttp.request("GET", "/3m.bin", "Connection: close"));
            List<RawHttp.Response> rs = RawHttp.parseAll(c.readUntilEof());
            assertThat(rs).hasSize(3);
            assertThat(Fixtures.sha256(rs.get(0).body())).isEqualTo(Fixtures.sha256(files.bytes("/3m.bin")));
            assertThat(Fixtures.sha256(rs.get(1).body())).isEqualTo(Fixtures.sha256(files.bytes("/1m.bin")));
            assertThat(Fixtures.sha256(rs.get(2).body())).isEqualTo(Fixtures.sha256(files.bytes("/3m.bin")));
        }
    }

    @Test
    void requestSentByteByByteIsParsed() throws IOException {
        String request = RawHttp.request("GET", "/1k.bin", "User-Agent: slow-but-steady", "Accept: */*");
        try (RawHttp.Conn c = connect()) {
            for (int i = 0; i < request.length(); i++) {
                c.send(request.substring(i, i + 1));
                if (i % 8 == 0) {
                    RequestParsingContract.sleepMs(1); // let some bytes arrive as separate reads
                }
            }
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
        }
    }

    @Test
    void requestSplitAcrossWritesInsidePipelineIsParsed() throws IOException {
        String two = RawHttp.get("/one.bin") + RawHttp.get("/1k.bin");
        int cut = RawHttp.get("/one.bin").length() + 7; // in the middle of the second request line
        try (RawHttp.Conn c = connect()) {
            c.send(two.substring(0, cut));
            RawHttp.Response first = c.read();
            assertThat(first.body()).isEqualTo(files.bytes("/one.bin"));
            c.send(two.substring(cut));
            RawHttp.Response second = c.read();
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).isEqualTo(files.bytes("/1k.bin"));
        }
    }

    @Test
    void requestFollowedByHalfCloseIsStillAnswered() throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send(RawHttp.get("/16k.bin"));
            c.shutdownOutput(); // FIN right after the request: the response must still come
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(files.bytes("/16k.bin"));
            assertClosed(c);
        }
    }

    @Test
    void clientResetMidResponseDoesNotDisturbTheServer() throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send(RawHttp.get("/3m.bin") + RawHttp.get("/3m.bin"));
            c.input().readNBytes(1000);
            c.closeWithReset(); // the server sees ECONNRESET/EPIPE mid-sendfile
        }
        // serverStillServes() (after each test) checks the loop survived.
    }

    @Test
    void thousandConcurrentConnectionsAreServed() throws IOException {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        long fdMax = os instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 0;
        // 1000 client sockets + 1000 server sockets in this one JVM, plus files and the rest.
        assumeTrue(fdMax >= 2500, "open-file limit " + fdMax + " is below 2500 (raise ulimit -n)");
        List<String> paths = List.of("/one.bin", "/1k.bin", "/16k.bin", "/index.html");
        List<RawHttp.Conn> conns = new ArrayList<>(1000);
        try {
            for (int i = 0; i < 1000; i++) {
                conns.add(connect());
            }
            for (int i = 0; i < 1000; i++) {
                conns.get(i).send(RawHttp.get(paths.get(i % paths.size())));
            }
            for (int i = 0; i < 1000; i++) {
                RawHttp.Response r = conns.get(i).read();
                String path = paths.get(i % paths.size());
                assertThat(r.status()).as("connection #%d", i).isEqualTo(200);
                assertThat(r.body()).as("connection #%d %s", i, path).isEqualTo(files.bytes(path));
            }
            // All 1000 are still open and usable (none was dropped to make room).
            for (int i = 0; i < 1000; i += 97) {
                assertStillOpen(conns.get(i));
            }
        } finally {
            for (RawHttp.Conn c : conns) {
                c.closeWithReset();
            }
        }
    }
}
