package io.uringhttpd.files;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link FileService} needs, resolved from the configuration.
 *
 * @param root              the document root (absolute, or relative to the working directory)
 * @param indexNames        file names tried, in order, for a path ending in '/' (plain names, no '/')
 * @param autoindex         whether {@link FileService#listing} renders directory listings
 * @param dotfiles          policy for path segments starting with '.'
 * @param symlinks          policy for symbolic links
 * @param cacheEntriesMax   open-file cache size (open fds held, like nginx open_file_cache max=); 0 disables caching
 * @param cacheValidMs      how long a cached entry that notification cannot keep fresh is trusted before it is re-checked
 * @param cacheWatchesMax   inotify watches (directories) one loop's cache may hold; beyond, entries are re-checked;
 *                          0: no inotify at all, every entry is re-checked every cacheValidMs
 * @param smallFileBytesMax files up to this size are read into memory once and sent from there; 0 disables
 * @param mime              the extension -> Content-Type table
 */
public record FileSettings(Path root, List<String> indexNames, boolean autoindex, DotfilesPolicy dotfiles,
                           SymlinkPolicy symlinks, int cacheEntriesMax, long cacheValidMs, int cacheWatchesMax, int smallFileBytesMax,
                           MimeTypes mime) {

    public FileSettings {
        Objects.requireNonNull(root, "root");
        indexNames = List.copyOf(indexNames);
        Objects.requireNonNull(dotfiles, "dotfiles");
        Objects.requireNonNull(symlinks, "symlinks");
        Objects.requireNonNull(mime, "mime");
        for (String name : indexNames) {
            if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0 || name.equals(".") || name.equals("..")) {
                throw new IllegalArgumentException("index name must be a plain file name: '" + name + "'");
            }
        }
        if (cacheEntriesMax < 0) throw new IllegalArgumentException("cacheEntriesMax must be >= 0: " + cacheEntriesMax);
        if (cacheValidMs < 0) throw new IllegalArgumentException("cacheValidMs must be >= 0: " + cacheValidMs);
        if (cacheWatchesMax < 0) throw new IllegalArgumentException("cacheWatchesMax must be >= 0: " + cacheWatchesMax);
        if (smallFileBytesMax < 0) throw new IllegalArgumentException("smallFileBytesMax must be >= 0: " + smallFileBytesMax);
    }

    /** nginx-like defaults: index.html, no autoindex, dotfiles 404, links kept inside the root, 10000 entries, 5 s, 10000 watches. */
    public static FileSettings defaults(Path root) {
        return new FileSettings(root, List.of("index.html"), false, DotfilesPolicy.DENY, SymlinkPolicy.INSIDE_ROOT,
                10_000, 5_000, 10_000, 64 * 1024, MimeTypes.builtIn());
    }
}
