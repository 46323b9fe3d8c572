package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.compress.Codecs;
import io.uringhttpd.compress.ContentCoding;
import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * 10,000 distinct compressible files asked for with {@code Accept-Encoding: br} while the compression
 * pool has one thread and room for 4 waiting jobs, at brotli's slowest level: the pool is saturated
 * almost at once. Every request is still answered at once and exactly (the file as it is, or its br
 * variant when one was made), and once the server stops every fd it opened is closed again — the
 * dups handed to the pool, refused or not, and the unnamed cache files included.
 */
public abstract class CompressionSaturationContract {
    private static final int FILES = 10_000;
    private static final int PIPELINE = 100;

    protected abstract String engine();

    protected void assumeEngineAvailable() {}

    @Test
    void saturatedPoolNeitherStallsTheLoopNorLeaks() throws Exception {
        assumeEngineAvailable();
        Path root = Files.createTempDirectory("uring-httpd-saturation");
        Path cache = Files.createTempDirectory("uring-httpd-saturation-cache");
        try {
            List<byte[]> contents = new ArrayList<>();
            for (int i = 0; i < FILES; i++) {
                byte[] text = CompressionContract.text(400 + i % 200, i);
                contents.add(text);
                Files.write(root.resolve("f" + i + ".txt"), text);
            }
            Files.writeString(root.resolve("index.html"), "ok");
            // The JDK keeps a socket of its own from its first network use on: open it before counting.
            try (java.net.ServerSocket warm = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                 java.net.Socket client = new java.net.Socket(warm.getInetAddress(), warm.getLocalPort());
                 java.net.Socket accepted = warm.accept()) {
                assertThat(accepted.isConnected() && client.isConnected()).isTrue();
            }
            java.util.Set<String> fdsBefore = openFds();
            int encoded = 0;
            try (TestServer server = TestServer.start(engine(), root,
                    "uring-httpd.compression.threads=1", "uring-httpd.compression.queue-max=4",
                    "uring-httpd.compression.brotli-level=11", "uring-httpd.compression.variant-memory-bytes=0",
                    "uring-httpd.compression.cache-directory=\"" + cache + "\"",
                    "uring-httpd.open-file-cache.entries=20000")) {
                try (RawHttp.Conn c = RawHttp.open(server.port())) {
                    for (int from = 0; from < FILES; from += PIPELINE) {
                        StringBuilder batch = new StringBuilder();
                        for (int i = from; i < from + PIPELINE; i++) {
                            batch.append(RawHttp.request("GET", "/f" + i + ".txt", "Accept-Encoding: br"));
                        }
                        c.send(batch.toString());
                        for (int i = from; i < from + PIPELINE; i++) {
                            RawHttp.Response r = c.read();
                            assertThat(r.status()).isEqualTo(200);
                            if ("br".equals(r.header("Content-Encoding"))) {
                                encoded++;
                                assertThat(Codecs.decode(ContentCoding.BR, r.body())).isEqualTo(contents.get(i));
                            } else {
                                assertThat(r.body()).isEqualTo(contents.get(i));
                            }
                        }
                    }
                    // Again: some variants were made meanwhile (as many as the pool had time for).
                    for (int i = 0; i < 200; i++) {
                        RawHttp.Response r = c.send(RawHttp.request("GET", "/f" + i + ".txt", "Accept-Encoding: br")).read();
                        byte[] body = "br".equals(r.header("Content-Encoding")) ? Codecs.decode(ContentCoding.BR, r.body()) : r.body();
                        assertThat(body).isEqualTo(contents.get(i));
                    }
                }
            }
            assertThat(encoded).as("first requests encoded: nothing is ready before it is asked for").isZero();
            // Only what was added counts: an fd of an earlier test in this JVM may close meanwhile.
            java.util.Set<String> added = openFds();
            added.removeAll(fdsBefore);
            assertThat(added).as("fds opened since before the server started, after it stopped").isEmpty();
            try (Stream<Path> left = Files.list(cache)) {
                assertThat(left).as("named files in the cache directory").isEmpty();
            }
        } finally {
            delete(root);
            delete(cache);
        }
    }

    /** The test JVM's open fds, as "fd -> target". */
    private static java.util.Set<String> openFds() throws IOException {
        java.util.Set<String> out = new java.util.TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    out.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
                } catch (IOException gone) {
                    // the directory stream's own fd, closed by now
                }
            }
        }
        return out;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
