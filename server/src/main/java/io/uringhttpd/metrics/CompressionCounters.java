package io.uringhttpd.metrics;

import java.util.List;

/**
 * What a loop's compressed representations count (sidecars, cached variants, the bodies sent), as
 * the per-loop metrics read it on the loop's thread at each publish. The files package implements
 * it, so the loops that publish need not know it.
 */
public interface CompressionCounters {
    /**
     * The {@code encoding} label: index 0 is the unencoded body, index 1 + n the content coding of
     * ordinal n (gzip, zstd, br: {@code io.uringhttpd.compress.ContentCoding}; a test checks the order).
     */
    List<String> ENCODINGS = List.of("identity", "gzip", "zstd", "br");
    int IDENTITY = 0;
    /** The codings alone, by ordinal: ENCODINGS without identity. */
    List<String> CODINGS = ENCODINGS.subList(1, ENCODINGS.size());

    /** Response body bytes planned, by {@link #ENCODINGS} index. */
    long bodyBytes(int encoding);

    /** Variants the compression pool made for this loop, by {@link #CODINGS} index. */
    long variantsMade(int coding);

    /** Lookups of a cached variant that found it ready. */
    long cacheHits();

    /** Lookups that found none (or one made from an older file): a job was queued, or could not be. */
    long cacheMisses();

    /** Variants dropped to stay within the cache's bytes (least recently used first). */
    long cacheEvictions();

    /** Jobs the pool refused because its queue was full (the file went out unencoded). */
    long poolRejections();

    /** CPU time the pool's threads spent on this loop's variants, in nanoseconds. */
    long compressionCpuNanos();

    /** Sidecars (file.br, .zst, .gz) found older than their file and not served. */
    long staleSidecars();

    /** Bytes of cached variants now: in memory, and in files of the cache directory. */
    long cacheMemoryBytes();

    long cacheDiskBytes();
}
