package io.uringhttpd.testing;

import io.uringhttpd.Server;
import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real server, started in the test JVM on an ephemeral port of 127.0.0.1.
 */
public final class TestServer implements AutoCloseable {
    private final Server server;
    private final Path configDir;

    private TestServer(Server server, Path configDir) {
        this.server = server;
        this.configDir = configDir;
    }

    /**
     * @param engine "epoll" (later also "io_uring")
     * @param root   the document root
     * @param sets   extra `--set` overrides, e.g. "uring-httpd.autoindex=on"
     */
    public static TestServer start(String engine, Path root, String... sets) throws Exception {
        Path dir = Files.createTempDirectory("uring-httpd-test");
        Path conf = dir.resolve("test.conf");
        Files.writeString(conf, """
                uring-httpd {
                  listen = ["127.0.0.1:0"]
                  root = "%s"
                  engine = %s
                  master = off
                  pid-file = "%s"
                  access-log.enabled = false
                  metrics.enabled = false
                }
                """.formatted(root.toAbsolutePath(), engine, dir.resolve("test.pid")));
        List<String> overrides = new ArrayList<>(List.of(sets));
        try {
            ServerConfig config = ConfigLoader.load(conf, overrides);
            return new TestServer(Server.start(config), dir);
        } catch (Exception e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public Server server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        deleteQuietly(configDir);
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
