package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.config.ServerConfig.ListenAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master's sockets, real ones: what a reload keeps, opens and closes. */
class ListenSocketSetTest {
    @TempDir
    Path dir;

    private ServerConfig config(String listen, int workers, int loops) throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("u.conf");
        Files.writeString(conf, "uring-httpd { root = www, listen = " + listen + ", workers = " + workers
                + ", loops-per-worker = " + loops + " }\n");
        return ConfigLoader.load(conf, List.of());
    }

    private static long openFds() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void portZeroGivesEverySocketOfAnAddressTheSamePort() throws Exception {
        ServerConfig c = config("[\"127.0.0.1:0\"]", 2, 2);
        try (ListenSocketSet sockets = new ListenSocketSet(128)) {
            sockets.ensure(c);
            assertThat(sockets.openCount()).isEqualTo(4);
            int port = sockets.bound(c).getFirst().port();
            assertThat(port).isPositive();
            int[][] w0 = sockets.forWorker(c, 0);
            int[][] w1 = sockets.forWorker(c, 1);
            assertThat(w0).hasDimensions(2, 1);
            assertThat(List.of(w0[0][0], w0[1][0], w1[0][0], w1[1][0])).doesNotHaveDuplicates();
            // Anyone may connect: the kernel queues on one of the four.
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            }
        }
    }

    @Test
    void aReloadKeepsWhatItCanAndReleasesWhatNoConfigNeeds() throws Exception {
        long before = openFds();
        ServerConfig two = config("[\"127.0.0.1:0\"]", 2, 1);
        try (ListenSocketSet sockets = new ListenSocketSet(128)) {
            sockets.ensure(two);
            int[][] w1 = sockets.forWorker(two, 1);
            ServerConfig three = new ServerConfig(two.configFile(), two.sets(), two.listen(), two.root(), two.engine(), 3,
                    false, true, 1, two.pidFile(), two.accessLog(), two.metrics(), two.indexNames(), two.autoindex(),
                    two.timeouts(), two.limits(), two.mimeTypesFile(), two.openFileCache(), two.compression(), two.smallFileBytesMax(),
                    two.dotfiles(), two.symlinks(), two.serverTokens(), two.ioUring(), two.processes(), two.headers(), two.redirects(), two.errorPages(), two.sites());
            sockets.ensure(three);
            assertThat(sockets.openCount()).isEqualTo(3);
            assertThat(sockets.forWorker(three, 1)[0][0]).as("worker 1 keeps its socket").isEqualTo(w1[0][0]);
            sockets.retainOnly(List.of(two));
            assertThat(sockets.openCount()).isEqualTo(2);
            assertThat(openFds()).isEqualTo(before + 2);
        }
        assertThat(openFds()).isEqualTo(before);
    }

    @Test
    void aBusyAddressFailsAndLeavesNothingOpen() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long before = openFds();
            ServerConfig c = config("[\"127.0.0.1:0\", \"127.0.0.1:" + busy.getLocalPort() + "\"]", 2, 1);
            try (ListenSocketSet sockets = new ListenSocketSet(128)) {
                assertThatThrownBy(() -> sockets.ensure(c)).isInstanceOf(IOException.class)
                        .hasMessageContaining(Integer.toString(busy.getLocalPort()));
                assertThat(sockets.openCount()).isZero();
                assertThat(sockets.bound(c).getFirst()).isEqualTo(new ListenAddress("127.0.0.1", 0));
            }
            assertThat(openFds()).isEqualTo(before);
        }
    }
}
