package io.uringhttpd.engine.iouring;

import io.uringhttpd.engine.LoopProbes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.contract.Fixtures;
import io.uringhttpd.contract.Ranges;
import io.uringhttpd.contract.RawHttp;
import io.uringhttpd.engine.LoopCounters;
import io.uringhttpd.sys.Syscalls;
import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every body strategy of the proactor delivers exact bytes (sha256 against the file):
 * bodies up to {@code small-file-bytes} from the open-file cache's memory (copied into the
 * output buffer beside the head, or sent as a part of their own when the buffer is full),
 * larger ones by SPLICE file → pooled pipe → socket in chunks of the pipe's capacity
 * ({@link #PIPE_CHUNK}, 1 MiB). The sizes sit on
 * both sides of each boundary of the three settings the subclasses run (0, 4k, 32k).
 * One loop, so its counters say which path a body took.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BodyStrategiesContract {
    /**
     * The most one file → pipe SPLICE moves: the capacity the kernel grants a pooled pipe for the
     * loop's own request (IoUringLoop.PIPE_BYTES, read here rather than written a second time;
     * 1 MiB today, and a granted capacity may be less: fs.pipe-max-size, pipe-user-pages-soft).
     */
    static final long PIPE_CHUNK = grantedPipeBytes();
    /** Sizes on both sides of every boundary: small-file-bytes 4k and 32k, the splice chunk, and 64 MiB. */
    static final long[] SIZES = {0, 1, 4095, 4096, 4097, 32767, 32768, 32769,
        PIPE_CHUNK - 1, PIPE_CHUNK, PIPE_CHUNK + 1, 3L << 20, 64L << 20};

    /** A pool like the loop's, asked for the loop's PIPE_BYTES: the capacity its first pipe got. */
    private static long grantedPipeBytes() {
        int asked = IoUringLoop.PIPE_BYTES;
        PipePool pool = new PipePool(new Syscalls(), asked);
        try {
            int pipe = pool.take();
            if (pipe < 0) {
                throw new IllegalStateException("pipe2: " + pipe);
            }
            return pool.capacity(pipe);
        } finally {
            pool.close();
        }
    }

    Fixtures files;
    TestServer server;
    final Map<Long, String> sha = new LinkedHashMap<>();

    /** The setting under test, in bytes. */
    abstract int smallFileBytes();

    static String path(long size) {
        return "/sized/" + size + ".bin";
    }

    LongStream sizes() {
        return LongStream.of(SIZES);
    }

    @BeforeAll
    void start() throws Exception {
        LoopProbes.assumeIoUring();
        files = Fixtures.create();
        for (long size : SIZES) {
            sha.put(size, LoopProbes.writeRandom(files.root.resolve(Path.of("sized", size + ".bin")), size, size));
        }
        server = TestServer.start("io_uring", files.root, "uring-httpd.small-file-bytes=" + smallFileBytes(),
                "uring-httpd.loops-per-worker=1");
    }

    @AfterAll
    void stop() throws IOException {
        Fixtures.stop(server, files);
    }

    /** Whatever a test did, the loop holds nothing for its closed connections and still serves. */
    @AfterEach
    void releasedAndStillServing() throws IOException {
        LoopProbes.awaitReleased(server, Duration.ofSeconds(5));
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            // The empty response behind it arrives once the 1 KiB body is fully sent: the loop's
            // counters are final for the next test's baseline.
            c.send(RawHttp.get("/1k.bin") + RawHttp.get("/empty.bin"));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    LoopCounters counters() {
        return LoopProbes.loop(server, 0).counters();
    }

    boolean fromMemory(long size) {
        return size <= smallFileBytes();
    }

    @Test
    void theSpliceChunkLiesBetweenTheOtherBoundaries() {
        // Else PIPE_CHUNK ± 1 would test a boundary the others already cover (or none).
        assertThat(PIPE_CHUNK).as("granted pipe capacity").isGreaterThan(32769).isLessThan(3L << 20);
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("sizes")
    void getIsByteExactAndTakesTheStrategyForItsSize(long size) throws IOException {
        long spliced = counters().bytesFromFile;
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            // A second request behind it: its answer comes only after the first body is fully sent
            // (the proactor holds pipelined requests while a body is pending), so the counters are final then.
            c.send(RawHttp.get(path(size)) + RawHttp.get("/empty.bin"));
            LoopProbes.Streamed r = LoopProbes.readStreamed(c.input(), false);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(size));
            assertThat(r.bodyLength()).isEqualTo(size);
            assertThat(r.bodySha256()).as("sha256 of the %d byte body", size).isEqualTo(sha.get(size));
            LoopProbes.Streamed after = LoopProbes.readStreamed(c.input(), false);
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.bodyLength()).isZero();
        }
        long splicedNow = counters().bytesFromFile - spliced;
        assertThat(splicedNow).as("bytes spliced for a %d byte file with small-file-bytes=%d", size, smallFileBytes())
                .isEqualTo(fromMemory(size) ? 0 : size);
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("sizes")
    void headAnnouncesTheSizeAndSendsNoBody(long size) throws IOException {
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            // The GET behind the HEAD shows that no body byte leaked between the two responses.
            c.send(RawHttp.request("HEAD", path(size)) + RawHttp.get("/one.bin"));
            RawHttp.Response head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(size));
            RawHttp.Response next = c.read();
            assertThat(next.status()).as("the response after HEAD:\n%s", next).isEqualTo(200);
            assertThat(next.body()).isEqualTo(files.bytes("/one.bin"));
        }
    }

    @Test
    void threePipelinedBigBodiesInOneWrite() throws IOException {
        long size = 3L << 20;
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send(RawHttp.get(path(size)).repeat(3));
            for (int i = 0; i < 3; i++) {
                LoopProbes.Streamed r = LoopProbes.readStreamed(c.input(), false);
                assertThat(r.status()).as("response %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodySha256()).as("response %d", i).isEqualTo(sha.get(size));
            }
            assertStillOpen(c);
        }
    }

    @Test
    void mixedPipelineKeepsOrderAndBytes() throws IOException {
        // Memory bodies around the setting, splices around the pipe chunk, a HEAD of a spliced
        // size and 64 MiB in the middle: every transition between strategies on one connection.
        long s = Math.max(1, smallFileBytes());
        long[] order = {s, PIPE_CHUNK + 1, 1, s + 1, 64L << 20, s - 1 > 0 ? s - 1 : 0, PIPE_CHUNK - 1, 0, s, PIPE_CHUNK};
        List<Long> known = new ArrayList<>();
        StringBuilder requests = new StringBuilder();
        for (long size : order) {
            long pick = sha.containsKey(size) ? size : 1;
            known.add(pick);
            requests.append(RawHttp.get(path(pick)));
        }
        requests.append(RawHttp.request("HEAD", path(PIPE_CHUNK + 1)));
        requests.append(RawHttp.get(path(1)));
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send(requests.toString());
            for (int i = 0; i < known.size(); i++) {
                LoopProbes.Streamed r = LoopProbes.readStreamed(c.input(), false);
                assertThat(r.status()).as("response %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodySha256()).as("response %d (%d bytes)", i, known.get(i)).isEqualTo(sha.get(known.get(i)));
            }
            LoopProbes.Streamed head = LoopProbes.readStreamed(c.input(), true);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(PIPE_CHUNK + 1));
            LoopProbes.Streamed last = LoopProbes.readStreamed(c.input(), false);
            assertThat(last.bodySha256()).isEqualTo(sha.get(1L));
        }
    }

    @Test
    void pipelinedMemoryBodiesThatOverflowTheOutputBuffer() throws IOException {
        // The first small body is copied beside its head; once the output buffer is full the
        // next ones leave as parts of their own (SEND straight from the cached body).
        long size = Math.max(1, smallFileBytes());
        int count = 12;
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send((RawHttp.get(path(size)) + RawHttp.get(path(size - 1 > 0 ? size - 1 : 0))).repeat(count / 2));
            for (int i = 0; i < count; i++) {
                long expected = i % 2 == 0 ? size : (size - 1 > 0 ? size - 1 : 0);
                LoopProbes.Streamed r = LoopProbes.readStreamed(c.input(), false);
                assertThat(r.status()).as("response %d", i).isEqualTo(200);
                assertThat(r.bodySha256()).as("response %d (%d bytes)", i, expected).isEqualTo(sha.get(expected));
            }
            assertStillOpen(c);
        }
    }

    @Test
    void pipelinedMultipartResponsesOfACachedBody() throws IOException {
        // Multipart parts of a memory body point into the cached copy: once the output buffer holds
        // one such response, the next ones leave part by part (boundary, slice, boundary...).
        long size = Math.max(4096, smallFileBytes());
        byte[] whole = java.nio.file.Files.readAllBytes(files.root.resolve(Path.of("sized", size + ".bin")));
        String spec = "bytes=0-" + (size / 2) + "," + (size / 2 + 2) + "-" + (size - 2);
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            c.send(RawHttp.request("GET", path(size), "Range: " + spec).repeat(4));
            for (int i = 0; i < 4; i++) {
                List<Ranges.Part> parts = Ranges.parts(c.read());
                assertThat(parts).as("response %d", i).hasSize(2);
                for (Ranges.Part p : parts) {
                    assertThat(p.bytes()).as("response %d, part %s", i, p.range())
                            .isEqualTo(java.util.Arrays.copyOfRange(whole, (int) p.start(), (int) p.end() + 1));
                }
            }
            assertStillOpen(c);
        }
    }

    @Test
    void singleRangesOfTheSparseFileBeyond4GiB() throws IOException {
        assumeTrue(files.bigFileProblem == null, () -> files.bigFileProblem);
        long g4 = 1L << 32;
        long size = Fixtures.BIG_SIZE;
        long[][] ranges = {
            {g4, g4 + 2 * PIPE_CHUNK - 1},                    // exactly at 4 GiB, two whole splice chunks
            {g4 - PIPE_CHUNK / 2, g4 + PIPE_CHUNK + 99},      // crosses 4 GiB inside a chunk, ends inside the next
            {size - 3 * PIPE_CHUNK - 7, size - 1},            // the tail, with a short last chunk
            {size - 1, size - 1},                             // the last byte
            {g4 + 13, g4 + 13 + 103},                         // small (memory-sized) but still from the file
        };
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            for (long[] r : ranges) {
                c.send(RawHttp.request("GET", Fixtures.BIG_PATH, "Range: bytes=" + r[0] + "-" + r[1]));
                RawHttp.Response resp = c.read();
                List<Ranges.Part> parts = Ranges.parts(resp);
                assertThat(parts).hasSize(1);
                assertThat(parts.getFirst().start()).isEqualTo(r[0]);
                assertThat(parts.getFirst().end()).isEqualTo(r[1]);
                assertThat(LoopProbes.sha256(parts.getFirst().bytes())).as("range %d-%d", r[0], r[1])
                        .isEqualTo(LoopProbes.sha256(Fixtures.bigSlice(r[0], r[1])));
            }
            // Suffix and open-ended forms, on the same connection.
            c.send(RawHttp.request("GET", Fixtures.BIG_PATH, "Range: bytes=-" + (PIPE_CHUNK + 5)));
            Ranges.Part suffix = Ranges.parts(c.read()).getFirst();
            assertThat(suffix.start()).isEqualTo(size - PIPE_CHUNK - 5);
            assertThat(suffix.bytes()).isEqualTo(Fixtures.bigSlice(size - PIPE_CHUNK - 5, size - 1));
            c.send(RawHttp.request("GET", Fixtures.BIG_PATH, "Range: bytes=" + (size - 1000) + "-"));
            Ranges.Part open = Ranges.parts(c.read()).getFirst();
            assertThat(open.bytes()).isEqualTo(Fixtures.bigSlice(size - 1000, size - 1));
        }
    }

    @Test
    void multipartRangesOfTheSparseFileBeyond4GiB() throws IOException {
        assumeTrue(files.bigFileProblem == null, () -> files.bigFileProblem);
        long g4 = 1L << 32;
        long size = Fixtures.BIG_SIZE;
        String spec = "bytes=0-99," + (g4 - 10) + "-" + (g4 + PIPE_CHUNK + 10) + "," + (g4 + 3 * PIPE_CHUNK) + "-"
                + (g4 + 3 * PIPE_CHUNK + 2) + "," + (size - 2 * PIPE_CHUNK + 1) + "-" + (size - 1);
        try (RawHttp.Conn c = RawHttp.open(server.port())) {
            // Twice on one connection: the second multipart reuses the plan, the pipe and the output buffer.
            for (int round = 0; round < 2; round++) {
                c.send(RawHttp.request("GET", Fixtures.BIG_PATH, "Range: " + spec));
                RawHttp.Response r = c.read();
                List<Ranges.Part> parts = Ranges.parts(r);
                assertThat(parts).extracting(Ranges.Part::range).containsExactly("0-99",
                        (g4 - 10) + "-" + (g4 + PIPE_CHUNK + 10),
                        (g4 + 3 * PIPE_CHUNK) + "-" + (g4 + 3 * PIPE_CHUNK + 2),
                        (size - 2 * PIPE_CHUNK + 1) + "-" + (size - 1));
                for (Ranges.Part p : parts) {
                    assertThat(p.total()).isEqualTo(size);
                    assertThat(LoopProbes.sha256(p.bytes())).as("part %s", p.range())
                            .isEqualTo(LoopProbes.sha256(Fixtures.bigSlice(p.start(), p.end())));
                }
            }
        }
    }

    @Test
    void rangesOfMemoryAndSplicedFiles() throws IOException {
        // A single range and a multipart of files on both sides of the setting: ranges of a cached
        // body point into its memory, ranges of a bigger file are spliced from their offset.
        for (long size : new long[] {Math.max(2, smallFileBytes()), smallFileBytes() + 1, PIPE_CHUNK + 1, 3L << 20}) {
            if (!sha.containsKey(size) || size < 4) {
                continue;
            }
            byte[] whole = java.nio.file.Files.readAllBytes(files.root.resolve(Path.of("sized", size + ".bin")));
            try (RawHttp.Conn c = RawHttp.open(server.port())) {
                long last = size - 1;
                c.send(RawHttp.request("GET", path(size), "Range: bytes=1-" + (last - 1)));
                Ranges.Part one = Ranges.parts(c.read()).getFirst();
                assertThat(one.bytes()).as("bytes=1-%d of %d", last - 1, size)
                        .isEqualTo(java.util.Arrays.copyOfRange(whole, 1, (int) last));
                long mid = size / 2;
                c.send(RawHttp.request("GET", path(size), "Range: bytes=0-0," + mid + "-" + (mid + 1) + ",-1"));
                List<Ranges.Part> parts = Ranges.parts(c.read());
                assertThat(parts).hasSize(mid + 1 < last ? 3 : 2);
                for (Ranges.Part p : parts) {
                    assertThat(p.bytes()).as("part %s of %d", p.range(), size)
                            .isEqualTo(java.util.Arrays.copyOfRange(whole, (int) p.start(), (int) p.end() + 1));
                }
            }
        }
    }

    static void assertStillOpen(RawHttp.Conn c) throws IOException {
        c.send(RawHttp.get("/one.bin"));
        InputStream in = c.input();
        LoopProbes.Streamed r = LoopProbes.readStreamed(in, false);
        assertThat(r.status()).as("a follow-up request on the same connection").isEqualTo(200);
        assertThat(r.bodyLength()).isEqualTo(1);
    }
}
