package io.uringhttpd;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.engine.EventLoop;
import io.uringhttpd.engine.ListenSockets;
import io.uringhttpd.engine.LoopMetrics;
import io.uringhttpd.engine.LoopSettings;
import io.uringhttpd.metrics.MetricsFile;
import io.uringhttpd.metrics.MetricsSchema;
import io.uringhttpd.engine.epoll.EpollLoop;
import io.uringhttpd.engine.iouring.IoUringLoop;
import io.uringhttpd.sys.IoUringConstants;
import io.uringhttpd.sys.IoUringProbe;
import io.uringhttpd.files.DotfilesPolicy;
import io.uringhttpd.compress.CompressionPool;
import io.uringhttpd.compress.Compressor;
import io.uringhttpd.compress.Compressors;
import io.uringhttpd.compress.ContentCoding;
import io.uringhttpd.files.FileEventSet;
import io.uringhttpd.files.FileService;
import io.uringhttpd.files.VariantSettings;
import io.uringhttpd.files.Variants;
import io.uringhttpd.files.FileSettings;
import io.uringhttpd.files.MimeTypes;
import io.uringhttpd.files.SymlinkPolicy;
import io.uringhttpd.http.HeaderRules;
import io.uringhttpd.http.HttpSettings;
import io.uringhttpd.http.Redirects;
import io.uringhttpd.http.SiteSelector;
import io.uringhttpd.metrics.CompressionCounters;
import io.uringhttpd.metrics.FileCacheCounters;
import io.uringhttpd.metrics.SiteCounters;
import io.uringhttpd.http.StaticFileHandler;
import io.uringhttpd.log.AccessLog;
import io.uringhttpd.log.AccessLogSettings;
import io.uringhttpd.log.AccessLogWriter;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Glue from a configuration to running event loops: opens the listen sockets, builds
 * one HTTP core and one file cache per loop, and runs each loop on its own platform
 * thread named {@code loop-N}.
 *
 * <p>With {@code master = off} the single process runs one Server on sockets of its own
 * ({@link #start(ServerConfig, MetricsFile)}); with {@code master = on} each worker process runs one
 * Server on the sockets its master handed over ({@link #start(ServerConfig, int[][], ServerConfig.Engine)}).
 * The processes around it (pid file, signals, the metrics endpoint) are the {@code process}
 * package's business: nothing here depends on it.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Server.class);
    /** Kernel caps the backlog at net.core.somaxconn (4096 since Linux 5.4). */
    private static final int LISTEN_BACKLOG = 4096;
    /** nginx's sendfile_max_chunk default (2m since 1.21.4): one connection cannot hog a loop. */
    private static final long SENDFILE_CHUNK_BYTES = 2L << 20;

    private final List<EventLoop> loops;
    private final List<Thread> threads;
    private final AccessLog accessLog;
    /** The worker's compressing threads, shared by its loops; null when nothing is compressed on the fly. */
    private final CompressionPool compressionPool;
    private final int port;

    private Server(List<EventLoop> loops, List<Thread> threads, AccessLog accessLog, CompressionPool compressionPool,
                   int port) {
        this.loops = loops;
        this.threads = threads;
        this.accessLog = accessLog;
        this.compressionPool = compressionPool;
        this.port = port;
    }

    /**
     * One process serving on sockets of its own (master = off, and tests): opens loops-per-worker
     * sockets per address and starts a loop on each; returns once they accept connections.
     */
    public static Server start(ServerConfig config) throws IOException {
        return start(config, null);
    }

    /**
     * {@link #start(ServerConfig)} whose loops publish into {@code metrics} (null: none), loop i
     * in slot i, as worker 0 (master = off: the process's own metrics file).
     */
    public static Server start(ServerConfig config, MetricsFile metrics) throws IOException {
        int loopCount = config.loopsPerWorker();
        List<InetSocketAddress> addresses = config.listen().stream().map(ServerConfig.ListenAddress::toSocketAddress).toList();
        Syscalls setupSys = new Syscalls();
        int[][] listenFds = ListenSockets.open(setupSys, addresses, loopCount, LISTEN_BACKLOG);
        return start(config, listenFds, config.engine(), setupSys, metrics, 0, 0);
    }

    /**
     * Worker mode: starts one loop per row of {@code listenFds} ([loop][listen address], in
     * config.listen() order) on sockets a master opened and handed over, with the given engine
     * ({@link ServerConfig#engineOfWorker}); returns once the loops accept connections.
     *
     * <p>The loops own these fds from now on and close them when they stop or retire (also when
     * this method fails): they must be this process's own copies (a worker's inherited fds), never
     * the master's descriptors themselves. The sockets are made non-blocking (O_NONBLOCK is shared
     * with the master's copies, which do not accept).
     *
     * @throws IOException when an fd is not a listening socket
     */
    public static Server start(ServerConfig config, int[][] listenFds, ServerConfig.Engine engine) throws IOException {
        return start(config, listenFds, engine, null, 0, 0);
    }

    /**
     * Worker mode with metrics: loop i publishes into slot {@code firstSlot + i} of {@code metrics}
     * (null: none), labelled with {@code workerIndex}.
     */
    public static Server start(ServerConfig config, int[][] listenFds, ServerConfig.Engine engine, MetricsFile metrics,
            int firstSlot, int workerIndex) throws IOException {
        if (listenFds.length == 0) {
            throw new IllegalArgumentException("no loop: listenFds is empty");
        }
        for (int[] row : listenFds) {
            if (row.length != config.listen().size()) {
                throw new IllegalArgumentException("listenFds rows need one fd per listen address (" + config.listen().size()
                        + "), got " + row.length);
            }
        }
        Syscalls setupSys = new Syscalls();
        int[][] fds = new int[listenFds.length][];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = listenFds[i].clone();
        }
        try {
            ListenSockets.adopt(setupSys, fds);
        } catch (IOException e) {
            ListenSockets.closeAll(setupSys, fds);
            throw e;
        }
        return start(config, fds, engine, setupSys, metrics, firstSlot, workerIndex);
    }

    private static Server start(ServerConfig config, int[][] listenFds, ServerConfig.Engine engine, Syscalls setupSys,
            MetricsFile metrics, int firstSlot, int workerIndex) throws IOException {
        int loopCount = listenFds.length;
        int uringFlags;
        try {
            // After the sockets: a bind error is reported before anything about engines.
            uringFlags = chooseEngine(engine);
        } catch (RuntimeException e) {
            ListenSockets.closeAll(setupSys, listenFds);
            throw e;
        }

        MimeTypes mime = MimeTypes.builtIn();
        AccessLog accessLog;
        CompressionPool compressionPool;
        try {
            if (config.mimeTypesFile().isPresent()) {
                mime = mime.withFile(config.mimeTypesFile().get());
            }
            compressionPool = compressionPool(config.compression());
        } catch (IOException | RuntimeException e) {
            ListenSockets.closeAll(setupSys, listenFds);
            throw e;
        }
        try {
            accessLog = AccessLog.open(accessLogSettings(config.accessLog()));
        } catch (IOException | RuntimeException e) {
            ListenSockets.closeAll(setupSys, listenFds);
            if (compressionPool != null) compressionPool.close();
            throw e;
        }
        VariantSettings variantSettings = variantSettings(config);
        List<ServerConfig.Site> sites = new ArrayList<>();
        sites.add(config.defaultSite());
        sites.addAll(config.sites());
        List<FileSettings> siteSettings = new ArrayList<>();
        for (ServerConfig.Site site : sites) {
            siteSettings.add(fileSettings(config, site, mime));
        }
        SiteSelector selector = new SiteSelector(config.sites().stream().map(ServerConfig.Site::hosts).toList());
        List<HeaderRules> siteHeaders = sites.stream().map(site -> HeaderRules.compile(site.headers().stream()
                .map(r -> new HeaderRules.Rule(r.match(), r.set(), r.remove(), r.statusClasses())).toList())).toList();
        List<Redirects> siteRedirects = sites.stream().map(site -> new Redirects(site.redirects().stream()
                .map(r -> new Redirects.Redirect(r.from(), r.to(), r.status())).toList())).toList();
        ServerConfig.Limits limits = config.limits();
        HttpSettings httpSettings = new HttpSettings(limits.requestLineBytesMax(), limits.headerSectionBytesMax(),
                limits.headerCountMax(), limits.rangesPerRequestMax(),
                (config.serverTokens() ? "uring-httpd/" + Version.get() : "uring-httpd").getBytes(StandardCharsets.US_ASCII));
        LoopSettings loopSettings = new LoopSettings(limits.connectionsPerLoopMax(),
                config.timeouts().headerReadMs(), config.timeouts().keepaliveIdleMs(), config.timeouts().sendMs(),
                bufferBytes(config), SENDFILE_CHUNK_BYTES);

        List<EventLoop> loops = new ArrayList<>();
        List<FileCacheCounters> fileServices = new ArrayList<>();
        List<CompressionCounters> variantsOfLoops = new ArrayList<>();
        List<StaticFileHandler> handlers = new ArrayList<>();
        List<AccessLogWriter> accessLogWriters = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < loopCount; i++) {
                Syscalls sys = new Syscalls();
                List<StaticFileHandler.Site> loopSites = new ArrayList<>();
                List<FileService> loopFiles = new ArrayList<>();
                for (int s = 0; s < sites.size(); s++) {
                    FileService files = new FileService(siteSettings.get(s), sys);
                    loopFiles.add(files);
                    loopSites.add(new StaticFileHandler.Site(files, new Variants(files, variantSettings, compressionPool),
                            sites.get(s).tryFiles(), siteHeaders.get(s), siteRedirects.get(s), sites.get(s).errorPages()));
                }
                fileServices.add(SiteCounters.files(loopFiles));
                variantsOfLoops.add(SiteCounters.compression(loopSites.stream().map(StaticFileHandler.Site::variants).toList()));
                AccessLogWriter accessLogWriter = accessLog.newWriter(sys);
                accessLogWriters.add(accessLogWriter);
                StaticFileHandler handler = new StaticFileHandler(httpSettings, selector, loopSites,
                        new FileEventSet(loopFiles, sys), accessLogWriter);
                handlers.add(handler);
                EventLoop loop = uringFlags >= 0
                        ? new IoUringLoop(i, loopSettings, sys, handler, listenFds[i], config.ioUring().entries(),
                                ringFlags(uringFlags, config.ioUring()), (int) config.ioUring().sqpollIdleMs(),
                                config.ioUring().sendZcBytesMin())
                        : new EpollLoop(i, loopSettings, sys, handler, listenFds[i]);
                loops.add(loop);
            }
        } catch (IOException | RuntimeException e) {
            ListenSockets.closeAll(setupSys, listenFds);
            accessLog.close();
            if (compressionPool != null) compressionPool.close();
            throw e;
        }
        if (metrics != null) {
            List<String> siteLabels = sites.stream().map(site -> MetricsSchema.siteLabel(site.hosts())).toList();
            for (int i = 0; i < loopCount; i++) {
                loops.get(i).publishTo(new LoopMetrics(metrics, firstSlot + i, workerIndex, i, fileServices.get(i),
                        variantsOfLoops.get(i), handlers.get(i), siteLabels, accessLogWriters.get(i)::linesLost));
            }
        }
        for (int i = 0; i < loopCount; i++) {
            // Platform threads: a loop blocks in epoll_wait and owns thread-confined native state.
            Thread t = Thread.ofPlatform().name("loop-" + i).unstarted(loops.get(i));
            threads.add(t);
            t.start();
        }
        return new Server(loops, threads, accessLog, compressionPool, loops.getFirst().localPorts()[0]);
    }

    private static FileSettings fileSettings(ServerConfig config, ServerConfig.Site site, MimeTypes mime) {
        return new FileSettings(site.root(), site.indexNames(), site.autoindex(),
                site.dotfiles() == ServerConfig.Dotfiles.ALLOW ? DotfilesPolicy.ALLOW : DotfilesPolicy.DENY,
                switch (site.symlinks()) {
                    case INSIDE_ROOT -> SymlinkPolicy.INSIDE_ROOT;
                    case FOLLOW -> SymlinkPolicy.FOLLOW;
                    case REFUSE -> SymlinkPolicy.REFUSE;
                },
                config.openFileCache().entriesMax(), config.openFileCache().validMs(), config.openFileCache().watchesMax(),
                config.smallFileBytesMax(), mime);
    }

    /** The compressing threads, or null when no variant is made on the fly (off, no coding, no library). */
    private static CompressionPool compressionPool(ServerConfig.Compression c) throws IOException {
        if (!c.variants() || c.encodings().isEmpty()) {
            return null;
        }
        List<Compressor> compressors = Compressors.available(codings(c), c.gzipLevel(), c.zstdLevel(), c.brotliLevel());
        if (compressors.isEmpty()) {
            return null;
        }
        return new CompressionPool(compressors, c.threads(), c.queueMax(), c.cacheDirectory(), c.variantMemoryBytesMax());
    }

    private static List<ContentCoding> codings(ServerConfig.Compression c) {
        return c.encodings().stream().map(ContentCoding::ofToken).toList();
    }

    private static VariantSettings variantSettings(ServerConfig config) {
        ServerConfig.Compression c = config.compression();
        return new VariantSettings(codings(c), c.sidecars(), c.variants(), c.types(), c.minBytes(), c.maxBytes(),
                c.cacheMemoryBytesMax(), c.cacheDiskBytesMax(), config.openFileCache().entriesMax());
    }

    /**
     * SQPOLL (config io-uring.sqpoll) replaces DEFER_TASKRUN, which the kernel refuses
     * together with it (EINVAL): the poll thread, not the loop, runs the submissions.
     */
    static int ringFlags(int probedFlags, ServerConfig.IoUring ioUring) {
        if (!ioUring.sqpoll()) {
            return probedFlags;
        }
        return (probedFlags & ~IoUringConstants.IORING_SETUP_DEFER_TASKRUN) | IoUringConstants.IORING_SETUP_SQPOLL;
    }

    /**
     * Picks the engine: epoll when asked; otherwise probes io_uring once (setup flags best
     * first: SINGLE_ISSUER | DEFER_TASKRUN saves 20-25% CPU per request here,
     * docs/kernel.md#io_uring-ring-setup).
     * engine = auto falls back to epoll with one warning saying why and what to do;
     * engine = io_uring refuses to start instead.
     *
     * @return the io_uring setup flags for the rings, or -1 for the epoll reactor
     */
    static int chooseEngine(ServerConfig.Engine engine) {
        if (engine == ServerConfig.Engine.EPOLL) {
            return -1;
        }
        IoUringProbe probe = IoUringProbe.run(new Syscalls());
        String missing = probe.missingForServer();
        if (missing.isEmpty()) {
            log.info("{}", probe.summary());
            return probe.setupFlags();
        }
        String why = probe.available() ? "this kernel lacks " + missing : "io_uring is unavailable: " + probe.reason();
        if (engine == ServerConfig.Engine.IO_URING) {
            throw new IllegalStateException("engine = io_uring, but " + why + "; set uring-httpd.engine = auto or epoll");
        }
        log.warn("engine = auto: {}; serving with the epoll reactor (set uring-httpd.engine = epoll to silence this)", why);
        return -1;
    }

    /**
     * One buffer must hold the longest request head the limits allow (the parser answers
     * 414/431 before it fills) and a response head with a small cached body.
     */
    static int bufferBytes(ServerConfig config) {
        ServerConfig.Limits limits = config.limits();
        long forRequests = (long) limits.requestLineBytesMax() + limits.headerSectionBytesMax() + 1024;
        long forResponses = (long) config.smallFileBytesMax() + 4096;
        long bytes = Math.max(forRequests, forResponses);
        return (int) ((bytes + 4095) & ~4095L);
    }

    /** The actual port of the first listen address (useful when the config asked for port 0). */
    public int port() {
        return port;
    }

    public List<EventLoop> loops() {
        return loops;
    }

    /**
     * Graceful stop of every loop ({@link EventLoop#retire}): no new connection from now on,
     * every response says Connection: close, idle connections close after {@code idleGraceMs},
     * and whatever is still open after {@code timeoutMs} is closed. Returns at once;
     * {@link #awaitLoops()} returns when the loops have ended.
     */
    public void retire(long idleGraceMs, long timeoutMs) {
        long deadlineMs = System.currentTimeMillis() + timeoutMs;
        for (EventLoop loop : loops) {
            loop.retire(idleGraceMs, deadlineMs);
        }
    }

    /** Asks every loop to stop now (fast stop: open connections are closed); returns at once. */
    public void stop() {
        for (EventLoop loop : loops) {
            loop.stop();
        }
    }

    /**
     * Reopens the access log (SIGUSR1, after logrotate moved it): each loop reopens its file at its
     * next tick (within a second) and logs "access log reopened" (or why it could not).
     */
    public void reopenLogs() {
        accessLog.reopen();
    }

    /** The access log's own settings, from the configuration (the log package does not read it). */
    static AccessLogSettings accessLogSettings(ServerConfig.AccessLog c) {
        return new AccessLogSettings(c.enabled(), c.path(), c.bufferBytes(), c.flushIntervalMs());
    }

    /** Waits until every loop has ended (stopped, retired, or failed). */
    public void awaitLoops() {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits up to {@code timeoutMs} for every loop to end; true when they all have. */
    public boolean awaitLoops(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        for (Thread t : threads) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0 ? t.isAlive() : !t.join(java.time.Duration.ofMillis(leftMs))) {
                return false;
            }
        }
        return true;
    }

    /** Stops every loop (closing its connections and sockets) and waits for the threads to end. */
    @Override
    public void close() {
        stop();
        awaitLoops();
        accessLog.close();
        if (compressionPool != null) {
            compressionPool.close();
        }
    }
}
