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
        return start(engine, root, null, sets);
    }

    /**
     * Worker mode ({@link Server#start(ServerConfig, int[][], ServerConfig.Engine)}): the loops serve
     * the given listen fds ([loop][address]; one address here), as a worker does with the sockets
     * its master handed over, with the engine {@link ServerConfig#engineOfWorker} gives worker 0.
     */
    public static TestServer startWorker(String engine, Path root, int[][] listenFds, String... sets) throws Exception {
        return start(engine, root, listenFds, sets);
    }

    private static TestServer start(String engine, Path root, int[][] listenFds, String... sets) throws Exception {
        Path dir = Files.createTempDirectory("uring-httpd-test");
        try {
            ServerConfig config = config(engine, root, dir, sets);
            return new TestServer(listenFds == null ? Server.start(config)
                    : Server.start(config, listenFds, config.engineOfWorker(0)), dir);
        } catch (Exception e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    /**
     * The tests' configuration, written to {@code dir/test.conf}: one ephemeral port of 127.0.0.1,
     * master = off, no access log, no metrics endpoint, plus {@code sets}.
     */
    public static ServerConfig config(String engine, Path root, Path dir, String... sets) throws Exception {
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
        return ConfigLoader.load(conf, new ArrayList<>(List.of(sets)));
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
