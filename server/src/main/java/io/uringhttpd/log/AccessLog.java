package io.uringhttpd.log;

import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.FileConstants;
import io.uringhttpd.sys.Statx;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The access log of one process: one line per response in the Combined Log Format
 * ({@code $remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"}),
 * as nginx and Apache write it, so existing log tools read it.
 *
 * <p>This object holds what the event loops share: the path, the reopen request and the state of a
 * write-error episode. The lines themselves are formatted and written by one {@link AccessLogWriter}
 * per event loop ({@link #newWriter}), on the loop's own thread, into the loop's own buffer, which
 * it appends to the file in whole chunks with write(2) on its own {@code O_APPEND} descriptor: the
 * kernel moves the offset and writes as one step, so chunks (and the lines in them) of several loops
 * never interleave. No thread of its own: the loops flush from their tick.
 *
 * <p>{@link #reopen} (SIGUSR1, after logrotate moved the file) may be called from any thread: it only
 * raises a generation number; each loop sees it at its next tick (at least once a second), writes
 * what it buffered to the old file and opens the path again.
 */
public final class AccessLog implements AutoCloseable {
    private static final AccessLog DISABLED = new AccessLog(AccessLogSettings.disabled(), null);

    private final AccessLogSettings settings;
    private final Path path;
    private final List<AccessLogWriter> writers = new ArrayList<>();
    /** Raised by {@link #reopen}; each writer reopens when it sees a new value. */
    private final AtomicInteger generation = new AtomicInteger();
    /** A write-error episode is under way (one warning per episode, whichever loop sees it first). */
    private final AtomicBoolean failing = new AtomicBoolean();

    private AccessLog(AccessLogSettings settings, Path path) {
        this.settings = settings;
        this.path = path;
    }

    /**
     * Opens the access log described by {@code settings}; the no-op instance when it is disabled.
     * Creates missing parent folders and checks that the file can be opened for appending. Setup path.
     *
     * @throws IOException when the folder or file cannot be created or opened
     */
    public static AccessLog open(AccessLogSettings settings) throws IOException {
        if (!settings.enabled()) {
            return DISABLED;
        }
        AccessLog log = new AccessLog(settings, settings.path().toAbsolutePath());
        log.createParent();
        Syscalls sys = new Syscalls();
        int fd = log.openFile(sys);
        if (fd < 0) {
            throw new IOException("cannot open access log " + log.path + ": " + Errno.describe(fd));
        }
        sys.close(fd);
        return log;
    }

    /** The no-op access log. */
    public static AccessLog disabled() {
        return DISABLED;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** The log file (absolute), or null when disabled. */
    public Path path() {
        return path;
    }

    AccessLogSettings settings() {
        return settings;
    }

    /**
     * A writer for one event loop, with its own buffer and descriptor; every call on it must come
     * from that loop's thread. {@code sys} is the loop's own (its syscall counts include the log's
     * writes). A disabled log gives a writer that does nothing. Setup path.
     *
     * @throws IOException when the file cannot be opened
     */
    public synchronized AccessLogWriter newWriter(Syscalls sys) throws IOException {
        if (!enabled()) {
            return AccessLogWriter.DISABLED;
        }
        AccessLogWriter w = new AccessLogWriter(this, sys, generation.get());
        writers.add(w);
        return w;
    }

    /**
     * Asks every writer to close and reopen the file at the configured path, after a log rotation
     * tool renamed it. Any thread; returns at once. Lines still buffered go to the old (renamed) file.
     */
    public void reopen() {
        if (enabled()) {
            generation.incrementAndGet();
        }
    }

    /** A volatile read: a plain load on x86_64, cheap enough for every tick. */
    int generation() {
        return generation.get();
    }

    /** Lines lost so far by every writer (write errors, short writes). A racy sum: for tests and reports. */
    public synchronized long linesLost() {
        long n = 0;
        for (AccessLogWriter w : writers) {
            n += w.linesLost();
        }
        return n;
    }

    /**
     * Writes what every writer still holds and closes their files. Call after the loops have ended
     * (each loop closes its writer when it stops; this catches those that never ran). Idempotent.
     */
    @Override
    public synchronized void close() {
        for (AccessLogWriter w : writers) {
            w.close();
        }
    }

    /** True when this call starts a write-error episode (the caller warns). */
    boolean episodeStarts() {
        return failing.compareAndSet(false, true);
    }

    /** True when this call ends a write-error episode (the caller says so). */
    boolean episodeEnds() {
        return failing.get() && failing.compareAndSet(true, false);
    }

    void createParent() throws IOException {
        Path parent = path.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    /** The path as a C string; allocates, so once per writer and at reopen. */
    MemorySegment cPath(Arena arena) {
        return arena.allocateFrom(path.toString());
    }

    /**
     * open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644): an fd, or -errno.
     * O_NONBLOCK does nothing to a regular file (open(2)); on a pipe or terminal (the container's
     * access-log.path is /dev/stdout) a reader that falls behind makes the write fail with EAGAIN
     * instead of stopping the event loop. Opening /dev/stdout makes a new open file description of
     * the pipe, so fd 1 itself stays blocking.
     */
    int openFile(Syscalls sys) {
        try (Arena arena = Arena.ofConfined()) {
            return sys.openat(FileConstants.AT_FDCWD, cPath(arena).address(),
                    FileConstants.O_WRONLY | FileConstants.O_APPEND | FileConstants.O_CREAT | FileConstants.O_NONBLOCK
                            | FileConstants.O_CLOEXEC, 0644);
        }
    }

    /** True when {@code fd} is a regular file (not a pipe, terminal or socket); allocates: open and reopen only. */
    static boolean isRegularFile(Syscalls sys, int fd) {
        try (Arena arena = Arena.ofConfined()) {
            long statx = arena.allocate(Statx.BYTES, 8).address();
            return sys.fstatx(fd, FileConstants.STATX_TYPE, statx) == 0
                    && (Statx.mode(statx) & FileConstants.S_IFMT) == FileConstants.S_IFREG;
        }
    }
}
