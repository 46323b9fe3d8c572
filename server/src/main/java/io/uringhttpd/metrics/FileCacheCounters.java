package io.uringhttpd.metrics;

/**
 * What an open-file cache counts, as the per-loop metrics read it (on the loop's thread, at each
 * publish). The cache implements it, so the loops that publish need not know the files package.
 */
public interface FileCacheCounters {
    long hits();

    long misses();

    long revalidations();

    long evictions();

    /** Entries cached now. */
    int cachedEntries();
}
