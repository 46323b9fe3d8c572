package io.uringhttpd.compress;

import static io.uringhttpd.sys.FileConstants.AT_FDCWD;
import static io.uringhttpd.sys.FileConstants.O_CLOEXEC;
import static io.uringhttpd.sys.FileConstants.O_CREAT;
import static io.uringhttpd.sys.FileConstants.O_DIRECTORY;
import static io.uringhttpd.sys.FileConstants.O_EXCL;
import static io.uringhttpd.sys.FileConstants.O_PATH;
import static io.uringhttpd.sys.FileConstants.O_RDWR;
import static io.uringhttpd.sys.FileConstants.O_TMPFILE;

import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.Syscalls;
import io.uringhttpd.sys.ThreadNice;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes compressed variants off the event loops: a few threads per worker process, shared by its
 * loops, with a bounded queue. A loop hands over a {@link Job} and goes on serving; when the queue
 * is full the job is refused at once ({@link #submit} returns false) and the file keeps going out
 * unencoded — no request ever waits on a compressor (docs/compression.md).
 *
 * <p>A variant up to {@code memoryVariantBytesMax} comes back as bytes in native memory; a larger
 * one as the fd of an unnamed file in the cache directory ({@code O_TMPFILE}, Linux 3.11; where the
 * file system has none, a named file unlinked at once), so it goes out by sendfile / SPLICE like
 * any file, and its disk space is freed by the kernel when the last fd closes — after a crash too.
 */
public final class CompressionPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompressionPool.class);
    private static final long LOG_INTERVAL_NS = 1_000_000_000L;
    /** Nice value of the compressing threads: the loops (nice 0) get the CPU first when both want it. */
    static final int COMPRESSING_THREAD_NICE = 10;

    /** What a finished job produced. */
    public enum Outcome { MADE, NOT_SMALLER, FAILED }

    /** Where a finished job's result goes (called on a pool thread: hand it to the loop, do not block). */
    public interface Sink {
        void deliver(Made made);
    }

    /**
     * One file to compress. The source is either the file's bytes (a cached small body: read-only
     * native memory, shared) or {@code sourceFd}, an fd the job owns and closes (a dup of the
     * loop's, so the loop may close its own at any time).
     */
    public record Job(ContentCoding coding, MemorySegment sourceBody, int sourceFd, long sourceBytes,
                      Object token, Sink sink) {}

    /**
     * A finished job: {@code body} (memory) or {@code fd} (the unlinked cache file, owned by whoever
     * receives it) holds {@code bytes} encoded bytes when the outcome is MADE.
     */
    public record Made(Object token, ContentCoding coding, Outcome outcome, MemorySegment body, int fd,
                       long bytes, long cpuNanos) {
        /** Closes the fd of a variant nobody will use (the loop is gone, or dropped it on arrival). */
        public void discard() {
            if (fd >= 0) {
                new Syscalls().close(fd);
            }
        }
    }

    private final Map<ContentCoding, Compressor> compressors = new EnumMap<>(ContentCoding.class);
    private final ThreadPoolExecutor executor;
    private final int cacheDirectoryFd;
    private final Path cacheDirectory;
    private final long memoryVariantBytesMax;
    private final ThreadMXBean threadBeans = ManagementFactory.getThreadMXBean();
    private final ThreadLocal<Syscalls> sys = ThreadLocal.withInitial(Syscalls::new);
    private final AtomicInteger fileNames = new AtomicInteger();
    private volatile long lastErrorLogNs = System.nanoTime() - LOG_INTERVAL_NS;
    private volatile boolean tmpfileRefused;

    /**
     * @param threads               compressing threads (each runs one job at a time)
     * @param queueMax              jobs waiting at most; beyond, {@link #submit} refuses
     * @param cacheDirectory        where variants larger than memoryVariantBytesMax are written
     * @param memoryVariantBytesMax variants up to this size stay in memory
     */
    public CompressionPool(List<Compressor> compressors, int threads, int queueMax, Path cacheDirectory,
                           long memoryVariantBytesMax) throws IOException {
        for (Compressor c : compressors) {
            this.compressors.put(c.coding(), c);
        }
        this.cacheDirectory = cacheDirectory.toAbsolutePath();
        this.memoryVariantBytesMax = memoryVariantBytesMax;
        Files.createDirectories(this.cacheDirectory);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(this.cacheDirectory.toString(), StandardCharsets.UTF_8);
            int fd = new Syscalls().openat(AT_FDCWD, path.address(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("compression.cache-directory " + this.cacheDirectory + ": " + Errno.describe(-fd));
            }
            cacheDirectoryFd = fd;
        }
        AtomicInteger threadNumber = new AtomicInteger();
        executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueMax),
                r -> Thread.ofPlatform().daemon().name("compress-" + threadNumber.getAndIncrement()).unstarted(() -> {
                    // Below the loops: on a busy machine the kernel runs them first.
                    int rc = ThreadNice.set(COMPRESSING_THREAD_NICE);
                    if (rc < 0) {
                        log.debug("setpriority for a compressing thread: {}", Errno.describe(-rc));
                    }
                    r.run();
                }),
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** The codings this pool can make. */
    public boolean makes(ContentCoding coding) {
        return compressors.containsKey(coding);
    }

    /**
     * Queues a job; false when the queue is full or the pool is closed (the caller still owns
     * the job's fd then, and closes it).
     */
    public boolean submit(Job job) {
        if (!compressors.containsKey(job.coding())) {
            return false;
        }
        try {
            executor.execute(new Task(job));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** A queued job: a class, not a lambda, so {@link #close} can close the fds of those never run. */
    private final class Task implements Runnable {
        final Job job;

        Task(Job job) {
            this.job = job;
        }

        @Override
        public void run() {
            CompressionPool.this.run(job);
        }
    }

    private void run(Job job) {
        long cpuStart = threadBeans.getCurrentThreadCpuTime();
        Made made;
        try {
            made = make(job);
        } catch (RuntimeException | OutOfMemoryError e) {
            logError("compressing a " + job.sourceBytes() + "-byte file to " + job.coding().token() + " failed: " + e);
            made = new Made(job.token(), job.coding(), Outcome.FAILED, null, -1, 0, 0);
        } finally {
            if (job.sourceFd() >= 0) {
                sys.get().close(job.sourceFd());
            }
        }
        long cpu = threadBeans.getCurrentThreadCpuTime() - cpuStart;
        job.sink().deliver(new Made(made.token(), made.coding(), made.outcome(), made.body(), made.fd(), made.bytes(), cpu));
    }

    private Made make(Job job) {
        Compressor compressor = compressors.get(job.coding());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = job.sourceBody() != null ? job.sourceBody() : read(job, arena);
            if (source == null) {
                return new Made(job.token(), job.coding(), Outcome.FAILED, null, -1, 0, 0);
            }
            MemorySegment target = arena.allocate(Math.max(1, compressor.maxCompressedBytes(source.byteSize())));
            long n = compressor.compress(source, target);
            if (n >= source.byteSize()) {
                return new Made(job.token(), job.coding(), Outcome.NOT_SMALLER, null, -1, n, 0);
            }
            if (n <= memoryVariantBytesMax) {
                // A direct buffer: freed by the GC once the loop drops the variant, like a small file's body.
                MemorySegment body = MemorySegment.ofBuffer(ByteBuffer.allocateDirect((int) n));
                body.copyFrom(target.asSlice(0, n));
                return new Made(job.token(), job.coding(), Outcome.MADE, body.asReadOnly(), -1, n, 0);
            }
            int fd = writeCacheFile(target, n);
            if (fd < 0) {
                return new Made(job.token(), job.coding(), Outcome.FAILED, null, -1, 0, 0);
            }
            return new Made(job.token(), job.coding(), Outcome.MADE, null, fd, n, 0);
        }
    }

    private MemorySegment read(Job job, Arena arena) {
        MemorySegment source = arena.allocate(Math.max(1, job.sourceBytes())).asSlice(0, job.sourceBytes());
        long done = 0;
        while (done < job.sourceBytes()) {
            long n = sys.get().pread(job.sourceFd(), source.address() + done, job.sourceBytes() - done, done);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n <= 0) {
                // 0: the file shrank under us (being rewritten); the next request after the cache
                // sees the new file queues a new job.
                if (n < 0) logError("pread of a file to compress failed: " + Errno.describe((int) -n));
                return null;
            }
            done += n;
        }
        return source;
    }

    /** The variant in an unnamed file of the cache directory, or -1 (logged). */
    private int writeCacheFile(MemorySegment bytes, long length) {
        Syscalls s = sys.get();
        int fd = -Errno.EINVAL;
        if (!tmpfileRefused) {
            try (Arena arena = Arena.ofConfined()) {
                fd = s.openat(cacheDirectoryFd, arena.allocateFrom(".").address(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
            }
            if (fd < 0 && fd != -Errno.ENOSPC && fd != -Errno.EMFILE) {
                // EOPNOTSUPP, EISDIR, EINVAL: no O_TMPFILE on this file system (open(2)); named files from now on.
                tmpfileRefused = true;
                log.info("compression.cache-directory {} has no O_TMPFILE ({}): variants go to named files, unlinked"
                        + " as soon as they are open", cacheDirectory, Errno.describe(-fd));
            }
        }
        if (tmpfileRefused) {
            fd = openUnlinked(s);
        }
        if (fd < 0) {
            logError("no cache file for a compressed variant in " + cacheDirectory + ": " + Errno.describe(-fd));
            return -1;
        }
        long done = 0;
        while (done < length) {
            long n = s.write(fd, bytes.address() + done, length - done);
            if (n == -Errno.EINTR) {
                continue;
            }
            if (n <= 0) {
                logError("writing a compressed variant to " + cacheDirectory + " failed: "
                        + (n < 0 ? Errno.describe((int) -n) : "no progress") + " (compression.cache-disk-bytes)");
                s.close(fd);
                return -1;
            }
            done += n;
        }
        return fd;
    }

    private int openUnlinked(Syscalls s) {
        Path file = cacheDirectory.resolve("variant-" + ProcessHandle.current().pid() + "-" + fileNames.incrementAndGet());
        try (Arena arena = Arena.ofConfined()) {
            int fd = s.openat(AT_FDCWD, arena.allocateFrom(file.toString(), StandardCharsets.UTF_8).address(),
                    O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0600);
            if (fd >= 0) {
                try {
                    Files.delete(file);
                } catch (IOException e) {
                    logError("cannot unlink " + file + ": " + e);
                }
            }
            return fd;
        }
    }

    private void logError(String message) {
        long now = System.nanoTime();
        if (now - lastErrorLogNs >= LOG_INTERVAL_NS) {
            lastErrorLogNs = now;
            log.error(message);
        }
    }

    /**
     * Stops the threads: queued jobs are dropped (their fds closed), a job running now finishes
     * first (a compressor cannot be interrupted), for at most {@code waitMs}.
     */
    public void close(long waitMs) {
        for (Runnable r : executor.shutdownNow()) {
            int fd = ((Task) r).job.sourceFd();
            if (fd >= 0) {
                new Syscalls().close(fd);
            }
        }
        boolean idle = false;
        try {
            idle = executor.awaitTermination(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (idle) {
            new Syscalls().close(cacheDirectoryFd);
        } // else a job still runs and may open a cache file in it: the fd goes with the process
    }

    /** {@link #close(long)} waiting 2 s at most: a process that exits ends a running job anyway. */
    @Override
    public void close() {
        close(2_000);
    }
}
