package io.uringhttpd.compress;

import java.lang.foreign.MemorySegment;

/**
 * One content-coding at one level, turning a whole file into a whole encoded body. Safe to call
 * from several threads at once; each call allocates what it needs (compression runs on a worker
 * pool, off the event loops' hot path).
 */
public interface Compressor {
    ContentCoding coding();

    /** The level as configured (gzip 1..9, zstd 1..ZSTD_maxCLevel, brotli quality 0..11). */
    int level();

    /** An upper bound on what {@link #compress} writes for {@code sourceBytes} of input. */
    long maxCompressedBytes(long sourceBytes);

    /**
     * Encodes all of {@code source} into {@code target} as one complete stream (a valid one for
     * empty input too). Both must be native segments that stay alive during the call (the
     * native libraries get their raw addresses), and {@code target} writable and at least
     * {@link #maxCompressedBytes}({@code source.byteSize()}) long.
     *
     * @return the bytes written at the start of {@code target}
     * @throws IllegalArgumentException for a heap segment, or a read-only or too small target
     * @throws IllegalStateException when the library fails (with its error)
     */
    long compress(MemorySegment source, MemorySegment target);

}
