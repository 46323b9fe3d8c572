package io.uringhttpd.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated configuration, built by {@link ConfigLoader}. Immutable; every path is absolute
 * (relative values were resolved against the config file's folder). Field names carry units last.
 * The keys and their defaults are documented in {@code reference.conf}.
 *
 * @param configFile    the file this was loaded from (absolute), for reload; null when loaded from a string
 * @param sets          the {@code --set KEY=VALUE} overrides applied last, in order (a reload re-applies them)
 * @param listen        uring-httpd.listen, at least one, no duplicates
 * @param root          uring-httpd.root, an existing directory (real path, symlinks resolved)
 * @param workers       uring-httpd.workers, 1..1024; {@code auto} was resolved to the available CPUs
 * @param workersAuto   true when workers was {@code auto}
 * @param master        uring-httpd.master
 * @param loopsPerWorker uring-httpd.loops-per-worker, 1..1024
 * @param pidFile       uring-httpd.pid-file (parent folder not checked nor created)
 * @param indexNames    uring-httpd.index: plain file names (no '/'), possibly empty
 * @param mimeTypesFile uring-httpd.mime-types-file, an existing regular file, or empty
 * @param smallFileBytesMax uring-httpd.small-file-bytes, 0..16 MiB
 * @param serverTokens  uring-httpd.server-tokens: true = "Server: uring-httpd/VERSION"
 */
public record ServerConfig(
        Path configFile,
        List<String> sets,
        List<ListenAddress> listen,
        Path root,
        Engine engine,
        int workers,
        boolean workersAuto,
        boolean master,
        int loopsPerWorker,
        Path pidFile,
        AccessLog accessLog,
        Metrics metrics,
        List<String> indexNames,
        boolean autoindex,
        Timeouts timeouts,
        Limits limits,
        Optional<Path> mimeTypesFile,
        OpenFileCache openFileCache,
        Compression compression,
        int smallFileBytesMax,
        Dotfiles dotfiles,
        Symlinks symlinks,
        boolean serverTokens,
        IoUring ioUring,
        Processes processes,
        List<HeaderRule> headers,
        List<Redirect> redirects,
        Map<Integer, String> errorPages,
        List<Site> sites) {

    /** Sites a configuration may list besides the default (the top-level keys). */
    public static final int SITES_MAX = 63;

    public ServerConfig {
        sets = List.copyOf(sets);
        listen = List.copyOf(listen);
        indexNames = List.copyOf(indexNames);
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(pidFile, "pidFile");
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(mimeTypesFile, "mimeTypesFile");
        Objects.requireNonNull(openFileCache, "openFileCache");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(dotfiles, "dotfiles");
        Objects.requireNonNull(symlinks, "symlinks");
        Objects.requireNonNull(processes, "processes");
        headers = List.copyOf(headers);
        redirects = List.copyOf(redirects);
        errorPages = Map.copyOf(errorPages);
        sites = List.copyOf(sites);
    }

    /** The site the top-level keys describe: it answers every host no entry of {@link #sites} names. */
    public Site defaultSite() {
        return new Site(List.of(), root, indexNames, autoindex, dotfiles, symlinks, List.of(), headers, redirects, errorPages);
    }

    /**
     * One entry of uring-httpd.redirects (or a site's).
     *
     * @param from   an exact path ("/about-us"), or a prefix ending in "/**" whose rest is $1 in {@code to}
     * @param to     a path of the site ("/new/$1") or an absolute http(s) URL
     * @param status 301, 302, 303, 307 or 308
     */
    public record Redirect(String from, String to, int status) {}

    /**
     * One rule of uring-httpd.headers (or a site's headers): response fields set or removed for the
     * paths it matches.
     *
     * @param match        path globs ("/assets/**", "**" + "/*.html"); any of them
     * @param set          field name -> value, in order (Cache-Control from expires included)
     * @param remove       fields the server would write and this rule drops: Server, ETag, Last-Modified, Accept-Ranges
     * @param statusClasses the classes (2..5) of the responses it applies to
     */
    public record HeaderRule(List<String> match, Map<String, String> set, List<String> remove, List<Integer> statusClasses) {
        public HeaderRule {
            match = List.copyOf(match);
            set = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
            remove = List.copyOf(remove);
            statusClasses = List.copyOf(statusClasses);
        }
    }

    /** The engine worker {@code index} runs: its entry in worker-engines (cycled), else engine. */
    public Engine engineOfWorker(int index) {
        List<Engine> engines = processes.workerEngines();
        return engines.isEmpty() ? engine : engines.get(index % engines.size());
    }

    /** Event loops in the whole server: workers x loops-per-worker. */
    public int loopsTotal() {
        return workers * loopsPerWorker;
    }

    /**
     * A listen address as written in the config. {@code host} is an IPv4 literal, an IPv6 literal
     * (without brackets) or a host name that resolved when the config was loaded.
     * Port 0 asks the kernel for any free port (tests).
     */
    public record ListenAddress(String host, int port) {
        public ListenAddress {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        /** Resolves the host (no DNS for literals). Setup path only. */
        public InetSocketAddress toSocketAddress() {
            return new InetSocketAddress(host, port);
        }

        /** "127.0.0.1:8080" or "[::1]:8080", the form accepted in the config. */
        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /** uring-httpd.timeouts, in milliseconds, each >= 1 and <= Integer.MAX_VALUE (epoll_wait takes an int). */
    public record Timeouts(long headerReadMs, long keepaliveIdleMs, long sendMs) {}

    /**
     * uring-httpd.limits.
     *
     * @param requestLineBytesMax   request line longer than this -> 414 (64..1 MiB)
     * @param headerSectionBytesMax request head larger than this -> 431 (256..1 MiB)
     * @param headerCountMax        more header fields -> 431 (1..10000)
     * @param connectionsPerLoopMax open client connections per event loop (1..1000000)
     * @param rangesPerRequestMax   more ranges in one Range header -> whole file, 200 (1..1000)
     */
    public record Limits(int requestLineBytesMax, int headerSectionBytesMax, int headerCountMax,
                         int connectionsPerLoopMax, int rangesPerRequestMax) {}

    /**
     * uring-httpd.access-log.
     *
     * @param path            the log file (absolute); meaningful when enabled
     * @param bufferBytes     bytes collected before one write(2); 0 = one write per line (0..16 MiB)
     * @param flushIntervalMs buffered lines reach the file at least this often (1 ms..1 h)
     */
    public record AccessLog(boolean enabled, Path path, int bufferBytes, long flushIntervalMs) {
        public AccessLog {
            Objects.requireNonNull(path, "path");
        }

        /** A disabled access log (tests, tools). */
        public static AccessLog disabled() {
            return new AccessLog(false, Path.of("/dev/null"), 0, 1000);
        }
    }

    /**
     * One entry of uring-httpd.sites: the files served for some hosts. Keys a site leaves out are
     * the top-level ones.
     *
     * @param hosts    lower-case names without a trailing dot; "*.example.com" matches any name ending in
     *                 ".example.com"; empty only for the default site
     * @param tryFiles uring-httpd.sites[].try-files: "$uri" with a suffix ("$uri", "$uri.html", "$uri/"),
     *                 a path starting with '/', or, last, "=STATUS"; empty: the request path only
     */
    public record Site(List<String> hosts, Path root, List<String> indexNames, boolean autoindex, Dotfiles dotfiles,
                       Symlinks symlinks, List<String> tryFiles, List<HeaderRule> headers, List<Redirect> redirects,
                       Map<Integer, String> errorPages) {
        public Site {
            headers = List.copyOf(headers);
            redirects = List.copyOf(redirects);
            errorPages = Map.copyOf(errorPages);
            hosts = List.copyOf(hosts);
            indexNames = List.copyOf(indexNames);
            tryFiles = List.copyOf(tryFiles);
            Objects.requireNonNull(root, "root");
        }
    }

    /** uring-httpd.metrics; path starts with '/'; listen differs from every server listen address. */
    public record Metrics(boolean enabled, ListenAddress listen, String path) {}

    /**
     * uring-httpd.open-file-cache.
     *
     * @param entriesMax cached open files per event loop (1..1000000)
     * @param validMs    age after which an entry that no watch keeps fresh is re-checked; 0 = on every request
     * @param watchesMax inotify watches (directories) per event loop; past it, entries are re-checked (0..1000000)
     */
    public record OpenFileCache(int entriesMax, long validMs, int watchesMax) {}

    /**
     * uring-httpd.compression (docs/compression.md).
     *
     * @param encodings         content codings offered, in the server's order of preference: br, zstd, gzip
     * @param sidecars          serve file.br / file.zst / file.gz made beforehand
     * @param variants          make variants on the fly, off the loops, and cache them
     * @param types             media types compressed on the fly: "type/*" or "type/subtype"
     * @param minBytes          files below this size are not compressed on the fly
     * @param maxBytes          files above this size are not compressed on the fly
     * @param variantMemoryBytesMax a variant up to this size is kept in memory; larger ones in a cache file
     * @param cacheMemoryBytesMax bytes of variants in memory per event loop
     * @param cacheDiskBytesMax bytes of variants in the cache directory per event loop
     * @param cacheDirectory    where cache files are made (unnamed: O_TMPFILE)
     * @param threads           compressing threads per worker process
     * @param queueMax          files waiting to be compressed per worker; past it, served unencoded
     * @param gzipLevel         1..9
     * @param zstdLevel         1..22 (20..22 are zstd's "ultra" levels)
     * @param brotliLevel       0..11 (brotli's quality)
     */
    public record Compression(List<String> encodings, boolean sidecars, boolean variants, List<String> types,
                              long minBytes, long maxBytes, long variantMemoryBytesMax, long cacheMemoryBytesMax,
                              long cacheDiskBytesMax, Path cacheDirectory, int threads, int queueMax, int gzipLevel,
                              int zstdLevel, int brotliLevel) {
        public Compression {
            encodings = List.copyOf(encodings);
            types = List.copyOf(types);
            Objects.requireNonNull(cacheDirectory, "cacheDirectory");
        }
    }

    /**
     * uring-httpd.io-uring: the proactor's rings.
     *
     * @param entries       SQ entries per ring (the CQ gets twice as many)
     * @param sqpoll        a kernel thread polls the SQ (IORING_SETUP_SQPOLL): no io_uring_enter to
     *                      submit, at the price of a CPU spinning for {@code sqpollIdleMs} after each burst
     * @param sqpollIdleMs  how long that kernel thread spins before it sleeps
     * @param sendZcBytesMin file bodies (parts) of at least this size go by SEND_ZC from an mmap;
     *                      0 = never (SPLICE through a pipe)
     */
    public record IoUring(int entries, boolean sqpoll, long sqpollIdleMs, long sendZcBytesMin) {}

    /**
     * The process model's keys.
     *
     * @param shutdownTimeoutMs   uring-httpd.shutdown-timeout: how long a graceful stop or a retiring
     *                            worker may take before what is left is closed
     * @param shutdownIdleGraceMs uring-httpd.shutdown-idle-grace: a keep-alive connection idle at
     *                            retirement is closed once idle this long (a request arriving first
     *                            is answered, with Connection: close)
     * @param user                uring-httpd.user: workers switch to this user when started as root ("" = stay)
     * @param group               uring-httpd.group: and this group ("" = the user's primary group)
     * @param workerEngines       uring-httpd.worker-engines: the engine of each worker in turn (empty = engine)
     * @param workerJavaOptions   uring-httpd.worker-java-options: the JVM options of worker processes
     * @param masterJavaOptions   uring-httpd.master-java-options: the JVM options the master runs with when
     *                            started without any (it executes itself again with them)
     * @param workerClassArchiveDir uring-httpd.worker-class-archive: the directory of the class-data
     *                            archive workers share (auto resolved; empty = off)
     */
    public record Processes(long shutdownTimeoutMs, long shutdownIdleGraceMs, String user, String group,
            List<Engine> workerEngines, List<String> workerJavaOptions, List<String> masterJavaOptions,
            Optional<Path> workerClassArchiveDir) {
        public Processes {
            workerEngines = List.copyOf(workerEngines);
            workerJavaOptions = List.copyOf(workerJavaOptions);
            masterJavaOptions = List.copyOf(masterJavaOptions);
        }
    }

    /** A value spelled in the config as {@link #configName()}. */
    public interface Named {
        String configName();
    }

    /** uring-httpd.engine. IO_URING is accepted here; whether it runs is the Server's decision. */
    public enum Engine implements Named {
        AUTO("auto"), EPOLL("epoll"), IO_URING("io_uring");

        private final String configName;

        Engine(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }

    /** uring-httpd.dotfiles: DENY answers 404 for any path segment starting with '.'. */
    public enum Dotfiles implements Named {
        DENY("deny"), ALLOW("allow");

        private final String configName;

        Dotfiles(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }

    /** uring-httpd.symlinks (the files package maps these onto openat2 RESOLVE_* flags). */
    public enum Symlinks implements Named {
        /** Followed while the target stays inside root (RESOLVE_BENEATH); escaping links -> 403. */
        INSIDE_ROOT("inside-root"),
        /** Followed anywhere. */
        FOLLOW("follow"),
        /** Never followed (RESOLVE_NO_SYMLINKS). */
        REFUSE("refuse");

        private final String configName;

        Symlinks(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
