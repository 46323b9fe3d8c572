package io.uringhttpd.files;

import io.uringhttpd.compress.CompressionPool;
import io.uringhttpd.compress.ContentCoding;
import io.uringhttpd.metrics.CompressionCounters;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The compressed representations of one loop's files (single-threaded, like its {@link FileService}):
 * precompressed sidecars and variants made on the fly. A representation is a {@link FileEntry} like
 * any file: bytes in memory or an fd for sendfile / SPLICE, retained by the response that sends it.
 *
 * <p>Sidecars ({@code file.br}, {@code .zst}, {@code .gz} next to {@code file}) are opened through the
 * open-file cache, so they stay fresh exactly as files do (inotify, else revalidation); one older than
 * its file is not served (it was made from an earlier version) and is counted.
 *
 * <p>Variants made on the fly, for compressible types within the configured sizes: the first request
 * queues a job to the worker's {@link CompressionPool} and is answered unencoded; the loop picks the
 * result up at its next tick ({@link #installMade}) and later requests get it. Cached per path and
 * coding, with the ETag of the file it was made from: a changed file (another ETag) drops its old
 * variants on the next lookup. Bounded by bytes in memory and on disk, least recently used first.
 * Nothing is allocated on a hit; a miss allocates the job.
 */
public final class Variants implements AutoCloseable, CompressionCounters {
    /** Statuses of the negative entries of the variant table. */
    private static final int PENDING = -1, NOT_SMALLER = -2;
    /** {@link FileEntry#sidecars}: the bits below are known. */
    static final int SIDECARS_KNOWN = 0x80;

    private static final ContentCoding[] ALL_CODINGS = ContentCoding.values();

    private final FileService files;
    private final VariantSettings settings;
    private final CompressionPool pool; // null: no variants made on the fly
    private final OpenFileCache table; // null with pool
    private final ContentCoding[] offered;
    private final byte[][] typePrefixes;
    private final byte[][] typesExact;
    private final byte[] sidecarPath;
    private final byte[] variantKey;
    private final FileLookup sidecarLookup = new FileLookup();
    private final ConcurrentLinkedQueue<CompressionPool.Made> made = new ConcurrentLinkedQueue<>();
    private final CompressionPool.Sink sink = this::deliver;
    private boolean closed;
    private long nowMs;

    private final long[] bodyBytes = new long[ENCODINGS.size()];
    private final long[] variantsMade = new long[CODINGS.size()];
    private long cacheHits;
    private long cacheMisses;
    private long cacheEvictions;
    private long poolRejections;
    private long cpuNanos;
    private long staleSidecars;
    private long memoryBytes;
    private long diskBytes;

    /**
     * @param pool the worker's compression pool, or null to make no variants on the fly
     */
    public Variants(FileService files, VariantSettings settings, CompressionPool pool) {
        this.files = files;
        this.settings = settings;
        this.pool = settings.variants() ? pool : null;
        this.offered = settings.encodings().toArray(new ContentCoding[0]);
        this.table = this.pool != null ? new OpenFileCache(settings.cacheEntriesMax()) : null;
        List<String> prefixes = settings.types().stream().filter(t -> t.endsWith("/*")).map(t -> t.substring(0, t.length() - 1)).toList();
        List<String> exact = settings.types().stream().filter(t -> !t.endsWith("/*")).toList();
        typePrefixes = prefixes.stream().map(t -> t.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
        typesExact = exact.stream().map(t -> t.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
        int suffixMax = 0;
        for (ContentCoding c : ContentCoding.values()) suffixMax = Math.max(suffixMax, c.sidecarSuffixBytes().length);
        sidecarPath = new byte[FileService.PATH_BYTES_MAX + 1 + suffixMax];
        variantKey = new byte[FileService.PATH_BYTES_MAX + 1 + 2];
    }

    /** The codings offered, in the server's order of preference. */
    public ContentCoding[] offered() {
        return offered;
    }

    /** Whether any compressed representation can ever be sent. */
    public boolean enabled() {
        return offered.length > 0 && (settings.sidecars() || pool != null);
    }

    /** The loop's clock, once per iteration, and the variants the pool finished since the last tick. */
    public void tick(long nowMs) {
        this.nowMs = nowMs;
        if (!made.isEmpty()) installMade();
    }

    /**
     * The representation of {@code file} (a regular file, retained by the caller) in {@code coding}:
     * its sidecar when there is a fresh one, else the cached variant when it is ready. FOUND with
     * {@code result.entry} retained (release it), or NOT_FOUND — after queueing a job to make the
     * variant when there is none and the file is one to compress.
     */
    public int open(FileEntry file, ContentCoding coding, FileLookup result) {
        result.entry = null;
        if (settings.sidecars() && openSidecar(file, coding, result)) {
            return FileService.FOUND;
        }
        if (pool == null || !pool.makes(coding) || !compressible(file)) {
            return FileService.NOT_FOUND;
        }
        int len = variantKey(file, coding);
        int hash = OpenFileCache.hash(variantKey, len);
        FileEntry v = table.get(variantKey, len, hash);
        if (v != null) {
            if (Arrays.equals(v.sourceEtag, file.etag)) {
                if (v.status != FileService.FOUND) {
                    return FileService.NOT_FOUND; // being made, or not smaller than the file
                }
                cacheHits++;
                table.touch(v);
                v.refCount++;
                result.entry = v;
                return FileService.FOUND;
            }
            if (v.status == PENDING) {
                return FileService.NOT_FOUND; // made from the old file: dropped when it arrives
            }
            discard(v);
        }
        cacheMisses++;
        submit(file, coding, len, hash);
        return FileService.NOT_FOUND;
    }

    /**
     * Whether {@code file} has, or may get, a representation in some offered coding: then every
     * response for it says {@code Vary: Accept-Encoding}, the unencoded ones included.
     */
    public boolean negotiable(FileEntry file) {
        if (pool != null && compressible(file)) {
            return true;
        }
        if (!settings.sidecars()) {
            return false;
        }
        for (ContentCoding c : offered) {
            if (openSidecar(file, c, sidecarLookup)) {
                sidecarLookup.entry.release();
                sidecarLookup.entry = null;
                return true;
            }
        }
        return false;
    }

    /** Counts a planned response body by its coding (null: unencoded). */
    public void countBody(ContentCoding coding, long bytes) {
        bodyBytes[coding == null ? IDENTITY : 1 + coding.ordinal()] += bytes;
    }

    /**
     * A fresh sidecar of {@code file} in {@code coding}, retained in {@code result}. For a file kept fresh
     * by a watch, which sidecars exist is probed once (openat2 O_PATH each) and remembered on its entry,
     * so a file without sidecars costs no lookup afterwards and no entry in the open-file cache; the
     * sidecars that exist are opened through the cache, like files.
     */
    private boolean openSidecar(FileEntry file, ContentCoding coding, FileLookup result) {
        if (file.trusted) {
            if ((file.sidecars & SIDECARS_KNOWN) == 0) {
                file.sidecars = (byte) (SIDECARS_KNOWN | probeSidecars(file));
            }
            if ((file.sidecars & 1 << coding.ordinal()) == 0) {
                return false;
            }
        }
        int len = sidecarPath(file, coding);
        if (len < 0 || files.open(sidecarPath, len, nowMs, result) != FileService.FOUND) {
            return false;
        }
        FileEntry s = result.entry;
        if (!s.directory && ETags.nanos(s.mtimeSec, s.mtimeNsec) >= ETags.nanos(file.mtimeSec, file.mtimeNsec)) {
            return true;
        }
        if (!s.directory) {
            staleSidecars++;
        }
        s.release();
        result.entry = null;
        return false;
    }

    /** The bits of the offered codings whose sidecar path names something. */
    private int probeSidecars(FileEntry file) {
        int bits = 0;
        for (ContentCoding c : offered) {
            int len = sidecarPath(file, c);
            if (len >= 0 && files.exists(sidecarPath, len)) {
                bits |= 1 << c.ordinal();
            }
        }
        return bits;
    }

    /** file's path + the coding's suffix in {@link #sidecarPath}; its length, or -1 when too long. */
    private int sidecarPath(FileEntry file, ContentCoding coding) {
        byte[] key = file.key;
        byte[] suffix = coding.sidecarSuffixBytes();
        if (key.length + suffix.length > FileService.PATH_BYTES_MAX + 1) {
            return -1;
        }
        System.arraycopy(key, 0, sidecarPath, 0, key.length);
        System.arraycopy(suffix, 0, sidecarPath, key.length, suffix.length);
        return key.length + suffix.length;
    }

    /**
     * For a name ending in a sidecar suffix (".gz", ".zst", ".br"), the length of the name without it;
     * else -1. Allocates nothing (inotify events are handled on the loop).
     */
    static int sidecarBaseLength(byte[] name, int len) {
        for (ContentCoding c : ALL_CODINGS) {
            byte[] suffix = c.sidecarSuffixBytes();
            int base = len - suffix.length;
            if (base > 0 && Arrays.equals(name, base, len, suffix, 0, suffix.length)) {
                return base;
            }
        }
        return -1;
    }

    /** Type in the configured list and size within [min-bytes, max-bytes]; worked out once per entry. */
    private boolean compressible(FileEntry file) {
        if (file.compressible == 0) {
            boolean yes = file.size >= settings.minBytes() && file.size <= settings.maxBytes() && typeListed(file.contentType);
            file.compressible = (byte) (yes ? 1 : 2);
        }
        return file.compressible == 1;
    }

    private boolean typeListed(byte[] contentType) {
        int end = 0;
        while (end < contentType.length && contentType[end] != ';' && contentType[end] != ' ') end++;
        for (byte[] p : typePrefixes) {
            if (end >= p.length && Arrays.equals(contentType, 0, p.length, p, 0, p.length)) return true;
        }
        for (byte[] t : typesExact) {
            if (Arrays.equals(contentType, 0, end, t, 0, t.length)) return true;
        }
        return false;
    }

    /** path NUL coding: no request path holds a NUL, so the key never names a file. */
    private int variantKey(FileEntry file, ContentCoding coding) {
        byte[] key = file.key;
        System.arraycopy(key, 0, variantKey, 0, key.length);
        variantKey[key.length] = 0;
        variantKey[key.length + 1] = (byte) coding.ordinal();
        return key.length + 2;
    }

    private void submit(FileEntry file, ContentCoding coding, int len, int hash) {
        int fd = -1;
        if (file.smallBody == null) {
            fd = files.dupFd(file.fd);
            if (fd < 0) {
                return;
            }
        }
        FileEntry pending = new FileEntry(files, Arrays.copyOf(variantKey, len), hash, PENDING, file.etag, nowMs);
        CompressionPool.Job job = new CompressionPool.Job(coding, file.smallBody, fd, file.size,
                new Token(pending, file), sink);
        if (!pool.submit(job)) {
            poolRejections++;
            if (fd >= 0) files.closeFdNumber(fd);
            return;
        }
        insert(pending);
    }

    /** What a job carries back: its placeholder in the table, and the file (for the variant's metadata). */
    private record Token(FileEntry pending, FileEntry source) {}

    /** Pool thread: hands a finished job to the loop (or closes its file when the loop is gone). */
    private void deliver(CompressionPool.Made m) {
        synchronized (made) {
            if (!closed) {
                made.add(m);
                return;
            }
        }
        m.discard();
    }

    /** Loop thread: puts the finished variants into the table. */
    void installMade() {
        CompressionPool.Made m;
        while ((m = made.poll()) != null) {
            Token token = (Token) m.token();
            FileEntry pending = token.pending();
            FileEntry source = token.source();
            cpuNanos += m.cpuNanos();
            boolean current = pending.cached;
            if (current) {
                table.remove(pending);
            }
            switch (m.outcome()) {
                case MADE -> {
                    variantsMade[m.coding().ordinal()]++;
                    if (!current || !fits(m.bytes(), m.fd() >= 0)) {
                        m.discard();
                        continue;
                    }
                    byte[] etag = variantEtag(source.etag, m.coding());
                    insert(new FileEntry(files, pending.key, pending.hash, source, m.fd(), m.bytes(), m.body(), etag, nowMs));
                }
                case NOT_SMALLER -> {
                    if (current) insert(new FileEntry(files, pending.key, pending.hash, NOT_SMALLER, source.etag, nowMs));
                }
                case FAILED -> { } // tried again on the next request
            }
        }
    }

    /** A variant larger than the cache's share for its kind is not kept (it would evict all the rest). */
    private boolean fits(long bytes, boolean onDisk) {
        return bytes <= (onDisk ? settings.cacheDiskBytesMax() : settings.cacheMemoryBytesMax());
    }

    /** The file's strong ETag with the coding appended inside the quotes: {@code "…-br"}. */
    static byte[] variantEtag(byte[] sourceEtag, ContentCoding coding) {
        byte[] token = coding.tokenBytes();
        byte[] etag = Arrays.copyOf(sourceEtag, sourceEtag.length + 1 + token.length);
        int at = sourceEtag.length - 1; // the closing quote
        etag[at++] = '-';
        System.arraycopy(token, 0, etag, at, token.length);
        etag[etag.length - 1] = '"';
        return etag;
    }

    private void insert(FileEntry e) {
        long mem = e.smallBody != null ? e.size : 0;
        long disk = e.status == FileService.FOUND && e.smallBody == null ? e.size : 0;
        while (table.size() > 0 && (table.isFull() || memoryBytes + mem > settings.cacheMemoryBytesMax()
                || diskBytes + disk > settings.cacheDiskBytesMax())) {
            cacheEvictions++;
            discard(table.eldest());
        }
        memoryBytes += mem;
        diskBytes += disk;
        table.put(e);
    }

    private void discard(FileEntry e) {
        table.remove(e);
        if (e.status == FileService.FOUND) {
            if (e.smallBody != null) memoryBytes -= e.size;
            else diskBytes -= e.size;
        }
        if (e.refCount == 0) files.closeFd(e);
    }

    /** Drops every variant (fds of those still being sent close on their last release). */
    @Override
    public void close() {
        synchronized (made) {
            closed = true;
        }
        CompressionPool.Made m;
        while ((m = made.poll()) != null) m.discard();
        if (table != null) {
            table.clear(e -> {
                if (e.refCount == 0) files.closeFd(e);
            });
        }
        memoryBytes = diskBytes = 0;
    }

    @Override
    public long bodyBytes(int encoding) {
        return bodyBytes[encoding];
    }

    @Override
    public long variantsMade(int coding) {
        return variantsMade[coding];
    }

    @Override
    public long cacheHits() {
        return cacheHits;
    }

    @Override
    public long cacheMisses() {
        return cacheMisses;
    }

    @Override
    public long cacheEvictions() {
        return cacheEvictions;
    }

    @Override
    public long poolRejections() {
        return poolRejections;
    }

    @Override
    public long compressionCpuNanos() {
        return cpuNanos;
    }

    @Override
    public long staleSidecars() {
        return staleSidecars;
    }

    @Override
    public long cacheMemoryBytes() {
        return memoryBytes;
    }

    @Override
    public long cacheDiskBytes() {
        return diskBytes;
    }
}
