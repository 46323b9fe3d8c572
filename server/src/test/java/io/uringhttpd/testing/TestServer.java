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
 * Written by the lead; the final version may differ in details, not in this API.
 */
public final class TestServer implements AutoCloseable {
    private final Server server;

    private TestServer(Server server) {
        this.server = server;
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
        ServerConfig config = ConfigLoader.load(conf, overrides);
        return new TestServer(Server.start(config));
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
    }
}
