package io.uringhttpd.compress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gzip (RFC 1952) with the JDK's {@link Deflater}: a raw deflate stream ({@code nowrap}) between
 * a hand-written 10-byte header and 8-byte trailer, straight from and to native memory through
 * direct {@link ByteBuffer} views (no copy onto the heap). {@code java.util.zip.GZIPOutputStream}
 * would need a heap array per write and a stream per file.
 *
 * <p>Segments are limited to 2 GiB - 1 ({@link MemorySegment#asByteBuffer()}): far above the
 * files this serves compressed.
 */
public final class GzipCompressor implements Compressor {
    public static final int MIN_LEVEL = Deflater.BEST_SPEED;
    public static final int MAX_LEVEL = Deflater.BEST_COMPRESSION;

    /**
     * ID1 ID2 (1f 8b), CM = 8 (deflate), FLG = 0 (no name, comment, extra or header CRC),
     * MTIME = 0 (none: the body must not depend on when it was made), XFL = 0, OS = 3 (Unix).
     * XFL stays 0 rather than 2/4 for levels 9/1: RFC 1952 makes it informative only.
     */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    /** CRC32 then ISIZE, both little-endian. */
    private static final int TRAILER_BYTES = 8;
    private static final ValueLayout.OfInt LE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int level;

    public GzipCompressor(int level) {
        Compressors.checkLevel(ContentCoding.GZIP, level, MIN_LEVEL, MAX_LEVEL);
        this.level = level;
    }

    @Override
    public ContentCoding coding() {
        return ContentCoding.GZIP;
    }

    @Override
    public int level() {
        return level;
    }

    /**
     * zlib's deflateBound for a raw stream with Deflater's window (15 bits) and memLevel (8):
     * {@code n + (n >> 12) + (n >> 14) + (n >> 25) + 7}, plus header and trailer. The 1 MiB
     * random-bytes test checks that incompressible input fits.
     */
    @Override
    public long maxCompressedBytes(long sourceBytes) {
        long n = sourceBytes;
        return n + (n >> 12) + (n >> 14) + (n >> 25) + 7 + HEADER.length + TRAILER_BYTES;
    }

    @Override
    public long compress(MemorySegment source, MemorySegment target) {
        Compressors.checkSegments(this, source, target);
        long bound = maxCompressedBytes(source.byteSize());
        if (bound > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("gzip works on under 2 GiB, not " + source.byteSize() + " bytes");
        }
        MemorySegment out = target.asSlice(0, bound);
        MemorySegment.copy(HEADER, 0, out, JAVA_BYTE, 0, HEADER.length);
        long bodyEnd = HEADER.length + deflate(source.asByteBuffer(),
                out.asSlice(HEADER.length, bound - HEADER.length - TRAILER_BYTES).asByteBuffer());
        CRC32 crc = new CRC32();
        crc.update(source.asByteBuffer());
        out.set(LE_INT, bodyEnd, (int) crc.getValue());
        out.set(LE_INT, bodyEnd + 4, (int) source.byteSize()); // ISIZE: the size mod 2^32
        return bodyEnd + TRAILER_BYTES;
    }

    /** The raw deflate stream of all of {@code in} into {@code out}; its length. */
    private long deflate(ByteBuffer in, ByteBuffer out) {
        Deflater deflater = new Deflater(level, true);
        try {
            deflater.setInput(in);
            deflater.finish();
            while (!deflater.finished()) {
                if (deflater.deflate(out) == 0 && !out.hasRemaining()) {
                    throw new IllegalStateException("deflate output exceeded its bound of " + out.capacity() + " bytes");
                }
            }
            return out.position();
        } finally {
            deflater.end();
        }
    }
}
