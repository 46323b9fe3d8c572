package io.uringhttpd.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.uringhttpd.config.ServerConfig.Dotfiles;
import io.uringhttpd.config.ServerConfig.Engine;
import io.uringhttpd.config.ServerConfig.ListenAddress;
import io.uringhttpd.config.ServerConfig.Symlinks;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;
    Path www;

    @BeforeEach
    void site() throws IOException {
        www = Files.createDirectory(dir.resolve("www"));
    }

    private Path conf(String text) throws IOException {
        return Files.writeString(dir.resolve("test.conf"), text);
    }

    private ServerConfig load(String text, String... sets) throws Exception {
        return ConfigLoader.load(conf(text), List.of(sets));
    }

    private List<ConfigError> errors(String text, String... sets) throws IOException {
        Path file = conf(text);
        try {
            ConfigLoader.load(file, List.of(sets));
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected configuration errors");
    }

    private ConfigError onlyError(String text, String... sets) throws IOException {
        List<ConfigError> errors = errors(text, sets);
        assertThat(errors).hasSize(1);
        return errors.getFirst();
    }

    private String at(int line) {
        return dir.resolve("test.conf") + ":" + line;
    }

    // ---- defaults ----

    @Test
    void defaultsFromReferenceConf() throws Exception {
        ServerConfig c = load("uring-httpd {}\n");
        assertThat(c.configFile()).isEqualTo(dir.resolve("test.conf").toAbsolutePath());
        assertThat(c.sets()).isEmpty();
        assertThat(c.listen()).containsExactly(new ListenAddress("127.0.0.1", 8080));
        assertThat(c.root()).isEqualTo(www.toRealPath());
        assertThat(c.engine()).isEqualTo(Engine.AUTO);
        assertThat(c.workers()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.workersAuto()).isTrue();
        assertThat(c.master()).isTrue();
        assertThat(c.loopsPerWorker()).isEqualTo(1);
        assertThat(c.pidFile()).isEqualTo(dir.resolve("uring-httpd.pid"));
        assertThat(c.accessLog()).isEqualTo(new ServerConfig.AccessLog(true, dir.resolve("logs/access.log"), 65536, 1000));
        assertThat(c.metrics()).isEqualTo(new ServerConfig.Metrics(true, new ListenAddress("127.0.0.1", 9145), "/metrics"));
        assertThat(c.indexNames()).containsExactly("index.html");
        assertThat(c.autoindex()).isFalse();
        assertThat(c.timeouts()).isEqualTo(new ServerConfig.Timeouts(60_000, 75_000, 60_000));
        assertThat(c.limits()).isEqualTo(new ServerConfig.Limits(8192, 16384, 100, 10_000, 16));
        assertThat(c.mimeTypesFile()).isEmpty();
        assertThat(c.openFileCache()).isEqualTo(new ServerConfig.OpenFileCache(10_000, 5_000, 10_000));
        assertThat(c.smallFileBytesMax()).isEqualTo(32 * 1024);
        assertThat(c.dotfiles()).isEqualTo(Dotfiles.DENY);
        assertThat(c.symlinks()).isEqualTo(Symlinks.INSIDE_ROOT);
        assertThat(c.serverTokens()).isTrue();
    }

    @Test
    void emptyFileMeansDefaults() throws Exception {
        assertThat(load("").listen()).containsExactly(new ListenAddress("127.0.0.1", 8080));
    }

    @Test
    void everyKeyWritten() throws Exception {
        ServerConfig c = load("""
                uring-httpd {
                  listen = ["0.0.0.0:80", "[::1]:8443", "localhost:0"]
                  engine = epoll
                  workers = 4
                  master = off
                  loops-per-worker = 2
                  pid-file = "/run/u.pid"
                  access-log { enabled = no, path = "/var/log/u/access.log", buffer-bytes = 0, flush-interval = 250ms }
                  metrics { enabled = false, listen = "[::1]:9000", path = "/m" }
                  index = ["index.htm", "default.html"]
                  autoindex = on
                  timeouts { header-read = 500ms, keepalive-idle = 2m, send = 1000 }
                  limits { request-line-bytes = 16KiB, header-section-bytes = 65536, header-count = 50,
                           connections-per-loop = 20, ranges-per-request = 2 }
                  open-file-cache { entries = 5, valid = 0, watches-max = 7 }
                  small-file-bytes = 1m
                  dotfiles = allow
                  symlinks = refuse
                  server-tokens = off
                }
                """);
        assertThat(c.listen()).containsExactly(new ListenAddress("0.0.0.0", 80), new ListenAddress("::1", 8443),
                new ListenAddress("localhost", 0));
        assertThat(c.listen().get(1)).hasToString("[::1]:8443");
        assertThat(c.listen().get(1).toSocketAddress()).isEqualTo(new InetSocketAddress("::1", 8443));
        assertThat(c.engine()).isEqualTo(Engine.EPOLL);
        assertThat(c.workers()).isEqualTo(4);
        assertThat(c.workersAuto()).isFalse();
        assertThat(c.master()).isFalse();
        assertThat(c.loopsPerWorker()).isEqualTo(2);
        assertThat(c.loopsTotal()).isEqualTo(8);
        assertThat(c.pidFile()).isEqualTo(Path.of("/run/u.pid"));
        assertThat(c.accessLog()).isEqualTo(new ServerConfig.AccessLog(false, Path.of("/var/log/u/access.log"), 0, 250));
        assertThat(c.metrics()).isEqualTo(new ServerConfig.Metrics(false, new ListenAddress("::1", 9000), "/m"));
        assertThat(c.indexNames()).containsExactly("index.htm", "default.html");
        assertThat(c.autoindex()).isTrue();
        assertThat(c.timeouts()).isEqualTo(new ServerConfig.Timeouts(500, 120_000, 1000));
        assertThat(c.limits()).isEqualTo(new ServerConfig.Limits(16384, 65536, 50, 20, 2));
        assertThat(c.openFileCache()).isEqualTo(new ServerConfig.OpenFileCache(5, 0, 7));
        assertThat(c.smallFileBytesMax()).isEqualTo(1024 * 1024);
        assertThat(c.dotfiles()).isEqualTo(Dotfiles.ALLOW);
        assertThat(c.symlinks()).isEqualTo(Symlinks.REFUSE);
        assertThat(c.serverTokens()).isFalse();
    }

    @Test
    void shippedConfigIsValidAndWritesEveryKey() throws Exception {
        Path shipped = Path.of("../config/uring-httpd.conf");
        assertThat(shipped).isRegularFile();
        ServerConfig c = ConfigLoader.load(shipped, List.of("uring-httpd.root=\"" + www + "\""));
        Path repo = shipped.toAbsolutePath().getParent().getParent().normalize();
        assertThat(c.listen()).containsExactly(new ListenAddress("127.0.0.1", 8080));
        assertThat(c.accessLog().path()).isEqualTo(repo.resolve("logs/access.log"));
        assertThat(c.pidFile()).isEqualTo(repo.resolve("logs/uring-httpd.pid"));

        // The shipped file documents every key of reference.conf, so users see all of them.
        Config ref;
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream("reference.conf")) {
            ref = ConfigFactory.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Config file = ConfigFactory.parseFile(shipped.toFile(), ConfigParseOptions.defaults());
        Set<String> refKeys = ref.entrySet().stream().map(e -> e.getKey()).collect(Collectors.toSet());
        Set<String> fileKeys = file.entrySet().stream().map(e -> e.getKey()).collect(Collectors.toSet());
        assertThat(fileKeys).isEqualTo(refKeys);
    }

    @Test
    void loadStringResolvesAgainstBaseDir() throws Exception {
        ServerConfig c = ConfigLoader.loadString("uring-httpd.listen = \"127.0.0.1:0\"", dir, List.of());
        assertThat(c.root()).isEqualTo(www.toRealPath());
        assertThat(c.configFile()).isNull();
        assertThat(c.listen()).containsExactly(new ListenAddress("127.0.0.1", 0));
    }

    // ---- relative paths ----

    @Test
    void relativePathsResolveAgainstTheConfigFolder() throws Exception {
        Path confDir = Files.createDirectory(dir.resolve("conf"));
        Path site = Files.createDirectory(dir.resolve("site"));
        Files.writeString(confDir.resolve("mime.types"), "text/x-test tst\n");
        Path file = Files.writeString(confDir.resolve("u.conf"), """
                uring-httpd {
                  root = "../site"
                  pid-file = "run/u.pid"
                  access-log.path = "../logs/a.log"
                  mime-types-file = "mime.types"
                }
                """);
        ServerConfig c = ConfigLoader.load(file, List.of());   // the working directory is elsewhere (server/)
        assertThat(c.root()).isEqualTo(site.toRealPath());
        assertThat(c.pidFile()).isEqualTo(confDir.resolve("run/u.pid"));
        assertThat(c.accessLog().path()).isEqualTo(dir.resolve("logs/a.log"));
        assertThat(c.mimeTypesFile()).isEqualTo(Optional.of(confDir.resolve("mime.types")));
    }

    // ---- errors ----

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.conf");
        assertThatThrownBy(() -> ConfigLoader.load(missing, List.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().getFirst().origin()).isEqualTo(missing.toString());
                    assertThat(e.errors().getFirst().message()).contains("not found");
                });
    }

    @Test
    void syntaxErrorHasFileAndLine() throws IOException {
        ConfigError e = onlyError("uring-httpd {\n  master = on\n  listen = [\n");
        assertThat(e.origin()).isEqualTo(at(4));
        assertThat(e.message()).isNotEmpty().doesNotStartWith(dir.toString());
    }

    @Test
    void wrongType() throws IOException {
        ConfigError e = onlyError("uring-httpd {\n  master = 5\n}\n");
        assertThat(e).isEqualTo(new ConfigError(at(2), "uring-httpd.master", "expected on or off, got 5"));
        assertThat(e.format()).isEqualTo(at(2) + ": uring-httpd.master: expected on or off, got 5");
    }

    @Test
    void objectExpected() throws IOException {
        ConfigError e = onlyError("uring-httpd {\n  timeouts = 5s\n}\n");
        assertThat(e.origin()).isEqualTo(at(2));
        assertThat(e.key()).isEqualTo("uring-httpd.timeouts");
        assertThat(e.message()).startsWith("expected an object { header-read, keepalive-idle, send }");
    }

    @Test
    void badEnumListsAllowedValues() throws IOException {
        ConfigError e = onlyError("uring-httpd.engine = kqueue\n");
        assertThat(e).isEqualTo(new ConfigError(at(1), "uring-httpd.engine",
                "expected one of auto, epoll, io_uring, got \"kqueue\""));
        assertThat(onlyError("\n\nuring-httpd.symlinks = yes\n").message())
                .isEqualTo("expected one of inside-root, follow, refuse, got \"yes\"");
    }

    @Test
    void processModelKeys() throws Exception {
        ServerConfig c = load("uring-httpd {}\n");
        Path archive = c.processes().workerClassArchiveDir().orElseThrow();
        assertThat(archive).isEqualTo(
                Path.of(System.getProperty("java.io.tmpdir"), "uring-httpd-" + System.getProperty("user.name")));
        assertThat(c.processes()).isEqualTo(new ServerConfig.Processes(10_000, 1_000, "", "", List.of(),
                List.of("-XX:+UseSerialGC", "-Xms4m", "-XX:TrimNativeHeapInterval=2000",
                        "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-XX:-TieredCompilation"),
                List.of("-XX:+UseSerialGC", "-Xms2m", "-Xmx32m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
                        "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m",
                        "-XX:TrimNativeHeapInterval=2000", "-XX:+UnlockDiagnosticVMOptions",
                        "-XX:ArchiveRelocationMode=0"), Optional.of(archive)));
        assertThat(c.engineOfWorker(3)).isEqualTo(Engine.AUTO);
        c = load("""
                uring-httpd {
                  shutdown-timeout = 30s
                  shutdown-idle-grace = 250ms
                  user = www-data
                  group = "nogroup"
                  worker-engines = [epoll, io_uring]
                  worker-java-options = ["-Xmx64m"]
                  master-java-options = []
                  worker-class-archive = off
                }
                """);
        assertThat(c.processes()).isEqualTo(new ServerConfig.Processes(30_000, 250, "www-data", "nogroup",
                List.of(Engine.EPOLL, Engine.IO_URING), List.of("-Xmx64m"), List.of(), Optional.empty()));
        assertThat(load("uring-httpd.user = www-data\n").processes().workerClassArchiveDir())
                .contains(Path.of(System.getProperty("java.io.tmpdir"), "uring-httpd-www-data"));
        assertThat(load("uring-httpd.worker-class-archive = cache\n").processes().workerClassArchiveDir())
                .contains(dir.resolve("cache"));
        assertThat(List.of(c.engineOfWorker(0), c.engineOfWorker(1), c.engineOfWorker(2)))
                .containsExactly(Engine.EPOLL, Engine.IO_URING, Engine.EPOLL);
    }

    @Test
    void badProcessModelValues() throws IOException {
        assertThat(onlyError("uring-httpd {\n  user = \"root; rm -rf /\"\n}\n"))
                .isEqualTo(new ConfigError(at(2), "uring-httpd.user", "expected a user or group name, got \"root; rm -rf /\""));
        assertThat(onlyError("uring-httpd {\n  worker-engines = [epoll, kqueue]\n}\n"))
                .isEqualTo(new ConfigError(at(2), "uring-httpd.worker-engines",
                        "expected a list of auto, epoll, io_uring, got \"kqueue\""));
        assertThat(onlyError("uring-httpd.shutdown-timeout = -1s\n").key()).isEqualTo("uring-httpd.shutdown-timeout");
        assertThat(onlyError("uring-httpd.worker-java-options = [Xmx64m]\n").message())
                .isEqualTo("expected JVM options such as \"-Xmx256m\", got \"Xmx64m\"");
        assertThat(onlyError("uring-httpd.master-java-options = [\"\"]\n").key()).isEqualTo("uring-httpd.master-java-options");
    }

    @Test
    void compressionKeys() throws Exception {
        ServerConfig c = load("uring-httpd.compression { encodings = [GZIP, br], types = [\"Text/*\", \"text/*\"],"
                + " zstd-level = 22, cache-directory = cache }\n");
        assertThat(c.compression().encodings()).containsExactly("gzip", "br");
        assertThat(c.compression().types()).containsExactly("text/*");
        assertThat(c.compression().zstdLevel()).isEqualTo(22);
        assertThat(c.compression().cacheDirectory()).isEqualTo(dir.resolve("cache"));
        assertThat(load("").compression().cacheDirectory().getFileName().toString()).isEqualTo("uring-httpd-variants");
        assertThat(load("uring-httpd.compression.encodings = []").compression().encodings()).isEmpty();
    }

    @Test
    void badCompressionValues() throws IOException {
        assertThat(onlyError("uring-httpd {\n  compression.encodings = [br, deflate]\n}\n"))
                .isEqualTo(new ConfigError(at(2), "uring-httpd.compression.encodings",
                        "expected a list of br, zstd, gzip, got \"deflate\""));
        assertThat(onlyError("uring-httpd.compression.encodings = [br, gzip, br]\n").message()).isEqualTo("br is listed twice");
        assertThat(onlyError("uring-httpd.compression.types = [\"text\"]\n").message())
                .isEqualTo("expected media types like \"text/*\" or \"application/json\", got \"text\"");
        assertThat(onlyError("uring-httpd.compression.brotli-level = 12\n").key()).isEqualTo("uring-httpd.compression.brotli-level");
        assertThat(onlyError("uring-httpd.compression.gzip-level = 0\n").key()).isEqualTo("uring-httpd.compression.gzip-level");
        assertThat(onlyError("uring-httpd.compression.threads = 0\n").key()).isEqualTo("uring-httpd.compression.threads");
        assertThat(onlyError("uring-httpd.compression.max-bytes = -1\n").key()).isEqualTo("uring-httpd.compression.max-bytes");
    }

    @Test
    void sites() throws Exception {
        Path app = Files.createDirectory(dir.resolve("app"));
        ServerConfig c = load("uring-httpd.sites = [{ hosts = [App.Example.com., \"*.example.org\"], root = app,"
                + " try-files = [\"$uri\", \"$uri.html\", \"$uri/\", \"/index.html\"] },"
                + " { hosts = b.example.com, autoindex = on }]\n");
        assertThat(c.sites()).hasSize(2);
        ServerConfig.Site first = c.sites().getFirst();
        assertThat(first.hosts()).containsExactly("app.example.com", "*.example.org");
        assertThat(first.root()).isEqualTo(app.toRealPath());
        assertThat(first.tryFiles()).containsExactly("$uri", "$uri.html", "$uri/", "/index.html");
        ServerConfig.Site second = c.sites().get(1);
        assertThat(second.root()).as("the top-level root").isEqualTo(c.root());
        assertThat(second.autoindex()).isTrue();
        assertThat(second.indexNames()).isEqualTo(c.indexNames());
        assertThat(c.defaultSite().root()).isEqualTo(c.root());
    }

    @Test
    void badSites() throws IOException {
        String two = "uring-httpd.sites = [\n  { hosts = [a.test] },\n  { hosts = [A.test] }\n]\n";
        assertThat(onlyError(two)).isEqualTo(new ConfigError(at(3), "uring-httpd.sites.1.hosts",
                "a.test is already a host of uring-httpd.sites.0.hosts"));
        assertThat(onlyError("uring-httpd.sites = [{ hosts = [\"a.test:8080\"] }]\n").message())
                .startsWith("expected host names like \"example.com\" or \"*.example.com\"");
        assertThat(onlyError("uring-httpd.sites = [{ hosts = [\"a.*.test\"] }]\n").key()).isEqualTo("uring-httpd.sites.0.hosts");
        assertThat(onlyError("uring-httpd.sites = [{ root = www }]\n").message()).contains("needs hosts");
        assertThat(onlyError("uring-httpd.sites = [{ hosts = [a.test], rot = www }]\n"))
                .isEqualTo(new ConfigError(at(1), "uring-httpd.sites.0.rot",
                        "unknown key (a site knows: hosts, root, index, autoindex, dotfiles, symlinks, try-files, headers, redirects, error-pages)"));
        assertThat(onlyError("uring-httpd.sites = [{ hosts = [a.test], root = nope }]\n").message()).contains("does not exist");
        assertThat(onlyError("uring-httpd.sites = [{ hosts = [a.test], try-files = [\"=404\", \"$uri\"] }]\n").message())
                .startsWith("\"=STATUS\" can only be the last element");
        for (String bad : List.of("/../etc/passwd", "//evil", "$uri/../x", "uri", "/a b", "=200", "$uri//")) {
            assertThat(onlyError("uring-httpd.sites = [{ hosts = [a.test], try-files = [\"$uri\", \"" + bad + "\"] }]\n").key())
                    .as(bad).isEqualTo("uring-httpd.sites.0.try-files");
        }
        assertThat(onlyError("uring-httpd.sites = [www]\n").message()).startsWith("expected a site { hosts");
        StringBuilder many = new StringBuilder("uring-httpd.sites = [\n");
        for (int i = 0; i <= ServerConfig.SITES_MAX; i++) {
            many.append("  { hosts = [s").append(i).append(".test] }\n");
        }
        assertThat(onlyError(many.append("]\n").toString())).isEqualTo(new ConfigError(at(1), "uring-httpd.sites",
                "at most 63 sites (each has an open-file cache and an inotify instance in every loop, and series of its"
                        + " own), got 64"));
        // The metrics slots hold the default site and every listed one.
        assertThat(ServerConfig.SITES_MAX + 1).isEqualTo(io.uringhttpd.metrics.MetricsSchema.SITES_MAX);
    }

    @Test
    void headerRules() throws Exception {
        ServerConfig c = load("uring-httpd.headers = [{ match = \"/assets/**\", set { Cache-Control = \"max-age=60\","
                + " X-Frame-Options = DENY } }, { match = [\"**/*.html\"], expires = 1h, remove = [server], status = [4XX] }]\n");
        assertThat(c.headers()).hasSize(2);
        assertThat(c.headers().getFirst().set()).containsOnly(Map.entry("Cache-Control", "max-age=60"),
                Map.entry("X-Frame-Options", "DENY"));
        assertThat(c.headers().getFirst().statusClasses()).containsExactly(2, 3);
        ServerConfig.HeaderRule second = c.headers().get(1);
        assertThat(second.set()).containsExactly(Map.entry("Cache-Control", "max-age=3600"));
        assertThat(second.remove()).containsExactly("server");
        assertThat(second.statusClasses()).containsExactly(4);
        assertThat(c.defaultSite().headers()).isEqualTo(c.headers());
    }

    @Test
    void badHeaderRules() throws IOException {
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a/**\", set { Content-Length = 5 } }]\n").message())
                .startsWith("Content-Length is written by the server");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a/**\", set { X-A = \"a\\r\\nX-B: b\" } }]\n").message())
                .contains("no line breaks");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a/**\", set { \"X A\" = b } }]\n").message())
                .startsWith("not a field name");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"assets/**\", set { X-A = b } }]\n").key())
                .isEqualTo("uring-httpd.headers.0.match");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a/**\", remove = [Content-Type] }]\n").message())
                .startsWith("can remove Server, ETag, Last-Modified, Accept-Ranges");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a/**\", status = [\"200\"] }]\n").message())
                .startsWith("expected status classes");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a/**\", expires = 1 year }]\n").message())
                .startsWith("expected a time like 0, 3600");
        assertThat(onlyError("uring-httpd.headers = [{ set { X-A = b } }]\n").message()).contains("needs match");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a\", expires = 1h, set { cache-control = x } }]\n")
                .message()).startsWith("expires and set { Cache-Control }");
        assertThat(onlyError("uring-httpd.headers = [{ match = \"/a\", sett { X-A = b } }]\n").key())
                .isEqualTo("uring-httpd.headers.0.sett");
    }

    @Test
    void redirectsAndErrorPages() throws Exception {
        ServerConfig c = load("uring-httpd { redirects = [{ from = \"/old/**\", to = \"/new/$1\", status = 308 },"
                + " { from = /a, to = \"https://example.org/b\" }], error-pages { 404 = /404.html, 503 = /busy.html } }\n");
        assertThat(c.redirects()).containsExactly(new ServerConfig.Redirect("/old/**", "/new/$1", 308),
                new ServerConfig.Redirect("/a", "https://example.org/b", 301));
        assertThat(c.errorPages()).containsOnly(Map.entry(404, "/404.html"), Map.entry(503, "/busy.html"));
    }

    @Test
    void badRedirectsAndErrorPages() throws IOException {
        for (String to : List.of("//evil.example/$1", "$1", "javascript:alert(1)", "/a b", "/x\\r\\nSet-Cookie: a")) {
            assertThat(onlyError("uring-httpd.redirects = [{ from = \"/old/**\", to = \"" + to + "\" }]\n").key())
                    .as(to).isEqualTo("uring-httpd.redirects.0.to");
        }
        assertThat(onlyError("uring-httpd.redirects = [{ from = /a, to = \"/b/$1\" }]\n").message())
                .startsWith("$1 needs a from that ends in /**");
        for (String from : List.of("a", "/a/*", "/a/**/b", "//a/**", "/a/../b")) {
            assertThat(onlyError("uring-httpd.redirects = [{ from = \"" + from + "\", to = /b }]\n").key())
                    .as(from).isEqualTo("uring-httpd.redirects.0.from");
        }
        assertThat(onlyError("uring-httpd.redirects = [{ from = /a, to = /b, status = 304 }]\n").key())
                .isEqualTo("uring-httpd.redirects.0.status");
        assertThat(onlyError("uring-httpd.redirects = [{ from = /a }]\n").key()).isEqualTo("uring-httpd.redirects.0");
        assertThat(onlyError("uring-httpd.error-pages { 200 = /a.html }\n").message()).startsWith("expected a 4xx or 5xx");
        assertThat(onlyError("uring-httpd.error-pages { 404 = \"../404.html\" }\n").message()).startsWith("expected a path of the site");
    }

    @Test
    void ioUringIsAcceptedByTheParser() throws Exception {
        assertThat(load("uring-httpd.engine = io_uring").engine()).isEqualTo(Engine.IO_URING);
    }

    @Test
    void portOutOfRange() throws IOException {
        ConfigError e = onlyError("uring-httpd {\n  listen = [\"127.0.0.1:8080\",\n    \"127.0.0.1:65536\"]\n}\n");
        assertThat(e.origin()).isEqualTo(at(3));
        assertThat(e.key()).isEqualTo("uring-httpd.listen");
        assertThat(e.message()).contains("port 65536 is out of range 0..65535");
    }

    @Test
    void badHostPort() throws IOException {
        List<ConfigError> errors = errors("""
                uring-httpd.listen = [
                  "8080"
                  "127.0.0.1"
                  "::1:8080"
                  "127.0.0.1:http"
                  "1.2.3:80"
                  "[::zz]:80"
                  "bad_host:80"
                  "nonexistent.invalid:80"
                  "127.0.0.1:8080"
                  "127.0.0.1:8080"
                ]
                uring-httpd.metrics.listen = "localhost"
                """);
        assertThat(errors).extracting(ConfigError::origin)
                .containsExactly(at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), at(11), at(13));
        assertThat(errors).extracting(ConfigError::message).containsExactly(
                "expected host:port such as 127.0.0.1:8080 or [::1]:8080, got \"8080\"",
                "expected host:port such as 127.0.0.1:8080 or [::1]:8080, got \"127.0.0.1\"",
                "an IPv6 address needs brackets: [::1]:8080",
                "expected host:port such as 127.0.0.1:8080 or [::1]:8080, got \"127.0.0.1:http\"",
                "not an IPv4 address: 1.2.3",
                "not an IPv6 address: [::zz]",
                "not a host name: \"bad_host:80\"",
                "host nonexistent.invalid does not resolve",
                "127.0.0.1:8080 is listed twice",
                "expected host:port such as 127.0.0.1:8080 or [::1]:8080, got \"localhost\"");
    }

    @Test
    void emptyListenList() throws IOException {
        ConfigError e = onlyError("uring-httpd.listen = []\n");
        assertThat(e.message()).isEqualTo("needs at least one address");
    }

    @Test
    void metricsNeedsItsOwnAddress() throws IOException {
        ConfigError e = onlyError("uring-httpd.listen = \"127.0.0.1:9145\"\n");
        assertThat(e.key()).isEqualTo("uring-httpd.metrics.listen");
        assertThat(e.origin()).startsWith("reference.conf:");
    }

    @Test
    void metricsAddressIsFreeWhenMetricsAreOff() throws Exception {
        ServerConfig c = load("uring-httpd { listen = \"127.0.0.1:9145\", metrics.enabled = off }");
        assertThat(c.metrics().enabled()).isFalse();
    }

    @Test
    void negativeAndBadSizes() throws IOException {
        List<ConfigError> errors = errors("""
                uring-httpd {
                  small-file-bytes = -1
                  limits.request-line-bytes = "-8k"
                  limits.header-section-bytes = "lots"
                  access-log.buffer-bytes = 1.5
                  limits.connections-per-loop = -3
                  limits.ranges-per-request = 0
                  open-file-cache.entries = 2000000
                }
                """);
        assertThat(errors).extracting(ConfigError::format).containsExactly(
                at(2) + ": uring-httpd.small-file-bytes: must not be negative, got -1",
                at(3) + ": uring-httpd.limits.request-line-bytes: must not be negative, got \"-8k\"",
                at(4) + ": uring-httpd.limits.header-section-bytes: expected a size such as 8192, 8k or 16KiB, got \"lots\"",
                at(5) + ": uring-httpd.access-log.buffer-bytes: expected a whole number of bytes or a size such as 8k, got 1.5",
                at(6) + ": uring-httpd.limits.connections-per-loop: -3 is out of range 1..1000000",
                at(7) + ": uring-httpd.limits.ranges-per-request: 0 is out of range 1..1000",
                at(8) + ": uring-httpd.open-file-cache.entries: 2000000 is out of range 1..1000000");
    }

    @Test
    void sizesInHoconUnits() throws Exception {
        ServerConfig c = load("""
                uring-httpd.limits { request-line-bytes = 8k, header-section-bytes = "16KiB" }
                uring-httpd.small-file-bytes = 4096
                """);
        assertThat(c.limits().requestLineBytesMax()).isEqualTo(8192);
        assertThat(c.limits().headerSectionBytesMax()).isEqualTo(16384);
        assertThat(c.smallFileBytesMax()).isEqualTo(4096);
        assertThat(onlyError("uring-httpd.limits.request-line-bytes = 2m").message())
                .isEqualTo("\"2m\" is out of range 64..1m");
    }

    @Test
    void badDurations() throws IOException {
        List<ConfigError> errors = errors("""
                uring-httpd.timeouts {
                  header-read = 0s
                  keepalive-idle = soon
                  send = -5s
                }
                """);
        assertThat(errors).extracting(ConfigError::format).containsExactly(
                at(2) + ": uring-httpd.timeouts.header-read: \"0s\" is out of range 1ms..24d",
                at(3) + ": uring-httpd.timeouts.keepalive-idle: expected a duration such as 500ms, 60s or 2m, got \"soon\"",
                at(4) + ": uring-httpd.timeouts.send: must not be negative, got \"-5s\"");
    }

    @Test
    void workers() throws Exception {
        assertThat(load("uring-httpd.workers = 3").workers()).isEqualTo(3);
        assertThat(load("uring-httpd.workers = \"1024\"").workers()).isEqualTo(1024);
        for (String bad : List.of("0", "1025", "many", "-1", "2.5")) {
            ConfigError e = onlyError("uring-httpd.workers = " + bad);
            assertThat(e.key()).isEqualTo("uring-httpd.workers");
            assertThat(e.origin()).isEqualTo(at(1));
            assertThat(e.message()).startsWith("expected auto or a number 1..1024, got ");
        }
    }

    @Test
    void unknownKeysAreReportedWithTheirLine() throws IOException {
        List<ConfigError> errors = errors("""
                uring-httpd {
                  listn = ["127.0.0.1:8080"]
                  timeouts {
                    header-reed = 5s
                  }
                  totally-new = 1
                }
                uring_httpd { master = off }
                """);
        assertThat(errors).extracting(ConfigError::format).containsExactly(
                at(2) + ": uring-httpd.listn: unknown key (did you mean uring-httpd.listen?)",
                at(4) + ": uring-httpd.timeouts.header-reed: unknown key (did you mean uring-httpd.timeouts.header-read?)",
                at(6) + ": uring-httpd.totally-new: unknown key (the known keys are listed in reference.conf)",
                at(8) + ": uring_httpd: unknown key (only uring-httpd { ... } is read)");
    }

    @Test
    void allErrorsAreCollectedInFileOrder() throws IOException {
        List<ConfigError> errors = errors("""
                uring-httpd {
                  workers = none
                  engine = fast
                  master = maybe
                  dotfiles = hide
                }
                """, "uring-httpd.autoindex=sometimes");
        assertThat(errors).extracting(ConfigError::origin).containsExactly(at(2), at(3), at(4), at(5), "--set");
        assertThat(errors).extracting(ConfigError::key).containsExactly("uring-httpd.workers", "uring-httpd.engine",
                "uring-httpd.master", "uring-httpd.dotfiles", "uring-httpd.autoindex");
    }

    @Test
    void rootMissingReportsTheDefaultsOrigin() throws IOException {
        Files.delete(www);
        ConfigError e = onlyError("uring-httpd.master = on\n");
        assertThat(e.key()).isEqualTo("uring-httpd.root");
        assertThat(e.origin()).isEqualTo("reference.conf:" + referenceLine("  root = "));
        assertThat(e.message()).isEqualTo(www + " does not exist");
    }

    @Test
    void rootMustBeADirectory() throws IOException {
        Files.writeString(dir.resolve("file"), "x");
        ConfigError e = onlyError("\nuring-httpd.root = file\n");
        assertThat(e).isEqualTo(new ConfigError(at(2), "uring-httpd.root", dir.resolve("file") + " is not a directory"));
    }

    @Test
    void mimeTypesFileMustExist() throws IOException {
        ConfigError e = onlyError("uring-httpd.mime-types-file = \"mime.types\"\n");
        assertThat(e).isEqualTo(new ConfigError(at(1), "uring-httpd.mime-types-file",
                dir.resolve("mime.types") + " does not exist"));
    }

    @Test
    void otherValueErrors() throws IOException {
        List<ConfigError> errors = errors("""
                uring-httpd {
                  index = ["ok.html", "a/b.html", ".."]
                  metrics.path = "metrics"
                  pid-file = ""
                  loops-per-worker = 0
                  root = null
                  autoindex = [on]
                }
                """);
        assertThat(errors).extracting(ConfigError::format).containsExactly(
                at(2) + ": uring-httpd.index: expected a plain file name (no '/'), got \"a/b.html\"",
                at(2) + ": uring-httpd.index: expected a plain file name (no '/'), got \"..\"",
                at(3) + ": uring-httpd.metrics.path: expected a URL path starting with / (no spaces, ? or #), got \"metrics\"",
                at(4) + ": uring-httpd.pid-file: must not be empty",
                at(5) + ": uring-httpd.loops-per-worker: 0 is out of range 1..1024",
                at(6) + ": uring-httpd.root: must not be null",
                at(7) + ": uring-httpd.autoindex: expected on or off, got [\"on\"]");
    }

    @Test
    void substitutionsAndIncludes() throws Exception {
        Files.writeString(dir.resolve("part.conf"), "uring-httpd.workers = 2\n");
        ServerConfig c = load("""
                include "part.conf"
                uring-httpd.loops-per-worker = ${uring-httpd.workers}
                uring-httpd.listen = "127.0.0.1:"${uring-httpd.loops-per-worker}000
                """);
        assertThat(c.workers()).isEqualTo(2);
        assertThat(c.loopsPerWorker()).isEqualTo(2);
        assertThat(c.listen()).containsExactly(new ListenAddress("127.0.0.1", 2000));
        ConfigError e = onlyError("uring-httpd.root = ${NO_SUCH_VARIABLE_HOPEFULLY}\n");
        assertThat(e.origin()).isEqualTo(at(1));
        assertThat(e.message()).contains("NO_SUCH_VARIABLE_HOPEFULLY");
    }

    // ---- --set ----

    @Test
    void setOverridesWithHoconValues() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        ServerConfig c = load("uring-httpd { master = on, workers = 2 }\n",
                "uring-httpd.listen=[\"0.0.0.0:8080\", \"127.0.0.1:8081\"]",   // a list
                "uring-httpd.master=off",                                     // a boolean word
                "uring-httpd.autoindex=true",
                "uring-httpd.root=\"" + other + "\"",                         // a quoted string
                "uring-httpd.timeouts.send=5s",                               // a duration
                "uring-httpd.workers=3",
                "uring-httpd.workers=4");                                     // the later one wins
        assertThat(c.listen()).containsExactly(new ListenAddress("0.0.0.0", 8080), new ListenAddress("127.0.0.1", 8081));
        assertThat(c.master()).isFalse();
        assertThat(c.autoindex()).isTrue();
        assertThat(c.root()).isEqualTo(other.toRealPath());
        assertThat(c.timeouts().sendMs()).isEqualTo(5000);
        assertThat(c.workers()).isEqualTo(4);
        assertThat(c.sets()).hasSize(7);
    }

    @Test
    void setAcceptsBareStringsAndSingleStringsForLists() throws Exception {
        Path other = Files.createDirectories(dir.resolve("srv/www#1"));
        ServerConfig c = load("",
                "uring-httpd.root=" + other,                       // unquoted path, even with '#'
                "uring-httpd.listen=0.0.0.0:8080",                 // HOCON refuses ':' unquoted: taken as text
                "uring-httpd.index=home.html",                     // one string where a list is expected
                "uring-httpd.mime-types-file=",                    // empty value
                "uring-httpd.access-log.path=/tmp//x.log");        // "//" would start a HOCON comment
        assertThat(c.root()).isEqualTo(other.toRealPath());
        assertThat(c.listen()).containsExactly(new ListenAddress("0.0.0.0", 8080));
        assertThat(c.indexNames()).containsExactly("home.html");
        assertThat(c.mimeTypesFile()).isEmpty();
        assertThat(c.accessLog().path()).isEqualTo(Path.of("/tmp/x.log"));
    }

    @Test
    void singleStringForListInTheFile() throws Exception {
        ServerConfig c = load("uring-httpd { listen = \"127.0.0.1:9000\", index = \"start.html\" }");
        assertThat(c.listen()).containsExactly(new ListenAddress("127.0.0.1", 9000));
        assertThat(c.indexNames()).containsExactly("start.html");
    }

    @Test
    void setErrorsNameTheSetOrigin() throws IOException {
        List<ConfigError> errors = errors("uring-httpd.master = on\n",
                "uring-httpd.maser=off", "uring-httpd.engine=kqueue", "listen=127.0.0.1:1");
        assertThat(errors).extracting(ConfigError::format).containsExactlyInAnyOrder(
                "--set: uring-httpd.maser: unknown key (did you mean uring-httpd.master?)",
                "--set: uring-httpd.engine: expected one of auto, epoll, io_uring, got \"kqueue\"",
                "--set: listen: unknown key (did you mean uring-httpd.listen?)");
    }

    @Test
    void malformedSet() throws IOException {
        assertThat(onlyError("", "no-equals-sign")).isEqualTo(
                new ConfigError("--set", "", "expected KEY=VALUE, got 'no-equals-sign'"));
        assertThat(onlyError("", "a..b=1").message()).isEqualTo("not a valid key");
    }

    private static int referenceLine(String prefix) throws IOException {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream("reference.conf")) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(prefix)) {
                    return i + 1;
                }
            }
        }
        throw new AssertionError(prefix + " not in reference.conf");
    }
}
