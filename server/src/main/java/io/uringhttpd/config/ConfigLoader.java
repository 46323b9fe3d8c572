package io.uringhttpd.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.uringhttpd.config.ServerConfig.AccessLog;
import io.uringhttpd.config.ServerConfig.Dotfiles;
import io.uringhttpd.config.ServerConfig.Engine;
import io.uringhttpd.config.ServerConfig.Limits;
import io.uringhttpd.config.ServerConfig.ListenAddress;
import io.uringhttpd.config.ServerConfig.Metrics;
import io.uringhttpd.config.ServerConfig.Named;
import io.uringhttpd.config.ServerConfig.OpenFileCache;
import io.uringhttpd.config.ServerConfig.Symlinks;
import io.uringhttpd.config.ServerConfig.Timeouts;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a HOCON config file on top of {@code reference.conf}, applies {@code --set KEY=VALUE}
 * overrides last, and validates everything into a {@link ServerConfig}. All problems are collected
 * and thrown together as one {@link ConfigException}, each with the file:line of the value at fault.
 *
 * <p>Deliberately not {@code ConfigFactory.load()}: that also merges JVM system properties and every
 * {@code reference.conf} on the class path, so a stray -D could change the server unnoticed.
 */
public final class ConfigLoader {
    /** The one top-level key this server reads. */
    public static final String ROOT = "uring-httpd";
    /** Origin reported for values given with --set. */
    public static final String SET_ORIGIN = "--set";

    private static final String REFERENCE = "reference.conf";
    private static final int WORKERS_MAX = 1024;
    private static final long MIB = 1024 * 1024;

    private ConfigLoader() {}

    /**
     * Loads {@code configFile} (relative paths inside it resolve against its folder) with the
     * overrides {@code sets}, each "KEY=VALUE" with VALUE read as a HOCON value.
     *
     * @throws ConfigException listing every problem found
     */
    public static ServerConfig load(Path configFile, List<String> sets) throws ConfigException {
        Objects.requireNonNull(configFile, "configFile");
        Objects.requireNonNull(sets, "sets");
        Path absolute = configFile.toAbsolutePath();
        Session s = new Session(absolute.getParent(), sets);
        Config file = s.parseFile(configFile);
        return s.finish(file, absolute);
    }

    /**
     * Loads a config given as HOCON text (tests, embedding); relative paths resolve against
     * {@code baseDir}. Errors name the origin "(string):LINE".
     */
    public static ServerConfig loadString(String hocon, Path baseDir, List<String> sets) throws ConfigException {
        Objects.requireNonNull(hocon, "hocon");
        Objects.requireNonNull(sets, "sets");
        Session s = new Session(baseDir.toAbsolutePath(), sets);
        Config text;
        try {
            text = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setOriginDescription("(string)"));
        } catch (com.typesafe.config.ConfigException e) {
            s.error(e, "");
            text = ConfigFactory.empty();
        }
        return s.finish(text, null);
    }

    private static Config reference() {
        Config all = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), REFERENCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
        if (!all.hasPath(ROOT)) {
            throw new IllegalStateException(REFERENCE + " on the class path has no " + ROOT + " block");
        }
        // Another library's reference.conf on the class path must not become "known keys".
        return all.withOnlyPath(ROOT);
    }

    /** One load: the collected errors and the readers. Not thread-safe, used once. */
    private static final class Session {
        private final Path baseDir;
        private final List<String> sets;
        private final List<Pending> errors = new ArrayList<>();
        private final Map<String, Integer> sourceOrder = new LinkedHashMap<>();
        /** Keys already reported as "not an object": nothing below them is reported again. */
        private final Set<String> broken = new HashSet<>();
        private Config config;

        Session(Path baseDir, List<String> sets) {
            this.baseDir = baseDir;
            this.sets = List.copyOf(sets);
        }

        Config parseFile(Path file) {
            String name = file.toString();
            if (!Files.exists(file)) {
                error(name, 0, "", "config file not found (looked for " + file.toAbsolutePath() + ")");
                return ConfigFactory.empty();
            }
            if (!Files.isRegularFile(file)) {
                error(name, 0, "", "not a regular file");
                return ConfigFactory.empty();
            }
            if (!Files.isReadable(file)) {
                error(name, 0, "", "not readable by this user");
                return ConfigFactory.empty();
            }
            try {
                return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults()
                        .setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
            } catch (com.typesafe.config.ConfigException e) {
                error(e, "");
                return ConfigFactory.empty();
            }
        }

        ServerConfig finish(Config file, Path configFile) throws ConfigException {
            Config reference = reference();
            Config overrides = ConfigFactory.empty();
            for (String set : sets) {
                Config one = parseSet(set);
                if (one != null) {
                    overrides = one.withFallback(overrides);   // a later --set wins
                }
            }
            throwIfErrors();   // syntax errors: the values below would only add noise
            try {
                config = overrides.withFallback(file).withFallback(reference).resolve();
            } catch (com.typesafe.config.ConfigException e) {
                error(e, "");
                throwIfErrors();
            }
            checkKeys(config.root(), reference.root(), "");
            ServerConfig result = read(configFile);
            throwIfErrors();
            return result;
        }

        private void throwIfErrors() throws ConfigException {
            if (errors.isEmpty()) {
                return;
            }
            // Files first (in the order met), then --set, then defaults; by line within each.
            List<Pending> sorted = new ArrayList<>(errors);
            sorted.sort(Comparator.comparingInt(Pending::rank)
                    .thenComparingInt(p -> sourceOrder.get(p.source))
                    .thenComparingInt(Pending::line));
            throw new ConfigException(sorted.stream().map(Pending::error).toList());
        }

        // ---- --set ----

        /** "KEY=VALUE" -> a Config holding that one value, or null after reporting an error. */
        private Config parseSet(String set) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                error(SET_ORIGIN, 0, "", "expected KEY=VALUE, got '" + set + "'");
                return null;
            }
            String key = set.substring(0, eq).strip();
            try {
                ConfigUtil.splitPath(key);
            } catch (com.typesafe.config.ConfigException e) {
                error(SET_ORIGIN, 0, key, "not a valid key");
                return null;
            }
            return parseSetValue(set.substring(eq + 1)).atPath(key);
        }

        /**
         * VALUE as HOCON ([...], "quoted", on, 5s, ${VAR}); when that fails or gives an unquoted
         * string, the text as typed: HOCON would cut an unquoted /srv//www at "//" (a comment) and
         * refuses 0.0.0.0:8080 (':' separates keys), yet both are obviously meant as strings.
         */
        private static ConfigValue parseSetValue(String raw) {
            String text = raw.strip();
            try {
                Config c = ConfigFactory.parseString("v = " + raw, ConfigParseOptions.defaults()
                        .setSyntax(ConfigSyntax.CONF).setOriginDescription(SET_ORIGIN));
                if (c.root().size() == 1 && c.root().containsKey("v")) {
                    ConfigValue v = c.root().get("v");
                    if (isUnresolved(v) || v.valueType() != ConfigValueType.STRING || text.startsWith("\"")) {
                        return v;
                    }
                }
            } catch (com.typesafe.config.ConfigException e) {
                // not a HOCON value: taken as a plain string below
            }
            return ConfigValueFactory.fromAnyRef(text, SET_ORIGIN);
        }

        private static boolean isUnresolved(ConfigValue v) {
            try {
                v.valueType();
                return false;
            } catch (com.typesafe.config.ConfigException.NotResolved e) {
                return true;
            }
        }

        // ---- unknown keys ----

        private void checkKeys(ConfigObject actual, ConfigObject known, String prefix) {
            for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
                String name = e.getKey();
                ConfigValue value = e.getValue();
                String key = prefix.isEmpty() ? ConfigUtil.joinPath(name) : prefix + "." + ConfigUtil.joinPath(name);
                ConfigValue knownValue = known.get(name);
                if (knownValue == null) {
                    error(value.origin(), key, unknownKeyMessage(name, known, prefix));
                } else if (knownValue instanceof ConfigObject knownObject) {
                    if (value instanceof ConfigObject object) {
                        if (!knownObject.isEmpty()) { // an empty object in reference.conf is a map of the user's keys
                            checkKeys(object, knownObject, key);
                        }
                    } else {
                        error(value.origin(), key, "expected an object { " + String.join(", ", new TreeSet<>(knownObject.keySet()))
                                + " }, got " + describe(value));
                        broken.add(key);
                    }
                }
            }
        }

        private static String unknownKeyMessage(String name, ConfigObject known, String prefix) {
            if (prefix.isEmpty()) {
                return known.get(ROOT) instanceof ConfigObject r && r.containsKey(name)
                        ? "unknown key (did you mean " + ROOT + "." + name + "?)"
                        : "unknown key (only " + ROOT + " { ... } is read)";
            }
            String best = null;
            int bestDistance = Integer.MAX_VALUE;
            for (String candidate : known.keySet()) {
                int d = editDistance(name, candidate);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = candidate;
                }
            }
            if (best != null && bestDistance <= Math.max(1, name.length() / 3)) {
                return "unknown key (did you mean " + prefix + "." + best + "?)";
            }
            return known.size() <= 8
                    ? "unknown key (known here: " + String.join(", ", new TreeSet<>(known.keySet())) + ")"
                    : "unknown key (the known keys are listed in " + REFERENCE + ")";
        }

        private static int editDistance(String a, String b) {
            int[] prev = new int[b.length() + 1];
            int[] cur = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                prev[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                cur[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                }
                int[] t = prev;
                prev = cur;
                cur = t;
            }
            return prev[b.length()];
        }

        // ---- the values ----

        /**
         * Reads every key. The fallback arguments below are placeholders that keep the records
         * constructible after an error (the result is then discarded); the defaults are in reference.conf.
         */
        private ServerConfig read(Path configFile) {
            List<ListenAddress> listen = listenList("listen");
            Path root = directory("root");
            Engine engine = choice("engine", Engine.values(), Engine.AUTO);
            Workers workers = workers("workers");
            boolean master = bool("master", true);
            int loopsPerWorker = (int) whole("loops-per-worker", 1, 1024, 1);
            Path pidFile = path("pid-file", false).orElse(baseDir.resolve("uring-httpd.pid"));

            boolean accessLogEnabled = bool("access-log.enabled", true);
            Optional<Path> accessLogPath = path("access-log.path", !accessLogEnabled);
            int accessLogBufferBytes = (int) bytes("access-log.buffer-bytes", 0, 16 * MIB, 64 * 1024);
            long accessLogFlushMs = durationMs("access-log.flush-interval", 1, 3_600_000, 1000);
            AccessLog accessLog = new AccessLog(accessLogEnabled,
                    accessLogPath.orElse(baseDir.resolve("logs/access.log")), accessLogBufferBytes, accessLogFlushMs);

            boolean metricsEnabled = bool("metrics.enabled", true);
            ListenAddress metricsListen = listenOne("metrics.listen", new ListenAddress("127.0.0.1", 9145));
            String metricsPath = urlPath("metrics.path", "/metrics");
            if (metricsEnabled && metricsListen.port() != 0 && listen.contains(metricsListen)) {
                error(origin("metrics.listen"), key("metrics.listen"),
                        metricsListen + " is also in " + ROOT + ".listen; the metrics endpoint needs its own address");
            }
            Metrics metrics = new Metrics(metricsEnabled, metricsListen, metricsPath);

            List<String> index = indexNames("index");
            boolean autoindex = bool("autoindex", false);

            Timeouts timeouts = new Timeouts(
                    durationMs("timeouts.header-read", 1, Integer.MAX_VALUE, 60_000),
                    durationMs("timeouts.keepalive-idle", 1, Integer.MAX_VALUE, 75_000),
                    durationMs("timeouts.send", 1, Integer.MAX_VALUE, 60_000));
            Limits limits = new Limits(
                    (int) bytes("limits.request-line-bytes", 64, MIB, 8192),
                    (int) bytes("limits.header-section-bytes", 256, MIB, 16384),
                    (int) whole("limits.header-count", 1, 10_000, 100),
                    (int) whole("limits.connections-per-loop", 1, 1_000_000, 10_000),
                    (int) whole("limits.ranges-per-request", 1, 1000, 16));

            Optional<Path> mimeTypesFile = path("mime-types-file", true);
            if (mimeTypesFile.isPresent() && !Files.isRegularFile(mimeTypesFile.get())) {
                error(origin("mime-types-file"), key("mime-types-file"), mimeTypesFile.get()
                        + (Files.exists(mimeTypesFile.get()) ? " is not a regular file" : " does not exist"));
            }
            OpenFileCache openFileCache = new OpenFileCache(
                    (int) whole("open-file-cache.entries", 1, 1_000_000, 10_000),
                    durationMs("open-file-cache.valid", 0, 86_400_000, 5_000),
                    (int) whole("open-file-cache.watches-max", 0, 1_000_000, 10_000));
            ServerConfig.Compression compression = compression();
            List<ServerConfig.HeaderRule> headers = headerRules("headers");
            List<ServerConfig.Redirect> redirects = redirects("redirects");
            Map<Integer, String> errorPages = errorPages("error-pages");
            int smallFileBytes = (int) bytes("small-file-bytes", 0, 16 * MIB, 32 * 1024);
            Dotfiles dotfiles = choice("dotfiles", Dotfiles.values(), Dotfiles.DENY);
            Symlinks symlinks = choice("symlinks", Symlinks.values(), Symlinks.INSIDE_ROOT);
            boolean serverTokens = bool("server-tokens", true);
            ServerConfig.IoUring ioUring = new ServerConfig.IoUring(
                    (int) whole("io-uring.entries", 8, 32_768, 4096),
                    bool("io-uring.sqpoll", false),
                    durationMs("io-uring.sqpoll-idle", 1, 60_000, 1_000),
                    bytes("io-uring.send-zc-bytes", 0, Long.MAX_VALUE / 2, 0));

            String user = account("user");
            ServerConfig.Processes processes = new ServerConfig.Processes(
                    durationMs("shutdown-timeout", 0, 86_400_000, 10_000),
                    durationMs("shutdown-idle-grace", 0, 3_600_000, 1_000),
                    user, account("group"), workerEngines("worker-engines"),
                    javaOptions("worker-java-options"), javaOptions("master-java-options"),
                    workerClassArchiveDir("worker-class-archive", user));

            return new ServerConfig(configFile, sets, listen, root, engine, workers.count(), workers.auto(), master,
                    loopsPerWorker, pidFile, accessLog, metrics, index, autoindex, timeouts, limits, mimeTypesFile,
                    openFileCache, compression, smallFileBytes, dotfiles, symlinks, serverTokens, ioUring, processes,
                    headers, redirects, errorPages, sites(new ServerConfig.Site(List.of(), root, index, autoindex, dotfiles,
                            symlinks, List.of(), headers, redirects, errorPages)));
        }

        // ---- sites ----

        private static final List<String> SITE_KEYS = List.of("hosts", "root", "index", "autoindex", "dotfiles",
                "symlinks", "try-files", "headers", "redirects", "error-pages");

        /** uring-httpd.sites: each entry read like the top-level keys, which fill in what it leaves out. */
        private List<ServerConfig.Site> sites(ServerConfig.Site defaults) {
            ConfigValue v = value("sites");
            List<ServerConfig.Site> out = new ArrayList<>();
            if (v == null) {
                return out;
            }
            if (!(v instanceof ConfigList list)) {
                error(v.origin(), key("sites"), "expected a list of sites [{ hosts = [...], root = ... }], got " + describe(v));
                return out;
            }
            if (list.size() > ServerConfig.SITES_MAX) {
                error(v.origin(), key("sites"), "at most " + ServerConfig.SITES_MAX + " sites (each has an open-file"
                        + " cache and an inotify instance in every loop, and series of its own), got " + list.size());
                return out;
            }
            Map<String, String> hostOwners = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                ConfigValue entry = list.get(i);
                String at = "sites." + i;
                if (!(entry instanceof ConfigObject site)) {
                    error(entry.origin(), key(at), "expected a site { hosts = [...], root = ... }, got " + describe(entry));
                    continue;
                }
                for (Map.Entry<String, ConfigValue> e : site.entrySet()) {
                    if (!SITE_KEYS.contains(e.getKey())) {
                        error(e.getValue().origin(), key(at + "." + e.getKey()),
                                "unknown key (a site knows: " + String.join(", ", SITE_KEYS) + ")");
                    }
                }
                if (!site.containsKey("hosts")) {
                    error(site.origin(), key(at), "a site needs hosts = [\"example.com\", ...]");
                    continue;
                }
                List<String> hosts = siteHosts(at + ".hosts", hostOwners);
                Path root = site.containsKey("root") ? directory(at + ".root") : defaults.root();
                List<String> index = site.containsKey("index") ? indexNames(at + ".index") : defaults.indexNames();
                boolean autoindex = site.containsKey("autoindex") ? bool(at + ".autoindex", false) : defaults.autoindex();
                Dotfiles dotfiles = site.containsKey("dotfiles")
                        ? choice(at + ".dotfiles", Dotfiles.values(), Dotfiles.DENY) : defaults.dotfiles();
                Symlinks symlinks = site.containsKey("symlinks")
                        ? choice(at + ".symlinks", Symlinks.values(), Symlinks.INSIDE_ROOT) : defaults.symlinks();
                List<String> tryFiles = site.containsKey("try-files") ? tryFiles(at + ".try-files") : List.of();
                List<ServerConfig.HeaderRule> headers = site.containsKey("headers") ? headerRules(at + ".headers")
                        : defaults.headers();
                List<ServerConfig.Redirect> redirects = site.containsKey("redirects") ? redirects(at + ".redirects")
                        : defaults.redirects();
                Map<Integer, String> errorPages = site.containsKey("error-pages") ? errorPages(at + ".error-pages")
                        : defaults.errorPages();
                out.add(new ServerConfig.Site(hosts, root, index, autoindex, dotfiles, symlinks, tryFiles, headers,
                        redirects, errorPages));
            }
            return out;
        }

        // ---- redirects and error pages ----

        /** [{ from = "/old/**", to = "/new/$1", status = 301 }]: checked so no Location can leave the site by accident. */
        private List<ServerConfig.Redirect> redirects(String key) {
            ConfigValue v = value(key);
            List<ServerConfig.Redirect> out = new ArrayList<>();
            if (v == null) {
                return out;
            }
            if (!(v instanceof ConfigList list)) {
                error(v.origin(), key(key), "expected a list [{ from = \"/old/**\", to = \"/new/$1\", status = 301 }], got "
                        + describe(v));
                return out;
            }
            for (int i = 0; i < list.size(); i++) {
                String at = key + "." + i;
                if (!(list.get(i) instanceof ConfigObject r) || !r.containsKey("from") || !r.containsKey("to")) {
                    error(list.get(i).origin(), key(at), "expected { from = \"/old/**\", to = \"/new/$1\" [, status = 301] }, got "
                            + describe(list.get(i)));
                    continue;
                }
                for (String k : r.keySet()) {
                    if (!List.of("from", "to", "status").contains(k)) {
                        error(r.get(k).origin(), key(at + "." + k), "unknown key (a redirect knows: from, to, status)");
                    }
                }
                String from = String.valueOf(r.get("from").unwrapped()).strip();
                String to = String.valueOf(r.get("to").unwrapped()).strip();
                int status = r.containsKey("status") ? (int) whole(at + ".status", 301, 308, 301) : 301;
                if (!List.of(301, 302, 303, 307, 308).contains(status)) {
                    error(r.get("status").origin(), key(at + ".status"), "expected 301, 302, 303, 307 or 308, got " + status);
                }
                boolean prefix = from.endsWith("/**");
                String fixed = prefix ? from.substring(0, from.length() - 2) : from;
                if (!fixed.startsWith("/") || fixed.contains("*") || fixed.contains("//") || !fixed.matches("[A-Za-z0-9._~/%!$&'()+,;=:@-]*")
                        || fixed.contains("/../") || fixed.contains("/./")) {
                    error(r.get("from").origin(), key(at + ".from"), "expected an exact path (\"/about-us\") or a prefix"
                            + " ending in /** (\"/blog/**\"), got " + describe(r.get("from")));
                    continue;
                }
                String problem = redirectTargetProblem(to, prefix);
                if (problem != null) {
                    error(r.get("to").origin(), key(at + ".to"), problem + ", got " + describe(r.get("to")));
                    continue;
                }
                out.add(new ServerConfig.Redirect(from, to, status));
            }
            return out;
        }

        /**
         * A target is a path of the site ("/new/$1", never "//host" or "/\\host", which browsers take
         * for another host) or an absolute http(s) URL written out in full; $1 only with a "/**" source.
         */
        private static String redirectTargetProblem(String to, boolean capture) {
            if (to.contains("$1") && !capture) {
                return "$1 needs a from that ends in /**";
            }
            String bare = to.replace("$1", "x");
            if (!bare.matches("[A-Za-z0-9._~/?#\\[\\]@!$&'()*+,;=:%-]+")) {
                return "expected a URL path or an http(s) URL of plain characters (no spaces, no line breaks)";
            }
            if (bare.startsWith("/")) {
                return bare.startsWith("//") ? "a path starting with // names another host: write the URL in full" : null;
            }
            if (bare.matches("https?://[A-Za-z0-9.-]+(:[0-9]+)?(/.*)?")) {
                return null;
            }
            return "expected a path starting with / or an http(s):// URL";
        }

        /** { 404 = "/404.html" }: a 4xx or 5xx status to a file of the site. */
        private Map<Integer, String> errorPages(String key) {
            ConfigValue v = value(key);
            Map<Integer, String> out = new java.util.TreeMap<>();
            if (v == null) {
                return out;
            }
            if (!(v instanceof ConfigObject pages)) {
                error(v.origin(), key(key), "expected { 404 = \"/404.html\" }, got " + describe(v));
                return out;
            }
            for (Map.Entry<String, ConfigValue> e : pages.entrySet()) {
                String path = String.valueOf(e.getValue().unwrapped()).strip();
                if (!e.getKey().matches("[45][0-9][0-9]")) {
                    error(e.getValue().origin(), key(key + "." + e.getKey()), "expected a 4xx or 5xx status as the key");
                } else if (!path.matches("/[A-Za-z0-9._~/-]*") || path.contains("//") || path.contains("/../") || path.endsWith("/..")
                        || path.contains("/./")) {
                    error(e.getValue().origin(), key(key + "." + e.getKey()), "expected a path of the site like \"/404.html\", got "
                            + describe(e.getValue()));
                } else {
                    out.put(Integer.parseInt(e.getKey()), path);
                }
            }
            return out;
        }

        // ---- header rules ----

        private static final List<String> HEADER_RULE_KEYS = List.of("match", "set", "remove", "expires", "status");
        /** Fields the server writes itself (framing, validators, negotiation): a rule cannot set them. */
        private static final List<String> SERVER_FIELDS = List.of("content-length", "transfer-encoding", "connection",
                "keep-alive", "upgrade", "te", "trailer", "date", "server", "content-type", "content-encoding",
                "content-range", "etag", "last-modified", "vary", "accept-ranges", "location");
        /** Fields a rule may remove. */
        private static final List<String> REMOVABLE_FIELDS = List.of("server", "etag", "last-modified", "accept-ranges");

        /** A list of { match, set, remove, expires, status } rules. */
        private List<ServerConfig.HeaderRule> headerRules(String key) {
            ConfigValue v = value(key);
            List<ServerConfig.HeaderRule> out = new ArrayList<>();
            if (v == null) {
                return out;
            }
            if (!(v instanceof ConfigList list)) {
                error(v.origin(), key(key), "expected a list of rules [{ match = \"/assets/**\", set { ... } }], got " + describe(v));
                return out;
            }
            if (list.size() > 64) {
                error(v.origin(), key(key), "at most 64 header rules, got " + list.size());
                return out;
            }
            for (int i = 0; i < list.size(); i++) {
                String at = key + "." + i;
                if (!(list.get(i) instanceof ConfigObject rule)) {
                    error(list.get(i).origin(), key(at), "expected a rule { match = ..., set { ... } }, got " + describe(list.get(i)));
                    continue;
                }
                for (Map.Entry<String, ConfigValue> e : rule.entrySet()) {
                    if (!HEADER_RULE_KEYS.contains(e.getKey())) {
                        error(e.getValue().origin(), key(at + "." + e.getKey()),
                                "unknown key (a header rule knows: " + String.join(", ", HEADER_RULE_KEYS) + ")");
                    }
                }
                if (!rule.containsKey("match")) {
                    error(rule.origin(), key(at), "a header rule needs match = \"/path/**\"");
                    continue;
                }
                List<String> match = new ArrayList<>();
                for (ConfigValue m : stringValuesOrEmpty(at + ".match")) {
                    String glob = ((String) m.unwrapped()).strip();
                    String problem = globProblem(glob);
                    if (problem == null) {
                        match.add(glob);
                    } else {
                        error(m.origin(), key(at + ".match"), problem + ", got " + describe(m));
                    }
                }
                Map<String, String> set = new java.util.LinkedHashMap<>();
                if (rule.containsKey("set")) {
                    ConfigValue sv = value(at + ".set");
                    if (sv instanceof ConfigObject fields) {
                        for (Map.Entry<String, ConfigValue> f : fields.entrySet()) {
                            String name = f.getKey();
                            String problem = fieldProblem(name, f.getValue());
                            if (problem != null) {
                                error(f.getValue().origin(), key(at + ".set." + ConfigUtil.joinPath(name)), problem);
                            } else {
                                set.put(name, String.valueOf(f.getValue().unwrapped()).strip());
                            }
                        }
                    } else if (sv != null) {
                        error(sv.origin(), key(at + ".set"), "expected fields { Cache-Control = \"...\" }, got " + describe(sv));
                    }
                }
                if (rule.containsKey("expires")) {
                    long seconds = expiresSeconds(at + ".expires");
                    if (set.keySet().stream().anyMatch(n -> n.equalsIgnoreCase("cache-control"))) {
                        error(origin(at + ".expires"), key(at + ".expires"), "expires and set { Cache-Control } in one rule:"
                                + " keep one");
                    } else {
                        set.put("Cache-Control", "max-age=" + seconds);
                    }
                }
                List<String> remove = new ArrayList<>();
                if (rule.containsKey("remove")) {
                    for (ConfigValue r : stringValuesOrEmpty(at + ".remove")) {
                        String name = ((String) r.unwrapped()).strip();
                        if (!REMOVABLE_FIELDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                            error(r.origin(), key(at + ".remove"), "can remove Server, ETag, Last-Modified, Accept-Ranges, got "
                                    + describe(r));
                        } else {
                            remove.add(name.toLowerCase(java.util.Locale.ROOT));
                        }
                    }
                }
                List<Integer> classes = new ArrayList<>();
                if (rule.containsKey("status")) {
                    for (ConfigValue c : stringValuesOrEmpty(at + ".status")) {
                        String cls = ((String) c.unwrapped()).strip().toLowerCase(java.util.Locale.ROOT);
                        if (!cls.matches("[2-5]xx")) {
                            error(c.origin(), key(at + ".status"), "expected status classes like \"2xx\" (2xx to 5xx), got "
                                    + describe(c));
                        } else if (!classes.contains(cls.charAt(0) - '0')) {
                            classes.add(cls.charAt(0) - '0');
                        }
                    }
                } else {
                    classes.addAll(List.of(2, 3)); // as nginx's add_header without "always"
                }
                out.add(new ServerConfig.HeaderRule(match, set, remove, classes));
            }
            return out;
        }

        /**
         * The syntax http.PathGlob compiles: from '/' (or "**"), '*' within a segment, "**" across
         * segments, at most 63 characters and wildcards.
         */
        private static String globProblem(String glob) {
            if (!glob.startsWith("/") && !glob.startsWith("**")) {
                return "a path pattern starts with '/' or \"**\"";
            }
            if (glob.contains("***")) {
                return "\"***\" means nothing: use \"**\"";
            }
            if (glob.replace("**", "*").getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
                return "a path pattern has at most 63 characters and wildcards";
            }
            return null;
        }

        /** expires: seconds, or a number with s, m, h, d, w or y (365 days); 0 = revalidate every time. */
        private long expiresSeconds(String key) {
            ConfigValue v = value(key);
            if (v == null) {
                return 0;
            }
            String s = String.valueOf(v.unwrapped()).strip();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})\\s*(s|m|h|d|w|y)?").matcher(s);
            if (!m.matches()) {
                error(v.origin(), key(key), "expected a time like 0, 3600, 10m, 1h, 7d or 1y, got " + describe(v));
                return 0;
            }
            long n = Long.parseLong(m.group(1));
            long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
                case "m" -> 60;
                case "h" -> 3600;
                case "d" -> 86_400;
                case "w" -> 7 * 86_400;
                case "y" -> 365 * 86_400;
                default -> 1;
            };
            return n * unit;
        }

        private List<ConfigValue> stringValuesOrEmpty(String key) {
            List<ConfigValue> values = stringValues(key);
            return values == null ? List.of() : values;
        }

        /** Why a field cannot be set as given, or null. */
        private static String fieldProblem(String name, ConfigValue value) {
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                return "not a field name (RFC 9110 §5.1: a token)";
            }
            if (SERVER_FIELDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                return name + " is written by the server; a rule sets other fields (remove drops Server, ETag,"
                        + " Last-Modified, Accept-Ranges)";
            }
            if (value.valueType() != ConfigValueType.STRING && value.valueType() != ConfigValueType.NUMBER
                    && value.valueType() != ConfigValueType.BOOLEAN) {
                return "expected a field value (a string), got " + describe(value);
            }
            String v = String.valueOf(value.unwrapped()).strip();
            if (v.isEmpty() || !v.matches("[\\x20-\\x7e\\t]*")) {
                return "a field value is visible ASCII, spaces and tabs (no line breaks), and not empty";
            }
            return null;
        }

        /**
         * Host names: lower-cased, a trailing dot dropped; "*.example.com" for every name below
         * example.com. A name in two sites is an error: which site answers would be a guess.
         */
        private List<String> siteHosts(String key, Map<String, String> owners) {
            List<ConfigValue> values = stringValues(key);
            List<String> out = new ArrayList<>();
            if (values == null) {
                return out;
            }
            for (ConfigValue v : values) {
                String raw = ((String) v.unwrapped()).strip().toLowerCase(java.util.Locale.ROOT);
                String name = raw.endsWith(".") ? raw.substring(0, raw.length() - 1) : raw;
                String plain = name.startsWith("*.") ? name.substring(2) : name;
                if (!plain.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                    error(v.origin(), key(key), "expected host names like \"example.com\" or \"*.example.com\""
                            + " (no port, no scheme), got " + describe(v));
                    continue;
                }
                String owner = owners.putIfAbsent(name, key);
                if (owner != null) {
                    error(v.origin(), key(key), name + " is already a host of " + key(owner));
                    continue;
                }
                out.add(name);
            }
            if (out.isEmpty() && values.isEmpty()) {
                error(origin(key), key(key), "a site needs at least one host");
            }
            return out;
        }

        /**
         * try-files: "$uri" plus an optional suffix of file-name characters or a final '/', a path from
         * the site's root, and last, optionally, "=STATUS" (an error status).
         */
        private List<String> tryFiles(String key) {
            List<ConfigValue> values = stringValues(key);
            List<String> out = new ArrayList<>();
            if (values == null) {
                return out;
            }
            for (int i = 0; i < values.size(); i++) {
                ConfigValue v = values.get(i);
                String s = ((String) v.unwrapped()).strip();
                boolean last = i == values.size() - 1;
                String problem = tryFilesProblem(s, last);
                if (problem != null) {
                    error(v.origin(), key(key), problem + ", got " + describe(v));
                } else {
                    out.add(s);
                }
            }
            return out;
        }

        private static String tryFilesProblem(String s, boolean last) {
            if (s.startsWith("=")) {
                if (!last) {
                    return "\"=STATUS\" can only be the last element";
                }
                return s.matches("=(40[0-9]|41[0-9]|4[2-9][0-9]|5[0-9][0-9])") ? null : "expected =STATUS with a 4xx or 5xx status";
            }
            if (s.startsWith("$uri")) {
                return s.substring(4).matches("[A-Za-z0-9._~-]*/?") && !s.substring(4).startsWith("..")
                        ? null : "expected $uri followed by file-name characters or '/', like \"$uri.html\" or \"$uri/\"";
            }
            if (s.startsWith("/")) {
                for (String segment : s.substring(1).split("/", -1)) {
                    if (segment.equals("..") || segment.equals(".") || (segment.isEmpty() && !s.endsWith("/"))) {
                        return "expected a path inside the site (no \".\", \"..\" or \"//\")";
                    }
                }
                return s.matches("/[A-Za-z0-9._~/-]*") ? null : "expected a path of plain characters, like \"/index.html\"";
            }
            return "expected \"$uri\", \"$uri.html\", \"$uri/\", a path like \"/index.html\" or, last, \"=404\"";
        }

        private ServerConfig.Compression compression() {
            Optional<Path> cacheDirectory = path("compression.cache-directory", true);
            return new ServerConfig.Compression(
                    encodings("compression.encodings"),
                    bool("compression.sidecars", true),
                    bool("compression.variants", true),
                    mediaTypes("compression.types"),
                    bytes("compression.min-bytes", 0, Long.MAX_VALUE / 2, 256),
                    bytes("compression.max-bytes", 0, 1024 * MIB, 16 * MIB),
                    bytes("compression.variant-memory-bytes", 0, 256 * MIB, 64 * 1024),
                    bytes("compression.cache-memory-bytes", 0, Long.MAX_VALUE / 2, 64 * MIB),
                    bytes("compression.cache-disk-bytes", 0, Long.MAX_VALUE / 2, 1024 * MIB),
                    cacheDirectory.orElse(Path.of(System.getProperty("java.io.tmpdir"), "uring-httpd-variants")),
                    (int) whole("compression.threads", 1, 64, 1),
                    (int) whole("compression.queue-max", 1, 1_000_000, 1000),
                    (int) whole("compression.gzip-level", 1, 9, 6),
                    (int) whole("compression.zstd-level", 1, 22, 19),
                    (int) whole("compression.brotli-level", 0, 11, 11));
        }

        /** A list of content-coding tokens the server can make, each at most once. */
        private List<String> encodings(String key) {
            return lowerCaseList(key, s -> List.of("br", "zstd", "gzip").contains(s), "a list of br, zstd, gzip", true);
        }

        /** A list of media types, "type/subtype" or "type/*"; a repeated one counts once. */
        private List<String> mediaTypes(String key) {
            return lowerCaseList(key, s -> s.matches("[a-z0-9!#$&^_.+-]+/([a-z0-9!#$&^_.+-]+|\\*)"),
                    "media types like \"text/*\" or \"application/json\"", false);
        }

        /** The strings of a list, stripped and lower-cased, each checked by {@code valid}. */
        private List<String> lowerCaseList(String key, java.util.function.Predicate<String> valid, String expected,
                                           boolean repeatIsError) {
            List<ConfigValue> values = stringValues(key);
            List<String> out = new ArrayList<>();
            if (values == null) {
                return out;
            }
            for (ConfigValue v : values) {
                String s = ((String) v.unwrapped()).strip().toLowerCase(java.util.Locale.ROOT);
                if (!valid.test(s)) {
                    error(v.origin(), key(key), "expected " + expected + ", got " + describe(v));
                } else if (!out.contains(s)) {
                    out.add(s);
                } else if (repeatIsError) {
                    error(v.origin(), key(key), s + " is listed twice");
                }
            }
            return out;
        }

        /** The value at ROOT.key, or null (error reported, or below a broken object). */
        private ConfigValue value(String key) {
            String full = key(key);
            for (String b : broken) {
                if (full.startsWith(b + ".")) {
                    return null;
                }
            }
            ConfigValue v = config.root();
            for (String part : full.split("\\.")) {
                if (v instanceof ConfigList list && part.matches("[0-9]+")) {
                    v = list.get(Integer.parseInt(part)); // an entry of a list of objects (sites.0.root)
                    continue;
                }
                if (!(v instanceof ConfigObject o) || !o.containsKey(part)) {
                    // Unreachable while reference.conf lists every key read here.
                    throw new IllegalStateException(full + " is missing from " + REFERENCE);
                }
                v = o.get(part);
            }
            if (v.valueType() == ConfigValueType.NULL) {
                error(v.origin(), full, "must not be null");
                return null;
            }
            return v;
        }

        private boolean bool(String key, boolean fallback) {
            ConfigValue v = value(key);
            if (v == null) {
                return fallback;
            }
            if (v.valueType() == ConfigValueType.BOOLEAN) {
                return (Boolean) v.unwrapped();
            }
            if (v.valueType() == ConfigValueType.STRING) {
                switch (((String) v.unwrapped()).strip().toLowerCase(Locale.ROOT)) {
                    case "on", "true", "yes": return true;
                    case "off", "false", "no": return false;
                    default: break;
                }
            }
            error(v.origin(), key(key), "expected on or off, got " + describe(v));
            return fallback;
        }

        private long whole(String key, long min, long max, long fallback) {
            ConfigValue v = value(key);
            if (v == null) {
                return fallback;
            }
            Long n = wholeNumber(v);
            if (n == null) {
                error(v.origin(), key(key), "expected a whole number " + min + ".." + max + ", got " + describe(v));
                return fallback;
            }
            if (n < min || n > max) {
                error(v.origin(), key(key), n + " is out of range " + min + ".." + max);
                return fallback;
            }
            return n;
        }

        private static Long wholeNumber(ConfigValue v) {
            Object u = v.unwrapped();
            if (u instanceof Integer i) {
                return i.longValue();
            }
            if (u instanceof Long l) {
                return l;
            }
            if (u instanceof String s) {
                try {
                    return Long.parseLong(s.strip());
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return null;
        }

        private record Workers(int count, boolean auto) {}

        private Workers workers(String key) {
            int cpus = Math.min(Runtime.getRuntime().availableProcessors(), WORKERS_MAX);
            ConfigValue v = value(key);
            if (v == null) {
                return new Workers(cpus, true);
            }
            if (v.unwrapped() instanceof String s && s.strip().equalsIgnoreCase("auto")) {
                return new Workers(cpus, true);
            }
            Long n = wholeNumber(v);
            if (n == null || n < 1 || n > WORKERS_MAX) {
                error(v.origin(), key(key), "expected auto or a number 1.." + WORKERS_MAX + ", got " + describe(v));
                return new Workers(cpus, true);
            }
            return new Workers(n.intValue(), false);
        }

        private long bytes(String key, long min, long max, long fallback) {
            ConfigValue v = value(key);
            if (v == null) {
                return fallback;
            }
            if (v.unwrapped() instanceof Double) {
                error(v.origin(), key(key), "expected a whole number of bytes or a size such as 8k, got " + describe(v));
                return fallback;
            }
            Long n = wholeNumber(v);
            if (n == null) {
                if (v.unwrapped() instanceof String s && s.strip().startsWith("-")) {
                    error(v.origin(), key(key), "must not be negative, got " + describe(v));
                    return fallback;
                }
                try {
                    n = config.getBytes(key(key));
                } catch (com.typesafe.config.ConfigException e) {
                    error(v.origin(), key(key), "expected a size such as 8192, 8k or 16KiB, got " + describe(v));
                    return fallback;
                }
            }
            if (n < 0) {
                error(v.origin(), key(key), "must not be negative, got " + describe(v));
                return fallback;
            }
            if (n < min || n > max) {
                error(v.origin(), key(key), describe(v) + " is out of range " + bytesText(min) + ".." + bytesText(max));
                return fallback;
            }
            return n;
        }

        private static String bytesText(long n) {
            if (n >= MIB && n % MIB == 0) {
                return n / MIB + "m";
            }
            if (n >= 1024 && n % 1024 == 0) {
                return n / 1024 + "k";
            }
            return Long.toString(n);
        }

        private long durationMs(String key, long minMs, long maxMs, long fallback) {
            ConfigValue v = value(key);
            if (v == null) {
                return fallback;
            }
            Duration d;
            try {
                d = config.getDuration(key(key));
            } catch (com.typesafe.config.ConfigException e) {
                error(v.origin(), key(key), "expected a duration such as 500ms, 60s or 2m, got " + describe(v));
                return fallback;
            }
            if (d.isNegative()) {
                error(v.origin(), key(key), "must not be negative, got " + describe(v));
                return fallback;
            }
            long ms = d.compareTo(Duration.ofMillis(maxMs)) > 0 ? Long.MAX_VALUE : d.toMillis();
            if (ms < minMs || ms > maxMs) {
                error(v.origin(), key(key), describe(v) + " is out of range " + msText(minMs) + ".." + msText(maxMs));
                return fallback;
            }
            return ms;
        }

        private static String msText(long ms) {
            if (ms == Integer.MAX_VALUE) {
                return "24d";
            }
            if (ms >= 3_600_000 && ms % 3_600_000 == 0) {
                return ms / 3_600_000 + "h";
            }
            if (ms >= 1000 && ms % 1000 == 0) {
                return ms / 1000 + "s";
            }
            return ms + "ms";
        }

        private <E extends Enum<E> & Named> E choice(String key, E[] values, E fallback) {
            ConfigValue v = value(key);
            if (v == null) {
                return fallback;
            }
            if (v.valueType() == ConfigValueType.STRING) {
                String s = ((String) v.unwrapped()).strip();
                for (E e : values) {
                    if (e.configName().equalsIgnoreCase(s)) {
                        return e;
                    }
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : values) {
                names.add(e.configName());
            }
            error(v.origin(), key(key), "expected one of " + String.join(", ", names) + ", got " + describe(v));
            return fallback;
        }

        private String string(ConfigValue v, String key) {
            return switch (v.valueType()) {
                case STRING -> (String) v.unwrapped();
                case NUMBER, BOOLEAN -> String.valueOf(v.unwrapped());   // HOCON converts these to strings
                default -> {
                    error(v.origin(), key, "expected a string, got " + describe(v));
                    yield null;
                }
            };
        }

        /** A path relative to the config folder; "" -> empty when allowed, else an error. */
        private Optional<Path> path(String key, boolean emptyAllowed) {
            ConfigValue v = value(key);
            if (v == null) {
                return Optional.empty();
            }
            String s = string(v, key(key));
            if (s == null) {
                return Optional.empty();
            }
            if (s.isBlank()) {
                if (!emptyAllowed) {
                    error(v.origin(), key(key), "must not be empty");
                }
                return Optional.empty();
            }
            try {
                return Optional.of(baseDir.resolve(s).normalize());
            } catch (InvalidPathException e) {
                error(v.origin(), key(key), "not a valid path: " + e.getReason());
                return Optional.empty();
            }
        }

        private Path directory(String key) {
            Optional<Path> p = path(key, false);
            if (p.isEmpty()) {
                return baseDir;
            }
            Path dir = p.get();
            if (!Files.isDirectory(dir)) {
                error(origin(key), key(key), dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
                return dir;
            }
            try {
                // The real path: what the kernel resolves, so startup logs show where files come from.
                return dir.toRealPath();
            } catch (IOException e) {
                error(origin(key), key(key), dir + ": " + e.getMessage());
                return dir;
            }
        }

        private String urlPath(String key, String fallback) {
            ConfigValue v = value(key);
            if (v == null) {
                return fallback;
            }
            String s = string(v, key(key));
            if (s == null) {
                return fallback;
            }
            if (!s.startsWith("/") || s.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '?' || c == '#')) {
                error(v.origin(), key(key), "expected a URL path starting with / (no spaces, ? or #), got " + describe(v));
                return fallback;
            }
            return s;
        }

        /** A list of strings; a single string stands for a list of one. */
        private List<ConfigValue> stringValues(String key) {
            ConfigValue v = value(key);
            if (v == null) {
                return null;
            }
            if (v.valueType() == ConfigValueType.STRING) {
                return List.of(v);
            }
            if (v instanceof ConfigList list) {
                List<ConfigValue> out = new ArrayList<>();
                for (ConfigValue e : list) {
                    if (e.valueType() == ConfigValueType.STRING) {
                        out.add(e);
                    } else {
                        error(e.origin(), key(key), "expected a string in the list, got " + describe(e));
                    }
                }
                return out;
            }
            error(v.origin(), key(key), "expected a list of strings (or one string), got " + describe(v));
            return null;
        }

        private List<ListenAddress> listenList(String key) {
            List<ConfigValue> values = stringValues(key);
            List<ListenAddress> out = new ArrayList<>();
            if (values == null) {
                return out;
            }
            if (values.isEmpty()) {
                error(origin(key), key(key), "needs at least one address");
            }
            for (ConfigValue v : values) {
                ListenAddress a = listenAddress(v, key);
                if (a == null) {
                    continue;
                }
                if (a.port() != 0 && out.contains(a)) {
                    error(v.origin(), key(key), a + " is listed twice");
                    continue;
                }
                out.add(a);
            }
            return out;
        }

        private ListenAddress listenOne(String key, ListenAddress fallback) {
            ConfigValue v = value(key);
            if (v == null) {
                return fallback;
            }
            if (v.valueType() != ConfigValueType.STRING) {
                error(v.origin(), key(key), "expected \"host:port\", got " + describe(v));
                return fallback;
            }
            ListenAddress a = listenAddress(v, key);
            return a == null ? fallback : a;
        }

        /** "host:port" or "[v6]:port"; a host name must resolve now (as nginx checks its listen). */
        private ListenAddress listenAddress(ConfigValue v, String key) {
            String s = ((String) v.unwrapped()).strip();
            String expected = "expected host:port such as 127.0.0.1:8080 or [::1]:8080, got " + describe(v);
            String host;
            String port;
            int p;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                    error(v.origin(), key(key), expected);
                    return null;
                }
                host = s.substring(1, close);
                port = s.substring(close + 2);
                p = port(v, key, port, expected);
                if (p < 0) {
                    return null;
                }
                if (!(literal(host) instanceof Inet6Address)) {
                    error(v.origin(), key(key), "not an IPv6 address: [" + host + "]");
                    return null;
                }
            } else {
                int colon = s.lastIndexOf(':');
                if (colon <= 0) {
                    error(v.origin(), key(key), expected);
                    return null;
                }
                host = s.substring(0, colon);
                port = s.substring(colon + 1);
                p = port(v, key, port, expected);
                if (p < 0) {
                    return null;
                }
                if (host.indexOf(':') >= 0) {
                    error(v.origin(), key(key), "an IPv6 address needs brackets: [" + host + "]:" + port);
                    return null;
                }
                if (host.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.')) {
                    // Strict dotted quad: InetAddress also takes "1.2.3" (= 1.2.0.3), surely a typo here.
                    if (!host.matches("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)")) {
                        error(v.origin(), key(key), "not an IPv4 address: " + host);
                        return null;
                    }
                } else if (!host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
                    error(v.origin(), key(key), "not a host name: " + describe(v));
                    return null;
                } else {
                    try {
                        InetAddress.getByName(host);
                    } catch (UnknownHostException e) {
                        error(v.origin(), key(key), "host " + host + " does not resolve");
                        return null;
                    }
                }
            }
            return new ListenAddress(host, p);
        }

        private int port(ConfigValue v, String key, String port, String expected) {
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                error(v.origin(), key(key), expected);
                return -1;
            }
            int p = Integer.parseInt(port);
            if (p > 65535) {
                error(v.origin(), key(key), "port " + p + " is out of range 0..65535 (0 = any free port)");
                return -1;
            }
            return p;
        }

        private static InetAddress literal(String host) {
            try {
                return InetAddress.ofLiteral(host);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        /** A user or group name for the workers ("" = none); existence is checked by the master, as root. */
        private String account(String key) {
            ConfigValue v = value(key);
            if (v == null) {
                return "";
            }
            String s = string(v, key(key));
            if (s == null) {
                return "";
            }
            s = s.strip();
            // POSIX portable user names (plus '$' of some directory services): nothing a shell or path could misread.
            if (!s.isEmpty() && !s.matches("[A-Za-z0-9._][A-Za-z0-9._-]*\\$?")) {
                error(v.origin(), key(key), "expected a user or group name, got " + describe(v));
                return "";
            }
            return s;
        }

        /**
         * The directory of the workers' class archive: off -> empty; auto -> uring-httpd-USER in the
         * JVM's temporary directory, USER the user the workers run as ({@code user}, or this
         * process's); else a path.
         */
        private Optional<Path> workerClassArchiveDir(String key, String user) {
            ConfigValue v = value(key);
            String s = v == null ? "auto" : string(v, key(key));
            if (s == null || s.strip().equals("off")) {
                return Optional.empty();
            }
            if (!s.strip().equals("auto")) {
                return path(key, false);
            }
            String owner = user.isEmpty() ? System.getProperty("user.name") : user;
            return Optional.of(Path.of(System.getProperty("java.io.tmpdir"), "uring-httpd-" + owner));
        }

        /** JVM options for worker processes: each must look like one ("-..."), so a typo is caught here. */
        private List<String> javaOptions(String key) {
            List<ConfigValue> values = stringValues(key);
            List<String> out = new ArrayList<>();
            if (values == null) {
                return out;
            }
            for (ConfigValue v : values) {
                String s = ((String) v.unwrapped()).strip();
                if (!s.startsWith("-") || s.indexOf('\0') >= 0) {
                    error(v.origin(), key(key), "expected JVM options such as \"-Xmx256m\", got " + describe(v));
                } else {
                    out.add(s);
                }
            }
            return out;
        }

        /** Engines assigned to workers in turn (worker i runs element i mod size); empty = engine for all. */
        private List<Engine> workerEngines(String key) {
            List<ConfigValue> values = stringValues(key);
            List<Engine> out = new ArrayList<>();
            if (values == null) {
                return out;
            }
            for (ConfigValue v : values) {
                String s = ((String) v.unwrapped()).strip();
                Engine found = null;
                for (Engine e : Engine.values()) {
                    if (e.configName().equalsIgnoreCase(s)) {
                        found = e;
                    }
                }
                if (found == null) {
                    error(v.origin(), key(key), "expected a list of auto, epoll, io_uring, got " + describe(v));
                } else {
                    out.add(found);
                }
            }
            return out;
        }

        private List<String> indexNames(String key) {
            List<ConfigValue> values = stringValues(key);
            List<String> out = new ArrayList<>();
            if (values == null) {
                return List.of("index.html");
            }
            for (ConfigValue v : values) {
                String s = (String) v.unwrapped();
                if (s.isEmpty() || s.equals(".") || s.equals("..") || s.indexOf('/') >= 0 || s.indexOf('\0') >= 0) {
                    error(v.origin(), key(key), "expected a plain file name (no '/'), got " + describe(v));
                } else if (!out.contains(s)) {
                    out.add(s);
                }
            }
            return out;
        }

        // ---- errors ----

        private static String key(String relative) {
            return ROOT + "." + relative;
        }

        private ConfigOrigin origin(String key) {
            ConfigValue v = value(key);
            return v == null ? null : v.origin();
        }

        void error(com.typesafe.config.ConfigException e, String key) {
            ConfigOrigin o = e.origin();
            String message = e.getMessage();
            if (o != null && message.startsWith(o.description() + ": ")) {
                message = message.substring(o.description().length() + 2);
            }
            error(o, key, message);
        }

        private void error(ConfigOrigin o, String key, String message) {
            if (o == null) {
                error("", 0, key, message);
                return;
            }
            String source;
            if (o.resource() != null) {   // before filename(): a resource in target/classes also has one
                source = o.resource();
            } else if (o.filename() != null) {
                source = o.filename();
            } else if (o.description().startsWith(SET_ORIGIN)) {
                source = SET_ORIGIN;
            } else {
                source = o.description().replaceFirst(": \\d+$", "");
            }
            int line = SET_ORIGIN.equals(source) ? 0 : Math.max(0, o.lineNumber());
            error(source, line, key, message);
        }

        private void error(String source, int line, String key, String message) {
            for (String b : broken) {
                if (key.startsWith(b + ".")) {
                    return;
                }
            }
            sourceOrder.putIfAbsent(source, sourceOrder.size());
            String origin = line > 0 ? source + ":" + line : source;
            for (Pending p : errors) {
                if (p.error.origin().equals(origin) && p.error.key().equals(key) && p.error.message().equals(message)) {
                    return;
                }
            }
            int rank = SET_ORIGIN.equals(source) ? 2 : REFERENCE.equals(source) ? 3 : 1;
            errors.add(new Pending(rank, source, line, new ConfigError(origin, key, message)));
        }

        private static String describe(ConfigValue v) {
            String text = v.valueType() == ConfigValueType.STRING
                    ? quote((String) v.unwrapped())
                    : v.render(ConfigRenderOptions.concise());
            return text.length() > 80 ? text.substring(0, 77) + "..." : text;
        }

        private static String quote(String s) {
            StringBuilder b = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if (c < ' ' || c == 0x7f) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            return b.append('"').toString();
        }
    }

    private record Pending(int rank, String source, int line, ConfigError error) {}
}
