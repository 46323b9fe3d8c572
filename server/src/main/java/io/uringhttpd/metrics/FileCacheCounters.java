package io.uringhttpd.metrics;

import java.util.List;

/**
 * What an open-file cache counts, as the per-loop metrics read it (on the loop's thread, at each
 * publish). The cache implements it, so the loops that publish need not know the files package.
 */
public interface FileCacheCounters {
    /** Why cached entries were dropped, the {@code cause} label (indexes of {@link #invalidations}). */
    List<String> INVALIDATION_CAUSES = List.of("changed", "created", "removed", "directory", "overflow", "revalidated");
    int CHANGED = 0;
    int CREATED = 1;
    int REMOVED = 2;
    /** The directory itself was removed, renamed or changed: everything below it goes. */
    int DIRECTORY = 3;
    /** The inotify queue overflowed: the whole cache goes. */
    int OVERFLOW = 4;
    /** A statx check (where notification cannot be trusted) found the file changed. */
    int REVALIDATED = 5;

    /** Why a directory was left to statx revalidation, the {@code reason} label (indexes of {@link #fallbacks}). */
    List<String> FALLBACK_REASONS = List.of("no_inotify", "watch_limit", "remote_fs");
    int NO_INOTIFY = 0;
    int WATCH_LIMIT = 1;
    int REMOTE_FS = 2;

    long hits();

    long misses();

    long revalidations();

    long evictions();

    /** Entries cached now. */
    int cachedEntries();

    /** Entries dropped, by {@link #INVALIDATION_CAUSES} index. */
    long invalidations(int cause);

    /** Directories (or whole caches) left to statx revalidation, by {@link #FALLBACK_REASONS} index. */
    long fallbacks(int reason);

    /** IN_Q_OVERFLOW events: inotify lost events and the cache was emptied. */
    long queueOverflows();

    /** inotify watches held now. */
    int watches();
}
