package io.uringhttpd.compress;

import io.uringhttpd.sys.BrotliEncoderLibrary;
import java.lang.foreign.MemorySegment;

/**
 * brotli (RFC 7932) through libbrotlienc's one-shot BrotliEncoderCompress, with the defaults of
 * the brotli CLI: a 4 MiB window (BROTLI_DEFAULT_WINDOW) and BROTLI_MODE_GENERIC. Quality 0..11;
 * 10 and 11 are far slower than the rest (see the tests' timing line).
 */
public final class BrotliCompressor implements Compressor {
    public static final int MIN_QUALITY = BrotliEncoderLibrary.MIN_QUALITY;
    public static final int MAX_QUALITY = BrotliEncoderLibrary.MAX_QUALITY;

    private final BrotliEncoderLibrary brotli;
    private final int quality;

    /** With the system's libbrotlienc; IllegalStateException with the loader's reason if it is missing. */
    public BrotliCompressor(int quality) {
        this(Compressors.require(BrotliEncoderLibrary.load(), ContentCoding.BR), quality);
    }

    BrotliCompressor(BrotliEncoderLibrary brotli, int quality) {
        Compressors.checkLevel(ContentCoding.BR, quality, MIN_QUALITY, MAX_QUALITY);
        this.brotli = brotli;
        this.quality = quality;
    }

    @Override
    public ContentCoding coding() {
        return ContentCoding.BR;
    }

    /** The quality. */
    @Override
    public int level() {
        return quality;
    }

    /** BrotliEncoderMaxCompressedSize; it returns 0 when the bound does not fit a size_t. */
    @Override
    public long maxCompressedBytes(long sourceBytes) {
        long bound = brotli.maxCompressedSize(sourceBytes);
        if (bound == 0) {
            throw new IllegalArgumentException("brotli cannot bound " + sourceBytes + " bytes (BrotliEncoderMaxCompressedSize is 0)");
        }
        return bound;
    }

    @Override
    public long compress(MemorySegment source, MemorySegment target) {
        Compressors.checkSegments(this, source, target);
        long written = brotli.compress(quality, BrotliEncoderLibrary.DEFAULT_WINDOW, BrotliEncoderLibrary.MODE_GENERIC,
                source.address(), source.byteSize(), target.address(), target.byteSize());
        if (written < 0) {
            throw new IllegalStateException("BrotliEncoderCompress failed (BROTLI_FALSE) on " + source.byteSize()
                    + " bytes at quality " + quality);
        }
        return written;
    }
}
