package io.uringhttpd.files;

import java.lang.foreign.MemorySegment;

/**
 * An open file or directory (or a cached "not there"), owned by one {@link FileService} and so by one event
 * loop: single-threaded, no synchronization.
 *
 * <p>What a request sees never changes under it: when revalidation finds the file changed, the cache drops
 * this entry and opens a new one, while connections still sending from this one keep its fd and small body
 * until they {@link #release()} it. The fd is closed when the entry is out of the cache and its reference
 * count is zero, whichever happens last (like nginx's open_file_cache, which also keeps an fd of an evicted
 * entry until its last user is done).
 */
public final class FileEntry {
    final FileService owner;
    /** Cache key: the request path bytes, starting with '/'. */
    final byte[] key;
    final int hash;
    /** {@link FileService#FOUND}, or the cached negative result (NOT_FOUND / FORBIDDEN). */
    final int status;

    final int fd;
    final boolean directory;
    final int mode;
    final long size;
    final long mtimeSec;
    final int mtimeNsec;
    final long inode;
    final int devMajor;
    final int devMinor;
    final byte[] etag;
    final byte[] lastModified;
    final byte[] contentType;
    final MemorySegment smallBody;
    /**
     * A cached compressed variant ({@link Variants}): the ETag of the file it was made from, so a
     * changed file (another ETag) never gets the old variant. Null for files.
     */
    final byte[] sourceEtag;
    /** Whether the content type and size are those variants are made for: 0 not known yet, 1 yes, 2 no. */
    byte compressible;
    /**
     * Which sidecars (file.gz, .zst, .br) exist, one bit per coding ordinal, once {@link Variants#SIDECARS_KNOWN}
     * is set: looked up once per entry of a {@link #trusted} file. A sidecar created, replaced or removed
     * later drops this entry (DirectoryWatches), so the bits never go stale.
     */
    byte sidecars;

    /** Last time (caller's clock) the file system confirmed this entry. */
    long validatedAtMs;
    /**
     * Kept fresh by notification alone (its directory is watched and it is no symlink): never
     * revalidated. Otherwise revalidated with statx every open-file-cache.valid.
     */
    boolean trusted;
    /** The directory it hangs on in the cache's {@link DirectoryWatches}, and its neighbours there. */
    DirectoryWatches.DirNode dir;
    FileEntry dirPrev;
    FileEntry dirNext;
    int refCount;
    /** Whether the cache's table and LRU list hold this entry. */
    boolean cached;
    boolean fdClosed;
    FileEntry lruPrev;
    FileEntry lruNext;

    /** A positive entry. */
    FileEntry(FileService owner, byte[] key, int hash, int fd, boolean directory, int mode, long size,
              long mtimeSec, int mtimeNsec, long inode, int devMajor, int devMinor, byte[] contentType,
              MemorySegment smallBody, long nowMs) {
        this.owner = owner;
        this.key = key;
        this.hash = hash;
        this.status = FileService.FOUND;
        this.fd = fd;
        this.directory = directory;
        this.mode = mode;
        this.size = size;
        this.mtimeSec = mtimeSec;
        this.mtimeNsec = mtimeNsec;
        this.inode = inode;
        this.devMajor = devMajor;
        this.devMinor = devMinor;
        this.etag = ETags.strong(size, ETags.nanos(mtimeSec, mtimeNsec), inode);
        this.lastModified = HttpDates.format(mtimeSec);
        this.contentType = contentType;
        this.smallBody = smallBody;
        this.sourceEtag = null;
        this.validatedAtMs = nowMs;
    }

    /**
     * A compressed variant of {@code source} made on the fly: its bytes in memory ({@code body}) or
     * in the unlinked cache file {@code fd} (-1 with a body). It keeps the source's type, dates and
     * identity; its ETag is its own.
     */
    FileEntry(FileService owner, byte[] key, int hash, FileEntry source, int fd, long size, MemorySegment body,
              byte[] etag, long nowMs) {
        this.owner = owner;
        this.key = key;
        this.hash = hash;
        this.status = FileService.FOUND;
        this.fd = fd;
        this.directory = false;
        this.mode = source.mode;
        this.size = size;
        this.mtimeSec = source.mtimeSec;
        this.mtimeNsec = source.mtimeNsec;
        this.inode = source.inode;
        this.devMajor = source.devMajor;
        this.devMinor = source.devMinor;
        this.etag = etag;
        this.lastModified = source.lastModified;
        this.contentType = source.contentType;
        this.smallBody = body;
        this.sourceEtag = source.etag;
        this.fdClosed = fd < 0;
        this.validatedAtMs = nowMs;
    }

    /** A negative entry: no fd, only the status to repeat until it is revalidated. */
    FileEntry(FileService owner, byte[] key, int hash, int status, long nowMs) {
        this(owner, key, hash, status, null, nowMs);
    }

    /** A negative entry that remembers the ETag of a source (a variant being made, or not worth making). */
    FileEntry(FileService owner, byte[] key, int hash, int status, byte[] sourceEtag, long nowMs) {
        this.owner = owner;
        this.key = key;
        this.hash = hash;
        this.status = status;
        this.fd = -1;
        this.directory = false;
        this.mode = 0;
        this.size = 0;
        this.mtimeSec = 0;
        this.mtimeNsec = 0;
        this.inode = 0;
        this.devMajor = 0;
        this.devMinor = 0;
        this.etag = null;
        this.lastModified = null;
        this.contentType = null;
        this.smallBody = null;
        this.sourceEtag = sourceEtag;
        this.fdClosed = true;
        this.validatedAtMs = nowMs;
    }

    /** O_RDONLY|O_CLOEXEC|O_NONBLOCK fd; valid while retained. */
    public int fd() {
        return fd;
    }

    public boolean isDirectory() {
        return directory;
    }

    public long size() {
        return size;
    }

    public long mtimeEpochSec() {
        return mtimeSec;
    }

    public int mtimeNanos() {
        return mtimeNsec;
    }

    public long inode() {
        return inode;
    }

    /** Strong ETag with its quotes, {@code "<size hex>-<mtime ns hex>-<inode hex>"}; see {@link ETags}. Do not modify. */
    public byte[] etag() {
        return etag;
    }

    /** IMF-fixdate, 29 bytes. Do not modify. */
    public byte[] lastModified() {
        return lastModified;
    }

    /** Content-Type header value from the request path's extension. Do not modify. */
    public byte[] contentType() {
        return contentType;
    }

    /**
     * The whole file in native memory when it is a regular file of at most smallFileBytesMax bytes, else
     * null. Read-only for callers; stays valid while the entry is retained (the memory is reclaimed by the
     * GC once no entry refers to it).
     */
    public MemorySegment smallBody() {
        return smallBody;
    }

    public void retain() {
        refCount++;
    }

    public void release() {
        if (refCount <= 0) throw new IllegalStateException("release() without retain(): " + this);
        if (--refCount == 0 && !cached) owner.closeFd(this);
    }

    /** Diagnostics only. */
    public int refCount() {
        return refCount;
    }

    @Override
    public String toString() {
        return "FileEntry[" + new String(key, java.nio.charset.StandardCharsets.UTF_8) + " status=" + status
                + " fd=" + fd + (directory ? " dir" : "") + " size=" + size + " refs=" + refCount
                + (cached ? " cached" : "") + "]";
    }
}
