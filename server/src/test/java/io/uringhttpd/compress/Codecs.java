package io.uringhttpd.compress;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Test helpers: run a compressor over heap bytes, and decode with an independent decoder (the
 * JDK's GZIPInputStream; the zstd and brotli command-line tools, Debian packages zstd and brotli).
 */
public final class Codecs {
    private Codecs() {
    }

    /** {@code c} over a native copy of {@code input}, into a target exactly the bound long. */
    public static byte[] compress(Compressor c, byte[] input) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(Math.max(1, input.length)).asSlice(0, input.length);
            MemorySegment.copy(input, 0, source, ValueLayout.JAVA_BYTE, 0, input.length);
            MemorySegment target = arena.allocate(c.maxCompressedBytes(input.length));
            long written = c.compress(source, target);
            if (written < 0 || written > target.byteSize()) {
                throw new AssertionError(c.coding() + " wrote " + written + " of " + target.byteSize());
            }
            return target.asSlice(0, written).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    public static byte[] decode(ContentCoding coding, byte[] encoded) throws IOException, InterruptedException {
        return switch (coding) {
            case GZIP -> {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(encoded))) {
                    yield in.readAllBytes();
                }
            }
            case ZSTD -> decodeWithTool("zstd", encoded);
            case BR -> decodeWithTool("brotli", encoded);
        };
    }

    /** {@code tool -d -c} on a file holding {@code encoded}; skips the test where the tool is missing. */
    private static byte[] decodeWithTool(String tool, byte[] encoded) throws IOException, InterruptedException {
        assumeTrue(toolPresent(tool), "install " + tool + " (Debian package " + tool + ") to check its output");
        Path in = Files.createTempFile("compressed", ".bin");
        Path err = Files.createTempFile("decoder", ".err");
        try {
            Files.write(in, encoded);
            Process p = new ProcessBuilder(tool, "-d", "-c", in.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(err.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            int exit = p.waitFor();
            if (exit != 0) {
                throw new AssertionError(tool + " -d exited with " + exit + ": " + Files.readString(err));
            }
            return out;
        } finally {
            Files.delete(in);
            Files.delete(err);
        }
    }

    private static boolean toolPresent(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * About {@code bytes} of real, varied text: the project's README and sources, concatenated
     * in path order and cut (rather than one file repeated, which any long-window compressor
     * turns into back-references and so flatters both ratio and speed).
     */
    public static byte[] projectText(int bytes) throws IOException {
        byte[] out = new byte[bytes];
        int filled = 0;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            Iterable<Path> sources = Stream.concat(Stream.of(Path.of("../README.md")),
                    files.filter(p -> p.toString().endsWith(".java")).sorted(Comparator.naturalOrder()))::iterator;
            for (Path f : sources) {
                byte[] b = Files.readAllBytes(f);
                int n = Math.min(b.length, bytes - filled);
                System.arraycopy(b, 0, out, filled, n);
                filled += n;
                if (filled == bytes) {
                    return out;
                }
            }
        }
        return Arrays.copyOf(out, filled);
    }
}
