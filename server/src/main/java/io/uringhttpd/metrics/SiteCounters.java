package io.uringhttpd.metrics;

import java.util.List;

/**
 * One loop's caches over all its sites, as the per-loop series show them: each figure the sum over
 * the sites (each site has its own open-file cache and variants). Read at publish on the loop thread.
 */
public final class SiteCounters {
    private SiteCounters() {
    }

    /** The sum of {@code caches}; the one cache itself when there is one. */
    public static FileCacheCounters files(List<? extends FileCacheCounters> caches) {
        if (caches.size() == 1) {
            return caches.getFirst();
        }
        List<FileCacheCounters> all = List.copyOf(caches);
        return new FileCacheCounters() {
            private long sum(java.util.function.ToLongFunction<FileCacheCounters> f) {
                long total = 0;
                for (int i = 0; i < all.size(); i++) total += f.applyAsLong(all.get(i));
                return total;
            }

            @Override public long hits() { return sum(FileCacheCounters::hits); }
            @Override public long misses() { return sum(FileCacheCounters::misses); }
            @Override public long revalidations() { return sum(FileCacheCounters::revalidations); }
            @Override public long evictions() { return sum(FileCacheCounters::evictions); }
            @Override public int cachedEntries() { return (int) sum(FileCacheCounters::cachedEntries); }
            @Override public long invalidations(int cause) { return sum(c -> c.invalidations(cause)); }
            @Override public long fallbacks(int reason) { return sum(c -> c.fallbacks(reason)); }
            @Override public long queueOverflows() { return sum(FileCacheCounters::queueOverflows); }
            @Override public int watches() { return (int) sum(FileCacheCounters::watches); }
        };
    }

    /** The sum of {@code variants}; the one itself when there is one. */
    public static CompressionCounters compression(List<? extends CompressionCounters> variants) {
        if (variants.size() == 1) {
            return variants.getFirst();
        }
        List<CompressionCounters> all = List.copyOf(variants);
        return new CompressionCounters() {
            private long sum(java.util.function.ToLongFunction<CompressionCounters> f) {
                long total = 0;
                for (int i = 0; i < all.size(); i++) total += f.applyAsLong(all.get(i));
                return total;
            }

            @Override public long bodyBytes(int encoding) { return sum(c -> c.bodyBytes(encoding)); }
            @Override public long variantsMade(int coding) { return sum(c -> c.variantsMade(coding)); }
            @Override public long cacheHits() { return sum(CompressionCounters::cacheHits); }
            @Override public long cacheMisses() { return sum(CompressionCounters::cacheMisses); }
            @Override public long cacheEvictions() { return sum(CompressionCounters::cacheEvictions); }
            @Override public long poolRejections() { return sum(CompressionCounters::poolRejections); }
            @Override public long compressionCpuNanos() { return sum(CompressionCounters::compressionCpuNanos); }
            @Override public long staleSidecars() { return sum(CompressionCounters::staleSidecars); }
            @Override public long cacheMemoryBytes() { return sum(CompressionCounters::cacheMemoryBytes); }
            @Override public long cacheDiskBytes() { return sum(CompressionCounters::cacheDiskBytes); }
        };
    }
}
