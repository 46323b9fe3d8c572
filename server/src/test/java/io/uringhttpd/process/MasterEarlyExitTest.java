package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master in this JVM, stopped by an error before it starts any worker: whatever it opened
 * before (listen sockets, the metrics memfd, the endpoint's socket) must be closed again.
 */
class MasterEarlyExitTest {
    @TempDir
    Path dir;

    @Test
    void anUnwritablePidFileLeavesNoFdBehind() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        // The pid-file's parent is a regular file: createDirectories fails with an IOException.
        Files.writeString(dir.resolve("blocker"), "x");
        Path conf = dir.resolve("u.conf");
        Files.writeString(conf, """
                uring-httpd {
                  root = www
                  listen = ["127.0.0.1:0"]
                  workers = 2
                  pid-file = "blocker/master.pid"
                  access-log.enabled = false
                  metrics { enabled = true, listen = "127.0.0.1:0" }
                }
                """);
        ServerConfig config = ConfigLoader.load(conf, List.of());
        // A first run opens what the JVM then keeps for itself (class loading, a lazily made socket
        // pair); the second run shows what the master itself leaves.
        assertThat(Master.run(config)).isEqualTo(1);
        List<String> before = openFds();

        assertThat(Master.run(config)).isEqualTo(1);

        List<String> after = openFds();
        assertThat(after).as("fds left open by the master (memfd, sockets)").isEqualTo(before);
        assertThat(after).noneMatch(link -> link.contains("memfd:"));
    }

    /** What each fd of this process that is no path links to ("socket:[123]", "/memfd:... (deleted)"), sorted. */
    private static List<String> openFds() throws IOException {
        List<String> links = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    // Jars and files the class loader opens meanwhile are not the master's.
                    if (!link.startsWith("/") || link.contains("memfd:")) {
                        links.add(link);
                    }
                } catch (IOException closedMeanwhile) {
                    // the fd of the listing itself, gone by now
                }
            }
        }
        links.sort(null);
        return links;
    }
}
