package io.uringhttpd.files;

import static io.uringhttpd.metrics.FileCacheCounters.*;
import static io.uringhttpd.sys.InotifyConstants.*;

import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.InotifyEvent;
import io.uringhttpd.sys.NativeMemory;
import io.uringhttpd.sys.Statfs;
import io.uringhttpd.sys.Syscalls;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open-file cache's inotify(7) instance: which directories it watches, and what their events
 * drop (docs/freshness.md).
 *
 * <p>A {@link DirNode} stands for one directory of the request path space ("/", "/a/", "/a/b/"),
 * and exists while a cached entry hangs on it or on a directory below it, so its parent always
 * exists too: a rename or removal of any directory on an entry's path is an event in a watched
 * directory. An entry hangs on the directory that holds it; the events naming it (or, for a
 * directory, anything below it) drop it. A cached miss hangs on the deepest directory of its
 * path that exists, and a file reached through a symlink on the directory of its name, both
 * <em>sensitive</em>: any event in that directory drops them, since the name that will make them
 * wrong is not theirs (a created parent, a retargeted {@code ..data}).
 *
 * <p>Where a watch cannot be trusted or had: no watch (the node is <em>untrusted</em>, as is
 * everything below it) and its entries are revalidated with statx every open-file-cache.valid.
 * Single-threaded: the owning loop's thread.
 */
final class DirectoryWatches implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DirectoryWatches.class);

    static final int MASK = IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM
            | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

    /** 64 KiB: hundreds of events per read(2); a read that leaves room for a largest event emptied the queue. */
    private static final int EVENT_BUFFER_BYTES = 64 * 1024;
    /** "/proc/self/fd/N/" + a relative path (PATH_MAX) + NUL. */
    private static final int WATCH_PATH_BYTES = 32 + FileService.PATH_BYTES_MAX + 1;

    private static final byte[] ROOT = {'/'};

    /** One line per process and reason: several loops hit the same limit at once. */
    private static final AtomicBoolean[] LOGGED = FALLBACK_REASONS.stream().map(r -> new AtomicBoolean())
            .toArray(AtomicBoolean[]::new);

    /** What a dropped entry goes back to: the cache that holds it. */
    interface Owner {
        /** Takes the entry out of the cache (which detaches it here). */
        void invalidate(FileEntry e);

        /** IN_Q_OVERFLOW: events were lost, nothing cached can be trusted. Returns the entries dropped. */
        int invalidateAll();

        /** An entry found by name: the cache's key lookup. */
        FileEntry cached(byte[] path, int len);
    }

    /** A directory of the request path space, watched or not. */
    static final class DirNode {
        final String path;
        final byte[] pathBytes;
        final DirNode parent;
        /** inotify watch descriptor, or -1: untrusted (no watch could be had, or none is worth having). */
        int wd;
        DirNode firstChild;
        DirNode nextSibling;
        DirNode prevSibling;
        /** Nodes of the same watch: one inode reached by two paths (a symlinked directory and its target). */
        DirNode sameWdNext;
        /** Entries dropped by an event naming them. */
        FileEntry named;
        /** Entries dropped by any event in this directory. */
        FileEntry sensitive;
        boolean released;
        boolean queuedForRelease;

        DirNode(String path, DirNode parent, int wd) {
            this.path = path;
            this.pathBytes = path.getBytes(StandardCharsets.ISO_8859_1);
            this.parent = parent;
            this.wd = wd;
        }

        boolean trusted() {
            return wd >= 0;
        }

        boolean empty() {
            return named == null && sensitive == null && firstChild == null;
        }
    }

    private final Syscalls sys;
    private final Owner owner;
    private final int inotifyFd;
    private final int watchesMax;
    /** After ENOSPC (fs.inotify.max_user_watches, shared by every instance of the user): what this one held then. */
    private int watchesMaxKernel = Integer.MAX_VALUE;
    private int watches;
    private final Map<String, DirNode> nodes = new HashMap<>();
    private final Map<Integer, DirNode> byWd = new HashMap<>();
    private final List<DirNode> releaseQueue = new ArrayList<>();

    private final long eventBuffer;
    private final long watchPath;
    private final int watchPathPrefixBytes;
    private final long statfsAddress;
    /** A directory path plus an event's name, for the cache lookup by key. */
    private final byte[] nameKey = new byte[FileService.PATH_BYTES_MAX + InotifyEvent.NAME_BYTES_MAX + 2];
    @SuppressWarnings("unused") // keeps the native buffers reachable: only their addresses are used
    private final ByteBuffer[] buffers;

    /** The cache's counters, by INVALIDATION_CAUSES and FALLBACK_REASONS index (metrics.FileCacheCounters). */
    private final long[] invalidations;
    private final long[] fallbacks;
    long overflows;

    private DirectoryWatches(Syscalls sys, Owner owner, int inotifyFd, int rootFd, int watchesMax,
                             long[] invalidations, long[] fallbacks) {
        this.sys = sys;
        this.invalidations = invalidations;
        this.fallbacks = fallbacks;
        this.owner = owner;
        this.inotifyFd = inotifyFd;
        this.watchesMax = watchesMax;
        ByteBuffer events = ByteBuffer.allocateDirect(EVENT_BUFFER_BYTES + 8).alignedSlice(8);
        ByteBuffer path = ByteBuffer.allocateDirect(WATCH_PATH_BYTES);
        ByteBuffer statfs = ByteBuffer.allocateDirect((int) Statfs.BYTES + 8).alignedSlice(8);
        buffers = new ByteBuffer[] {events, path, statfs};
        eventBuffer = MemorySegment.ofBuffer(events).address();
        watchPath = MemorySegment.ofBuffer(path).address();
        statfsAddress = MemorySegment.ofBuffer(statfs).address();
        // The root by its fd, not its name: the directory openat2 resolves from, even if renamed since.
        byte[] prefix = ("/proc/self/fd/" + rootFd + "/").getBytes(StandardCharsets.US_ASCII);
        path.put(0, prefix);
        watchPathPrefixBytes = prefix.length;
    }

    /**
     * The watches of one loop's cache, or null (after one log line saying why and what to do) when
     * notification cannot be had or trusted for the root: then every entry is revalidated.
     */
    static DirectoryWatches open(Syscalls sys, Owner owner, int rootFd, String root, int watchesMax, long validMs,
                                 long[] invalidations, long[] fallbacks) {
        int fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0) {
            fallbacks[NO_INOTIFY]++;
            logOnce(NO_INOTIFY, "open-file cache: inotify_init1 failed ({}): changes to files are seen only by checking"
                    + " cached files with statx every open-file-cache.valid ({} ms); raise fs.inotify.max_user_instances"
                    + " (sysctl) or allow inotify_init1 in the seccomp profile", Errno.describe(-fd), validMs);
            return null;
        }
        DirectoryWatches w = new DirectoryWatches(sys, owner, fd, rootFd, watchesMax, invalidations, fallbacks);
        w.writeWatchPath(ROOT, 1);
        int rc = sys.statfs(w.watchPath, w.statfsAddress);
        if (rc < 0) {
            // Watches are added by path, through /proc/self/fd/ROOT_FD (inotify_add_watch takes no dirfd).
            w.close();
            fallbacks[NO_INOTIFY]++;
            logOnce(NO_INOTIFY, "open-file cache: the root cannot be named through /proc/self/fd ({}): changes to files"
                    + " are seen only by checking cached files with statx every open-file-cache.valid ({} ms); mount"
                    + " /proc", Errno.describe(-rc), validMs);
            return null;
        }
        String remote = Statfs.remoteKind(Statfs.type(w.statfsAddress));
        if (remote != null) {
            w.close();
            fallbacks[REMOTE_FS]++;
            logOnce(REMOTE_FS, "open-file cache: root {} is on {}, where changes made elsewhere reach no inotify:"
                    + " cached files are checked with statx every open-file-cache.valid ({} ms); lower it for fresher"
                    + " files", root, remote, validMs);
            return null;
        }
        return w;
    }

    /** The inotify fd the loop waits on (readable when events are queued). */
    int fd() {
        return inotifyFd;
    }

    int watchesInUse() {
        return watches;
    }

    // ---- hanging entries on directories ----------------------------------------------------------

    /**
     * Hangs a cached entry on its directory, watching what is not watched yet; sets
     * {@link FileEntry#trusted} to whether notification alone keeps it fresh.
     *
     * @param symlinked the entry's last path component is a symlink: its target's directory is not watched
     */
    void attach(FileEntry e, boolean symlinked) {
        byte[] key = e.key;
        int len = key.length;
        boolean dirItself = key[len - 1] == '/';
        int dirEnd; // the directory holding the entry's name, '/' included
        if (len == 1) {
            dirEnd = 1; // "/": the root hangs on itself
        } else {
            dirEnd = lastSlash(key, dirItself ? len - 2 : len - 1) + 1;
        }
        DirNode node = nodes.get(latin1(key, dirEnd));
        boolean complete = true;
        if (node == null) {
            node = watchChain(key, dirEnd);
            complete = node.pathBytes.length == dirEnd;
        }
        boolean found = e.status == FileService.FOUND;
        boolean sensitive = len == 1 || symlinked || !found || !complete;
        link(node, e, sensitive);
        // A file whose directory went between the open and now is watched by nobody: revalidated.
        e.trusted = node.trusted() && !symlinked && (complete || !found);
    }

    /** Takes an entry off its directory (it left the cache); an emptied directory is released at the next {@link #releaseEmpty}. */
    void detach(FileEntry e) {
        DirNode node = e.dir;
        if (node == null) return;
        if (e.dirPrev != null) e.dirPrev.dirNext = e.dirNext;
        else if (node.named == e) node.named = e.dirNext;
        else node.sensitive = e.dirNext;
        if (e.dirNext != null) e.dirNext.dirPrev = e.dirPrev;
        e.dirPrev = e.dirNext = null;
        e.dir = null;
        e.trusted = false;
        queueIfEmpty(node);
    }

    /** Releases the directories left empty (their watches are removed), then their parents left empty. */
    void releaseEmpty() {
        for (int i = 0; i < releaseQueue.size(); i++) {
            DirNode node = releaseQueue.get(i);
            node.queuedForRelease = false;
            if (!node.released && node.empty()) release(node);
        }
        releaseQueue.clear();
    }

    private void link(DirNode node, FileEntry e, boolean sensitive) {
        FileEntry head = sensitive ? node.sensitive : node.named;
        e.dirPrev = null;
        e.dirNext = head;
        if (head != null) head.dirPrev = e;
        if (sensitive) node.sensitive = e;
        else node.named = e;
        e.dir = node;
    }

    /**
     * The node of {@code key[0, dirEnd)}, created with every missing one above it; stops at the deepest
     * directory that exists (for a cached miss, or a directory removed since the open).
     */
    private DirNode watchChain(byte[] key, int dirEnd) {
        DirNode node = nodes.get("/");
        if (node == null) node = newNode("/", null, 1, key);
        for (int end = nextSlash(key, 1, dirEnd); end > 0; end = nextSlash(key, end, dirEnd)) {
            String path = latin1(key, end);
            DirNode child = nodes.get(path);
            if (child == null) {
                child = newNode(path, node, end, key);
                if (child == null) break; // not there (or not a directory): the miss hangs on the parent
            }
            node = child;
        }
        return node;
    }

    /**
     * A node for {@code key[0, end)}: watched when it can be, untrusted when not (the root always gets
     * one); null when it is not there or no directory.
     */
    private DirNode newNode(String path, DirNode parent, int end, byte[] key) {
        int wd = -1;
        if (parent == null || parent.trusted()) {
            writeWatchPath(key, end);
            if (watches >= Math.min(watchesMax, watchesMaxKernel)) {
                fallback(WATCH_LIMIT, "open-file cache: open-file-cache.watches-max ({}) directories watched by one"
                        + " loop: files in further directories are checked with statx every open-file-cache.valid;"
                        + " raise open-file-cache.watches-max", watchesMax);
            } else {
                wd = sys.inotifyAddWatch(inotifyFd, watchPath, MASK);
                if ((wd == -Errno.ENOENT || wd == -Errno.ENOTDIR) && parent != null) return null;
                if (wd == -Errno.ENOSPC) {
                    watchesMaxKernel = watches;
                    fallback(WATCH_LIMIT, "open-file cache: inotify_add_watch: ENOSPC, fs.inotify.max_user_watches"
                            + " reached ({} held by this loop): files in further directories are checked with statx every"
                            + " open-file-cache.valid; raise fs.inotify.max_user_watches (sysctl)", watches);
                    wd = -1;
                } else if (wd < 0) {
                    // EACCES (a directory searchable but not readable, mode 711): files in it can be served,
                    // but not watched; they are revalidated like those past the watch limit.
                    wd = -1;
                } else if (byWd.get(wd) == null) {
                    String remote = remoteKind();
                    if (remote != null) {
                        sys.inotifyRmWatch(inotifyFd, wd);
                        wd = -1;
                        fallback(REMOTE_FS, "open-file cache: {} is on {}, where changes made elsewhere reach no"
                                + " inotify: files under it are checked with statx every open-file-cache.valid", path, remote);
                    } else {
                        watches++;
                    }
                }
            }
        }
        DirNode node = new DirNode(path, parent, wd);
        if (wd >= 0) {
            DirNode sharing = byWd.get(wd);
            if (sharing != null) node.sameWdNext = sharing; // the same inode by another path: one watch
            byWd.put(wd, node);
        }
        nodes.put(path, node);
        if (parent != null) {
            node.nextSibling = parent.firstChild;
            if (parent.firstChild != null) parent.firstChild.prevSibling = node;
            parent.firstChild = node;
        }
        return node;
    }

    private void release(DirNode node) {
        node.released = true;
        nodes.remove(node.path);
        if (node.wd >= 0) forgetWatch(node, true);
        DirNode parent = node.parent;
        if (parent != null) {
            if (node.prevSibling != null) node.prevSibling.nextSibling = node.nextSibling;
            else parent.firstChild = node.nextSibling;
            if (node.nextSibling != null) node.nextSibling.prevSibling = node.prevSibling;
            if (!parent.released && parent.empty()) release(parent);
        }
    }

    /** Takes the node out of its watch's chain; the last node of a watch removes it from the kernel. */
    private void forgetWatch(DirNode node, boolean removeFromKernel) {
        int wd = node.wd;
        node.wd = -1;
        DirNode head = byWd.get(wd);
        if (head == node) {
            if (node.sameWdNext != null) byWd.put(wd, node.sameWdNext);
            else byWd.remove(wd);
        } else {
            for (DirNode n = head; n != null; n = n.sameWdNext) {
                if (n.sameWdNext == node) {
                    n.sameWdNext = node.sameWdNext;
                    break;
                }
            }
        }
        node.sameWdNext = null;
        if (!byWd.containsKey(wd)) {
            watches--;
            if (removeFromKernel) sys.inotifyRmWatch(inotifyFd, wd); // IN_IGNORED follows: its wd is unknown by then
        }
    }

    private void queueIfEmpty(DirNode node) {
        if (node.empty() && !node.queuedForRelease && !node.released) {
            node.queuedForRelease = true;
            releaseQueue.add(node);
        }
    }

    // ---- events ----------------------------------------------------------------------------------

    /**
     * Reads every queued event and drops what each names (the loop calls this when the fd is
     * readable, before the requests of the same wake-up). Returns the events read.
     */
    int drain() {
        int events = 0;
        while (true) {
            long n = sys.read(inotifyFd, eventBuffer, EVENT_BUFFER_BYTES);
            if (n <= 0) {
                if (n < 0 && n != -Errno.EAGAIN && n != -Errno.EINTR) {
                    log.error("open-file cache: read of the inotify fd failed: {}", Errno.describe((int) -n));
                }
                break;
            }
            for (long at = eventBuffer, end = eventBuffer + n; at < end; at += InotifyEvent.bytes(at)) {
                handle(at);
                events++;
            }
            // Room left for a largest event: the read emptied the queue (inotify(7) returns whole events).
            if (n <= EVENT_BUFFER_BYTES - InotifyEvent.HEADER_BYTES - InotifyEvent.NAME_BYTES_MAX) break;
        }
        releaseEmpty();
        return events;
    }

    private void handle(long event) {
        int mask = InotifyEvent.mask(event);
        if ((mask & IN_Q_OVERFLOW) != 0) {
            overflows++;
            invalidations[OVERFLOW] += owner.invalidateAll();
            return;
        }
        int wd = InotifyEvent.wd(event);
        DirNode head = byWd.get(wd);
        if (head == null) return; // a watch already given up (its IN_IGNORED after inotify_rm_watch)
        int nameBytes = nameLength(event);
        if ((mask & (IN_IGNORED | IN_UNMOUNT | IN_DELETE_SELF | IN_MOVE_SELF)) != 0 || nameBytes == 0) {
            // The directory itself went, moved or changed: nothing under its old path can be trusted.
            for (DirNode n = head, next; n != null; n = next) {
                next = n.sameWdNext; // forgetWatch unlinks n
                if ((mask & (IN_IGNORED | IN_UNMOUNT)) != 0 && n.wd >= 0) forgetWatch(n, false);
                dropSubtree(n, DIRECTORY);
            }
            return;
        }
        int cause = (mask & (IN_CREATE | IN_MOVED_TO)) != 0 ? CREATED
                : (mask & (IN_DELETE | IN_MOVED_FROM)) != 0 ? REMOVED : CHANGED;
        for (DirNode n = head; n != null; n = n.sameWdNext) {
            dropNamed(n, InotifyEvent.nameAddress(event), nameBytes, cause);
            while (n.sensitive != null) drop(n.sensitive, cause);
        }
    }

    /** The entries for {@code dir + name} (as a file and as a directory path) and everything below it. */
    private void dropNamed(DirNode dir, long nameAddress, int nameBytes, int cause) {
        byte[] k = nameKey;
        int dirLen = dir.pathBytes.length;
        System.arraycopy(dir.pathBytes, 0, k, 0, dirLen);
        NativeMemory.copy(nameAddress, k, dirLen, nameBytes);
        int len = dirLen + nameBytes;
        FileEntry e = owner.cached(k, len);
        if (e != null) drop(e, cause);
        k[len] = '/';
        e = owner.cached(k, len + 1);
        if (e != null) drop(e, cause);
        if (dir.firstChild != null) {
            DirNode child = nodes.get(latin1(k, len + 1));
            if (child != null) dropSubtree(child, cause);
        }
        // A sidecar (name.gz, .zst, .br) changed: its file's entry remembers which sidecars exist.
        int base = Variants.sidecarBaseLength(k, len);
        if (base > dirLen) {
            e = owner.cached(k, base);
            if (e != null) drop(e, cause);
        }
    }

    private void dropSubtree(DirNode node, int cause) {
        while (node.named != null) drop(node.named, cause);
        while (node.sensitive != null) drop(node.sensitive, cause);
        for (DirNode c = node.firstChild; c != null; c = c.nextSibling) dropSubtree(c, cause);
        queueIfEmpty(node);
    }

    private void drop(FileEntry e, int cause) {
        invalidations[cause]++;
        owner.invalidate(e);
    }

    /** A directory left unwatched: counted for the metrics, logged once per process and reason. */
    private void fallback(int reason, String message, Object... args) {
        fallbacks[reason]++;
        logOnce(reason, message, args);
    }

    static void logOnce(int reason, String message, Object... args) {
        if (LOGGED[reason].compareAndSet(false, true)) log.warn(message, args);
    }

    @Override
    public void close() {
        sys.close(inotifyFd); // every watch goes with the instance
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** statfs of the path at {@link #watchPath}: the file system's name when it may change behind inotify's back. */
    private String remoteKind() {
        if (sys.statfs(watchPath, statfsAddress) < 0) return null;
        return Statfs.remoteKind(Statfs.type(statfsAddress));
    }

    /** "/proc/self/fd/ROOT/" + key[1, end) + NUL at {@link #watchPath} (the key starts with '/', the prefix ends with one). */
    private void writeWatchPath(byte[] key, int end) {
        int len = Math.max(0, end - 1);
        NativeMemory.copy(key, 1, watchPath + watchPathPrefixBytes, len);
        NativeMemory.putByte(watchPath + watchPathPrefixBytes + len, (byte) 0);
    }

    private static int nameLength(long event) {
        int field = InotifyEvent.nameFieldBytes(event);
        long name = InotifyEvent.nameAddress(event);
        int n = 0;
        while (n < field && NativeMemory.getByte(name + n) != 0) n++;
        return n;
    }

    private static int lastSlash(byte[] key, int before) {
        for (int i = before; i >= 0; i--) if (key[i] == '/') return i;
        return 0;
    }

    /** The end (exclusive, '/' included) of the next directory after {@code from}, up to {@code dirEnd}; -1 when done. */
    private static int nextSlash(byte[] key, int from, int dirEnd) {
        for (int i = from; i < dirEnd; i++) if (key[i] == '/') return i + 1;
        return -1;
    }

    private static String latin1(byte[] b, int len) {
        return new String(b, 0, len, StandardCharsets.ISO_8859_1);
    }
}
