package io.uringhttpd.files;

import static io.uringhttpd.metrics.FileCacheCounters.FALLBACK_REASONS;
import static io.uringhttpd.metrics.FileCacheCounters.INVALIDATION_CAUSES;
import static io.uringhttpd.metrics.FileCacheCounters.REVALIDATED;
import static io.uringhttpd.sys.FileConstants.AT_FDCWD;
import static io.uringhttpd.sys.FileConstants.AT_SYMLINK_NOFOLLOW;
import static io.uringhttpd.sys.FileConstants.O_CLOEXEC;
import static io.uringhttpd.sys.FileConstants.O_DIRECTORY;
import static io.uringhttpd.sys.FileConstants.O_NOFOLLOW;
import static io.uringhttpd.sys.FileConstants.O_NONBLOCK;
import static io.uringhttpd.sys.FileConstants.O_PATH;
import static io.uringhttpd.sys.FileConstants.O_RDONLY;
import static io.uringhttpd.sys.FileConstants.RESOLVE_BENEATH;
import static io.uringhttpd.sys.FileConstants.RESOLVE_NO_MAGICLINKS;
import static io.uringhttpd.sys.FileConstants.RESOLVE_NO_SYMLINKS;
import static io.uringhttpd.sys.FileConstants.STATX_INO;
import static io.uringhttpd.sys.FileConstants.STATX_MODE;
import static io.uringhttpd.sys.FileConstants.STATX_MTIME;
import static io.uringhttpd.sys.FileConstants.STATX_SIZE;
import static io.uringhttpd.sys.FileConstants.STATX_TYPE;
import static io.uringhttpd.sys.FileConstants.S_IFDIR;
import static io.uringhttpd.sys.FileConstants.S_IFMT;
import static io.uringhttpd.sys.FileConstants.S_IFREG;

import io.uringhttpd.metrics.FileCacheCounters;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.Statx;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request path -> open file, for one event loop (single-threaded, not thread-safe).
 *
 * <p>Confinement is the kernel's job: every open is {@code openat2(rootFd, relativePath, …, resolve)}
 * (Linux >= 5.6) with RESOLVE_BENEATH, so {@code ..}, absolute symlinks and symlinks climbing out of the
 * root fail inside path resolution (EXDEV) — no userspace realpath() whose answer can be stale by the
 * time open() runs. RESOLVE_NO_MAGICLINKS refuses /proc/self/fd-style links under every policy.
 *
 * <p>Open-file cache, like nginx's open_file_cache: key = request path bytes; at most cacheEntriesMax
 * entries (each holding an open fd), least recently used evicted first. Freshness comes from the kernel
 * (docs/freshness.md): {@link DirectoryWatches} watches, with inotify, the directories that hold cached
 * entries, and the loop drains its events before the requests of the same wake-up, so a request sent
 * after a deploy's rename(2) or close(2) returned never gets the old file. Where notification cannot be
 * trusted (no inotify, watches exhausted, a network file system, a file reached through a symlink) an
 * entry is trusted for cacheValidMs, then one statx(2) of the path decides whether it still describes
 * the same file (inode, device, size, mtime, mode) or is replaced by a fresh open. Hits allocate nothing
 * and make no syscall; a miss allocates the entry, its key copy, ETag, Last-Modified and (small files)
 * the body.
 *
 * <p>Negative results (404, 403) are cached too, saving an openat2 per repeated miss (favicon.ico,
 * robots.txt, scanners); but a negative entry never evicts a positive one, so a flood of random 404
 * paths cannot push the hot files out (nginx leaves open_file_cache_errors off for that reason).
 */
public final class FileService implements AutoCloseable, FileCacheCounters {
    public static final int FOUND = 0;
    public static final int NOT_FOUND = -404;
    public static final int FORBIDDEN = -403;
    public static final int ERROR = -500;

    /** PATH_MAX (include/uapi/linux/limits.h) counts the NUL: longer relative paths get ENAMETOOLONG anyway. */
    static final int PATH_BYTES_MAX = 4095;

    private static final Logger log = LoggerFactory.getLogger(FileService.class);
    private static final int STATX_MASK = STATX_TYPE | STATX_MODE | STATX_INO | STATX_SIZE | STATX_MTIME;
    /** Not in the spec's Errno list; asm-generic/errno-base.h. open(2): special file without a backing device/socket. */
    private static final int ENXIO = 6;
    private static final int ENODEV = 19;
    private static final int EINTR_RETRIES_MAX = 4;
    private static final long LOG_INTERVAL_MS = 1000;
    /**
     * Listing a directory costs three syscalls per name (openat2, statx, close) and ~150 bytes of HTML:
     * 10000 names is ~30 ms of one loop's time and a 1.5 MB page. Beyond that the page says it is cut short.
     */
    static final int LISTING_ENTRIES_MAX = 10_000;
    private static final byte[] DIRECTORY_TYPE = "text/html; charset=utf-8".getBytes(StandardCharsets.US_ASCII);

    private final FileSettings settings;
    private final Syscalls sys;
    private final int rootFd;
    private final boolean denyDotfiles;
    private final long resolve;
    /** statx flags for revalidation: under REFUSE a file replaced by a symlink must look changed. */
    private final int revalidateStatxFlags;
    private final long validMs;
    private final int smallFileBytesMax;
    private final OpenFileCache cache; // null when cacheEntriesMax == 0
    /**
     * Null without a cache, with cacheWatchesMax 0, or where notification cannot be had for the root:
     * then every entry is revalidated.
     */
    private final DirectoryWatches watches;
    /** Open with O_NOFOLLOW first, to learn whether the last component is a symlink (its target's directory is not watched). */
    private final boolean checkSymlinks;
    private final byte[][] indexNames;
    private final byte[] indexPath;

    /** NUL-terminated path for the kernel; written through the ByteBuffer view, passed by address. */
    private final ByteBuffer pathBuffer;
    private final long pathAddress;
    private final long statxAddress;
    /** Keeps the aligned statx slice reachable: only its address is used. */
    @SuppressWarnings("unused")
    private final ByteBuffer statxBuffer;

    private long lastErrorLogMs = Long.MIN_VALUE / 2;
    private long errorsNotLogged;
    private boolean closed;

    private long hits;
    private long misses;
    private long revalidations;
    private long evictions;
    private final long[] invalidations = new long[INVALIDATION_CAUSES.size()];
    private final long[] fallbacks = new long[FALLBACK_REASONS.size()];

    public FileService(FileSettings settings) {
        this(settings, new Syscalls());
    }

    /** @param sys the owning loop's Syscalls, so its counters include the file syscalls */
    public FileService(FileSettings settings, Syscalls sys) {
        this.settings = settings;
        this.sys = sys;
        this.denyDotfiles = settings.dotfiles() == DotfilesPolicy.DENY;
        this.resolve = switch (settings.symlinks()) {
            case INSIDE_ROOT -> RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
            case REFUSE -> RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
            // FOLLOW: openat2 rather than plain openat only to keep refusing magic links; ".." is refused
            // from the path bytes before the call.
            case FOLLOW -> RESOLVE_NO_MAGICLINKS;
        };
        this.revalidateStatxFlags = settings.symlinks() == SymlinkPolicy.REFUSE ? AT_SYMLINK_NOFOLLOW : 0;
        this.validMs = settings.cacheValidMs();
        this.smallFileBytesMax = settings.smallFileBytesMax();
        this.cache = settings.cacheEntriesMax() > 0 ? new OpenFileCache(settings.cacheEntriesMax()) : null;

        List<String> names = settings.indexNames();
        indexNames = new byte[names.size()][];
        int nameBytesMax = 0;
        for (int i = 0; i < indexNames.length; i++) {
            indexNames[i] = names.get(i).getBytes(StandardCharsets.UTF_8);
            nameBytesMax = Math.max(nameBytesMax, indexNames[i].length);
        }
        indexPath = new byte[PATH_BYTES_MAX + 1 + nameBytesMax];

        pathBuffer = ByteBuffer.allocateDirect(PATH_BYTES_MAX + 1);
        pathAddress = MemorySegment.ofBuffer(pathBuffer).address();
        ByteBuffer statx = ByteBuffer.allocateDirect((int) Statx.BYTES + 8).alignedSlice(8);
        statxAddress = MemorySegment.ofBuffer(statx).address();
        statxBuffer = statx;

        byte[] root = settings.root().toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8);
        if (root.length > PATH_BYTES_MAX) throw new IllegalArgumentException("root path too long: " + settings.root());
        pathBuffer.put(0, root).put(root.length, (byte) 0);
        int fd = sys.openat(AT_FDCWD, pathAddress, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalArgumentException("root " + settings.root().toAbsolutePath() + ": " + Errno.describe(-fd));
        }
        rootFd = fd;
        writeDot();
        int probe = sys.openat2(rootFd, pathAddress, O_PATH | O_CLOEXEC, 0, RESOLVE_BENEATH);
        if (probe < 0) {
            sys.close(rootFd);
            if (-probe == Errno.ENOSYS) {
                throw new IllegalStateException("openat2(2) is not available (ENOSYS): uring-httpd needs Linux >= 5.6"
                        + " to keep file access inside the root; kernel " + System.getProperty("os.version"));
            }
            throw new IllegalStateException("openat2(2) probe on root " + settings.root() + " failed: " + Errno.describe(-probe));
        }
        sys.close(probe);
        watches = cache == null || settings.cacheWatchesMax() == 0 ? null : DirectoryWatches.open(sys, new Invalidation(), rootFd,
                settings.root().toAbsolutePath().toString(), settings.cacheWatchesMax(), validMs, invalidations, fallbacks);
        checkSymlinks = watches != null && settings.symlinks() != SymlinkPolicy.REFUSE;
    }

    /** What the watches drop goes back to this cache. */
    private final class Invalidation implements DirectoryWatches.Owner {
        @Override
        public void invalidate(FileEntry e) {
            discard(e);
        }

        @Override
        public int invalidateAll() {
            int dropped = cache.size();
            cache.clear(e -> {
                watches.detach(e);
                if (e.refCount == 0) closeFd(e);
            });
            return dropped;
        }

        @Override
        public FileEntry cached(byte[] path, int len) {
            return cache.get(path, len, OpenFileCache.hash(path, len));
        }
    }

    /**
     * The inotify fd the loop waits on, or -1 when changes are found by revalidation only. When it is
     * readable, call {@link #onFileEvents} before serving the requests of the same wake-up.
     */
    public int fileEventsFd() {
        return watches == null || closed ? -1 : watches.fd();
    }

    /** Reads the queued inotify events and drops the entries they name; returns the events read. */
    public int onFileEvents() {
        return watches == null || closed ? 0 : watches.drain();
    }

    public FileSettings settings() {
        return settings;
    }

    /**
     * @param path decoded, dot-segment-normalized bytes starting with '/'
     * @param nowMs the loop's monotonic clock, for revalidation
     * @return FOUND (result.entry holds a retained entry: call release()), NOT_FOUND, FORBIDDEN or ERROR
     */
    public int open(byte[] path, int len, long nowMs, FileLookup result) {
        result.entry = null;
        if (closed) return ERROR;
        int check = checkPath(path, len);
        if (check != FOUND) return check;
        if (cache == null) {
            misses++;
            return openFresh(path, len, 0, nowMs, result);
        }
        int hash = OpenFileCache.hash(path, len);
        FileEntry e = cache.get(path, len, hash);
        if (e != null) {
            if (e.trusted || nowMs - e.validatedAtMs < validMs) {
                hits++;
                cache.touch(e);
                return handOut(e, result);
            }
            revalidations++;
            if (e.status == FOUND && unchanged(e)) {
                e.validatedAtMs = nowMs;
                cache.touch(e);
                return handOut(e, result);
            }
            invalidations[REVALIDATED]++;
            discard(e);
        }
        misses++;
        int status = openFresh(path, len, hash, nowMs, result);
        if (watches != null) watches.releaseEmpty(); // directories whose last entry was evicted or replaced
        return status;
    }

    /**
     * For a directory path ending in '/': tries each index name in order through {@link #open}.
     * FOUND -> result holds the retained index entry; NOT_FOUND -> no index (a directory named like an
     * index file does not count); FORBIDDEN / ERROR from the first index that exists but cannot be opened.
     */
    public int openIndex(byte[] dirPath, int len, long nowMs, FileLookup result) {
        result.entry = null;
        if (len < 1 || dirPath[len - 1] != '/' || len > PATH_BYTES_MAX + 1) return NOT_FOUND;
        byte[] p = indexPath;
        System.arraycopy(dirPath, 0, p, 0, len);
        for (byte[] name : indexNames) {
            System.arraycopy(name, 0, p, len, name.length);
            int status = open(p, len + name.length, nowMs, result);
            if (status == FOUND) {
                if (!result.entry.directory) return FOUND;
                result.entry.release();
                result.entry = null;
            } else if (status != NOT_FOUND) {
                return status;
            }
        }
        return NOT_FOUND;
    }

    /**
     * The autoindex page for a directory path ending in '/', or null when autoindex is off, the path is not
     * a listable directory, or on error. Not a hot path: allocates.
     *
     * <p>The directory is opened with the same openat2 rules as a file, and read through
     * /proc/self/fd/N, i.e. exactly the directory that passed the check. Each name is then resolved like a
     * request for it would be (openat2 O_PATH + statx): names a request could not reach — symlinks the policy
     * refuses, dangling links, fifos, sockets, devices, and dotfiles under DENY — are left out, so the page
     * never shows the size or date of a file outside the root.
     */
    public byte[] listing(byte[] dirPath, int len) {
        if (!settings.autoindex() || closed) return null;
        if (len < 1 || dirPath[len - 1] != '/' || checkPath(dirPath, len) != FOUND) return null;
        writeRelative(dirPath, len);
        int dirFd = sys.openat2(rootFd, pathAddress, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NONBLOCK, 0, resolve);
        if (dirFd < 0) return null;
        try {
            byte[] relDir = Arrays.copyOfRange(dirPath, relativeStart(dirPath, len), len); // "" for the root, else "a/b/"
            List<Autoindex.Item> items = new ArrayList<>();
            boolean truncated = false;
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd/" + dirFd))) {
                for (Path child : dir) {
                    if (items.size() == LISTING_ENTRIES_MAX) {
                        truncated = true;
                        break;
                    }
                    String name = child.getFileName().toString();
                    if (denyDotfiles && name.startsWith(".")) continue;
                    Autoindex.Item item = describe(relDir, name);
                    if (item != null) items.add(item);
                }
            } catch (IOException | DirectoryIteratorException e) {
                log.warn("autoindex of {} failed: {}", new String(dirPath, 0, len, StandardCharsets.UTF_8), e.toString());
                return null;
            }
            return Autoindex.render(new String(dirPath, 0, len, StandardCharsets.UTF_8), items, truncated);
        } finally {
            sys.close(dirFd);
        }
    }

    private Autoindex.Item describe(byte[] relDir, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (relDir.length + n.length > PATH_BYTES_MAX) return null;
        pathBuffer.put(0, relDir).put(relDir.length, n).put(relDir.length + n.length, (byte) 0);
        int fd = sys.openat2(rootFd, pathAddress, O_PATH | O_CLOEXEC, 0, resolve);
        if (fd < 0) return null;
        try {
            if (sys.fstatx(fd, STATX_MASK, statxAddress) < 0) return null;
            int type = Statx.mode(statxAddress) & S_IFMT;
            if (type != S_IFREG && type != S_IFDIR) return null;
            return new Autoindex.Item(name, type == S_IFDIR, Statx.size(statxAddress), Statx.mtimeSec(statxAddress));
        } finally {
            sys.close(fd);
        }
    }

    /** Drops every cached entry; fds of entries still retained close on their last release(). Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (cache != null) {
            cache.clear(e -> {
                if (e.refCount == 0) closeFd(e);
            });
        }
        if (watches != null) watches.close();
        sys.close(rootFd);
    }

    @Override
    public long hits() {
        return hits;
    }

    @Override
    public long misses() {
        return misses;
    }

    @Override
    public long revalidations() {
        return revalidations;
    }

    @Override
    public long evictions() {
        return evictions;
    }

    @Override
    public int cachedEntries() {
        return cache == null ? 0 : cache.size();
    }

    @Override
    public long invalidations(int cause) {
        return invalidations[cause];
    }

    @Override
    public long fallbacks(int reason) {
        return fallbacks[reason];
    }

    @Override
    public long queueOverflows() {
        return watches == null ? 0 : watches.overflows;
    }

    @Override
    public int watches() {
        return watches == null ? 0 : watches.watchesInUse();
    }

    // ---- internals -------------------------------------------------------------------------------------

    /**
     * Refuses before any syscall what must never reach the file system: a relative or over-long path, NUL,
     * {@code .} / {@code ..} segments (the http layer normalizes them away; this is the second line, and the
     * only one under FOLLOW), and under DENY any segment starting with '.'.
     */
    private int checkPath(byte[] path, int len) {
        if (len < 1 || path[0] != '/' || len - 1 > PATH_BYTES_MAX) return NOT_FOUND;
        for (int i = 0; i < len; i++) {
            byte b = path[i];
            if (b == 0) return NOT_FOUND;
            if (b == '/' && i + 1 < len && path[i + 1] == '.') {
                if (denyDotfiles) return NOT_FOUND;
                int after = i + 2; // "/." or "/.." followed by '/' or the end is a dot-segment
                if (after == len || path[after] == '/') return NOT_FOUND;
                if (path[after] == '.' && (after + 1 == len || path[after + 1] == '/')) return NOT_FOUND;
            }
        }
        return FOUND;
    }

    private static int handOut(FileEntry e, FileLookup result) {
        if (e.status == FOUND) {
            e.refCount++;
            result.entry = e;
        }
        return e.status;
    }

    private int openFresh(byte[] path, int len, int hash, long nowMs, FileLookup result) {
        writeRelative(path, len);
        // O_NONBLOCK: opening a fifo O_RDONLY would otherwise block the loop until a writer appears (fifo(7))
        int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
        boolean symlinked = false;
        int fd = openRelative(checkSymlinks ? flags | O_NOFOLLOW : flags);
        if (fd == -Errno.ELOOP && checkSymlinks) {
            // O_NOFOLLOW refuses only a symlink as the last component, which the plain open follows:
            // one more openat2 for a symlinked file, none for the others.
            symlinked = true;
            fd = openRelative(flags);
        }
        if (fd < 0) {
            int status = openError(-fd, path, len, nowMs);
            if (status != ERROR) cacheNegative(path, len, hash, status, nowMs);
            return status;
        }
        int r = sys.fstatx(fd, STATX_MASK, statxAddress);
        if (r < 0) {
            sys.close(fd);
            logError("statx", -r, path, len, nowMs);
            return ERROR;
        }
        long st = statxAddress;
        int mode = Statx.mode(st);
        int type = mode & S_IFMT;
        if (type != S_IFREG && type != S_IFDIR) { // fifo, socket, device: nothing a web server should read
            sys.close(fd);
            cacheNegative(path, len, hash, FORBIDDEN, nowMs);
            return FORBIDDEN;
        }
        boolean directory = type == S_IFDIR;
        long size = Statx.size(st);
        long mtimeSec = Statx.mtimeSec(st);
        int mtimeNsec = Statx.mtimeNsec(st);
        long inode = Statx.ino(st);
        int devMajor = Statx.devMajor(st);
        int devMinor = Statx.devMinor(st);
        MemorySegment small = null;
        if (!directory && smallFileBytesMax > 0 && size <= smallFileBytesMax) {
            small = readWhole(fd, size, path, len, nowMs);
        }
        byte[] contentType = directory ? DIRECTORY_TYPE : settings.mime().contentType(path, len);
        FileEntry e = new FileEntry(this, Arrays.copyOf(path, len), hash, fd, directory, mode, size, mtimeSec,
                mtimeNsec, inode, devMajor, devMinor, contentType, small, nowMs);
        if (cache != null) {
            if (cache.isFull()) evict(cache.eldest());
            cache.put(e);
            if (watches != null) watches.attach(e, symlinked);
        }
        e.refCount = 1;
        result.entry = e;
        return FOUND;
    }

    /** openat2 of the path at pathAddress under the root, retried on EINTR. */
    private int openRelative(int flags) {
        int fd;
        int retries = 0;
        do {
            fd = sys.openat2(rootFd, pathAddress, flags, 0, resolve);
        } while (fd == -Errno.EINTR && ++retries < EINTR_RETRIES_MAX);
        return fd;
    }

    private int openError(int errno, byte[] path, int len, long nowMs) {
        switch (errno) {
            case Errno.ENOENT, Errno.ENOTDIR, Errno.ENAMETOOLONG:
                return NOT_FOUND;
            case Errno.EXDEV: // RESOLVE_BENEATH: ".." or a symlink would leave the root
            case Errno.ELOOP: // RESOLVE_NO_SYMLINKS / NO_MAGICLINKS refused a link, or a link loop
            case Errno.EACCES, Errno.EPERM:
            case ENXIO, ENODEV: // unix socket or device node without a driver
                return FORBIDDEN;
            case Errno.EMFILE:
                if (shouldLog(nowMs)) {
                    log.error("open of {} failed: {}: raise the open files limit (ulimit -n, systemd LimitNOFILE)"
                            + " or lower open-file-cache.entries (now {}){}", utf8(path, len), Errno.describe(errno),
                            settings.cacheEntriesMax(), suppressed());
                }
                return ERROR;
            case Errno.ENFILE:
                if (shouldLog(nowMs)) {
                    log.error("open of {} failed: {}: the system-wide file table is full: raise fs.file-max"
                            + " (sysctl) or lower open-file-cache.entries (now {}){}", utf8(path, len),
                            Errno.describe(errno), settings.cacheEntriesMax(), suppressed());
                }
                return ERROR;
            default:
                logError("openat2", errno, path, len, nowMs);
                return ERROR;
        }
    }

    private void cacheNegative(byte[] path, int len, int hash, int status, long nowMs) {
        if (cache == null || watches == null && validMs == 0) return;
        if (cache.isFull()) {
            FileEntry eldest = cache.eldest();
            if (eldest.status == FOUND) return; // misses never push out open files
            evict(eldest);
        }
        FileEntry e = new FileEntry(this, Arrays.copyOf(path, len), hash, status, nowMs);
        cache.put(e);
        if (watches != null) watches.attach(e, false);
    }

    /** Whether the path still names the file this entry has open (one statx, no open). */
    private boolean unchanged(FileEntry e) {
        writeRelative(e.key, e.key.length);
        long st = statxAddress;
        if (sys.statx(rootFd, pathAddress, revalidateStatxFlags, STATX_MASK, st) < 0) return false;
        return Statx.ino(st) == e.inode
                && Statx.mode(st) == e.mode
                && Statx.size(st) == e.size
                && Statx.mtimeSec(st) == e.mtimeSec
                && Statx.mtimeNsec(st) == e.mtimeNsec
                && Statx.devMajor(st) == e.devMajor
                && Statx.devMinor(st) == e.devMinor;
    }

    private MemorySegment readWhole(int fd, long size, byte[] path, int len, long nowMs) {
        MemorySegment body;
        try {
            body = MemorySegment.ofBuffer(ByteBuffer.allocateDirect((int) size));
        } catch (OutOfMemoryError e) {
            // Bits.reserveMemory: "Cannot reserve N bytes of direct buffer memory" is recoverable (the file is
            // then sent from its fd); a heap OOME is not ours to swallow.
            String message = e.getMessage();
            if (message == null || !message.contains("direct buffer memory")) throw e;
            if (shouldLog(nowMs)) {
                log.error("no direct memory left for the small-file body of {} ({}): lower small-file-bytes or"
                        + " open-file-cache.entries, or raise -XX:MaxDirectMemorySize{}", utf8(path, len),
                        message, suppressed());
            }
            return null;
        }
        long address = body.address();
        long done = 0;
        int retries = 0;
        while (done < size) {
            long n = sys.pread(fd, address + done, size - done, done);
            if (n > 0) {
                done += n;
            } else if (n == -Errno.EINTR && ++retries < EINTR_RETRIES_MAX) {
                continue;
            } else {
                // n == 0: the file shrank since statx; the entry will be replaced on revalidation. Serving
                // it through the fd (sendfile) meanwhile is what every server does with a file being written.
                if (n < 0) logError("pread", (int) -n, path, len, nowMs);
                return null;
            }
        }
        return body.asReadOnly();
    }

    private void evict(FileEntry e) {
        evictions++;
        discard(e);
    }

    private void discard(FileEntry e) {
        cache.remove(e);
        if (watches != null) watches.detach(e);
        if (e.refCount == 0) closeFd(e);
    }

    /**
     * Whether {@code path} names something a request could open (openat2 O_PATH under the same rules):
     * for the sidecar probe of {@link Variants}, which caches the answer on the file's own entry.
     */
    boolean exists(byte[] path, int len) {
        if (closed || checkPath(path, len) != FOUND) return false;
        writeRelative(path, len);
        int fd = sys.openat2(rootFd, pathAddress, O_PATH | O_CLOEXEC, 0, resolve);
        if (fd < 0) return false;
        sys.close(fd);
        return true;
    }

    /** A second fd of an open file (F_DUPFD_CLOEXEC), owned by the caller; -errno on failure. */
    int dupFd(int fd) {
        return sys.fcntl(fd, io.uringhttpd.sys.FileConstants.F_DUPFD_CLOEXEC, 0);
    }

    /** Closes an fd that no entry holds (a dup the compression pool refused). */
    void closeFdNumber(int fd) {
        sys.close(fd);
    }

    /** Called once an entry is out of the cache and unreferenced. */
    void closeFd(FileEntry e) {
        if (e.fdClosed) return;
        e.fdClosed = true;
        int r = sys.close(e.fd);
        if (r < 0) log.error("close({}) of {} failed: {}", e.fd, utf8(e.key, e.key.length), Errno.describe(-r));
    }

    /**
     * Writes the path relative to the root, NUL-terminated. Every leading '/' is skipped: "//etc/passwd"
     * must not reach the kernel as the absolute "/etc/passwd", which openat2 would resolve from "/" and not
     * from rootFd (RESOLVE_BENEATH refuses it, but FOLLOW has no BENEATH).
     */
    private void writeRelative(byte[] path, int len) {
        int from = relativeStart(path, len);
        if (from == len) {
            writeDot(); // the root itself: openat2 refuses "" (no AT_EMPTY_PATH for openat2)
            return;
        }
        pathBuffer.put(0, path, from, len - from).put(len - from, (byte) 0);
    }

    private static int relativeStart(byte[] path, int len) {
        int from = 0;
        while (from < len && path[from] == '/') from++;
        return from;
    }

    private void writeDot() {
        pathBuffer.put(0, (byte) '.').put(1, (byte) 0);
    }

    private void logError(String call, int errno, byte[] path, int len, long nowMs) {
        if (shouldLog(nowMs)) {
            log.error("{} of {} failed: {}{}", call, utf8(path, len), Errno.describe(errno), suppressed());
        }
    }

    /** Error lines are rate-limited to one per second (an fd exhaustion would otherwise log per request). */
    private boolean shouldLog(long nowMs) {
        if (nowMs - lastErrorLogMs >= LOG_INTERVAL_MS) {
            lastErrorLogMs = nowMs;
            return true;
        }
        errorsNotLogged++;
        return false;
    }

    private String suppressed() {
        long n = errorsNotLogged;
        errorsNotLogged = 0;
        return n == 0 ? "" : " (" + n + " similar errors not logged in the last second)";
    }

    private static String utf8(byte[] b, int len) {
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }
}
