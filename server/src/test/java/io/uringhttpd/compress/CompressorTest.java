package io.uringhttpd.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every compressor at its low, middle and top levels, checked by an independent decoder. */
class CompressorTest {
    private static final int TEXT_BYTES = 300 * 1024;

    static Stream<Compressor> compressors() {
        return Stream.of(new GzipCompressor(1), new GzipCompressor(6), new GzipCompressor(9),
                new ZstdCompressor(1), new ZstdCompressor(3), new ZstdCompressor(19), new ZstdCompressor(22),
                new BrotliCompressor(0), new BrotliCompressor(5), new BrotliCompressor(11));
    }

    @ParameterizedTest
    @MethodSource("compressors")
    void textRoundTripsAndShrinks(Compressor c) throws Exception {
        byte[] text = Codecs.projectText(TEXT_BYTES);
        assertThat(text).hasSize(TEXT_BYTES);
        long start = System.nanoTime();
        byte[] encoded = Codecs.compress(c, text);
        long micros = (System.nanoTime() - start) / 1000;
        System.out.printf("%s level %d: %d -> %d bytes (%.1f %%) in %.1f ms%n", c.coding().token(), c.level(),
                text.length, encoded.length, 100.0 * encoded.length / text.length, micros / 1000.0);
        assertThat(encoded.length).isLessThan(text.length / 2);
        assertMagic(c.coding(), encoded);
        assertThat(Codecs.decode(c.coding(), encoded)).isEqualTo(text);
    }

    @ParameterizedTest
    @MethodSource("compressors")
    void emptyAndOneByteInputsMakeValidStreams(Compressor c) throws Exception {
        for (byte[] input : List.of(new byte[0], new byte[] {'x'})) {
            byte[] encoded = Codecs.compress(c, input);
            assertThat((long) encoded.length).isPositive().isLessThanOrEqualTo(c.maxCompressedBytes(input.length));
            assertMagic(c.coding(), encoded);
            assertThat(Codecs.decode(c.coding(), encoded)).isEqualTo(input);
        }
    }

    /** Incompressible input is where the output is largest: it must still fit the bound. */
    @ParameterizedTest
    @MethodSource("compressors")
    void randomBytesFitTheBound(Compressor c) throws Exception {
        byte[] random = new byte[1 << 20];
        new Random(42).nextBytes(random);
        byte[] encoded = Codecs.compress(c, random);
        assertThat((long) encoded.length).isLessThanOrEqualTo(c.maxCompressedBytes(random.length));
        assertThat(Codecs.decode(c.coding(), encoded)).isEqualTo(random);
    }

    /** The worker pool calls one compressor from several threads at once. */
    @ParameterizedTest
    @MethodSource("compressors")
    void severalThreadsAtOnce(Compressor c) throws Exception {
        byte[] text = Codecs.projectText(64 * 1024);
        int threads = 4;
        List<byte[]> inputs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            byte[] input = Arrays.copyOfRange(text, t * 1000, text.length); // a different input per thread
            inputs.add(input);
        }
        List<Future<byte[]>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int round = 0; round < 3; round++) {
                for (byte[] input : inputs) {
                    results.add(pool.submit(() -> Codecs.compress(c, input)));
                }
            }
        }
        for (int i = 0; i < results.size(); i++) {
            assertThat(Codecs.decode(c.coding(), results.get(i).get())).isEqualTo(inputs.get(i % threads));
        }
    }

    @ParameterizedTest
    @MethodSource("compressors")
    void aTargetBelowTheBoundOrOnTheHeapIsRefused(Compressor c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(100);
            MemorySegment small = arena.allocate(c.maxCompressedBytes(100) - 1);
            assertThatThrownBy(() -> c.compress(source, small))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below the bound");
            MemorySegment heap = MemorySegment.ofArray(new byte[(int) c.maxCompressedBytes(100)]);
            assertThatThrownBy(() -> c.compress(source, heap))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native");
        }
    }

    /** gzip: ID1 ID2 CM=8 (RFC 1952 §2.3.1); zstd: the frame magic 0xFD2FB528, little-endian (RFC 8878 §3.1.1). */
    private static void assertMagic(ContentCoding coding, byte[] encoded) {
        switch (coding) {
            case GZIP -> assertThat(Arrays.copyOf(encoded, 3)).containsExactly(0x1f, 0x8b, 0x08);
            case ZSTD -> assertThat(Arrays.copyOf(encoded, 4)).containsExactly(0x28, 0xb5, 0x2f, 0xfd);
            case BR -> { } // brotli streams have no magic number
        }
    }
}
