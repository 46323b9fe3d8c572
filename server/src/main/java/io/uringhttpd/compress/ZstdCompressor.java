package io.uringhttpd.compress;

import io.uringhttpd.sys.LibraryBinding;
import io.uringhttpd.sys.ZstdLibrary;
import java.lang.foreign.MemorySegment;

/**
 * zstd (RFC 8878) through libzstd's one-shot ZSTD_compress: one frame with the content size in
 * its header, no checksum (the default of the API, unlike the CLI's). Levels 1 to
 * ZSTD_maxCLevel (22); 20 and above are what the CLI calls {@code --ultra} (larger windows, more
 * memory to decode), which the API allows without a flag.
 */
public final class ZstdCompressor implements Compressor {
    public static final int MIN_LEVEL = 1;

    private final ZstdLibrary zstd;
    private final int level;

    /** With the system's libzstd; IllegalStateException with the loader's reason if it is missing. */
    public ZstdCompressor(int level) {
        this(Compressors.require(ZstdLibrary.load(), ContentCoding.ZSTD), level);
    }

    ZstdCompressor(ZstdLibrary zstd, int level) {
        Compressors.checkLevel(ContentCoding.ZSTD, level, MIN_LEVEL, zstd.maxCLevel());
        this.zstd = zstd;
        this.level = level;
    }

    @Override
    public ContentCoding coding() {
        return ContentCoding.ZSTD;
    }

    @Override
    public int level() {
        return level;
    }

    /**
     * ZSTD_compressBound. It returns an error code only from ZSTD_MAX_INPUT_SIZE (near 2^64), out of
     * reach of a {@code long} size, but a bound must never be an error code taken for a size.
     */
    @Override
    public long maxCompressedBytes(long sourceBytes) {
        long bound = zstd.compressBound(sourceBytes);
        if (zstd.isError(bound)) {
            throw new IllegalArgumentException("zstd cannot bound " + sourceBytes + " bytes: " + zstd.errorName(bound));
        }
        return bound;
    }

    @Override
    public long compress(MemorySegment source, MemorySegment target) {
        Compressors.checkSegments(this, source, target);
        long written = zstd.compress(target.address(), target.byteSize(), source.address(), source.byteSize(), level);
        if (zstd.isError(written)) {
            throw new IllegalStateException("ZSTD_compress failed: " + zstd.errorName(written));
        }
        return written;
    }
}
