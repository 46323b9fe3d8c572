package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code -s}: what it refuses, and why. The signals themselves are exercised by MasterIT. */
class ControlCommandTest {
    @TempDir
    Path dir;

    private ServerConfig config() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("u.conf");
        Files.writeString(conf, "uring-httpd { root = www, pid-file = run/u.pid }\n");
        return ConfigLoader.load(conf, List.of());
    }

    @Test
    void noPidFile() throws Exception {
        ServerConfig c = config();
        assertThat(ControlCommand.send(c, ControlCommand.Action.RELOAD))
                .isEqualTo("no uring-httpd is running: pid-file " + c.pidFile() + " does not exist");
    }

    @Test
    void aStalePidFile() throws Exception {
        ServerConfig c = config();
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Files.createDirectories(c.pidFile().getParent());
        Files.writeString(c.pidFile(), gone.pid() + "\n");
        assertThat(ControlCommand.send(c, ControlCommand.Action.STOP)).contains("is not running (stale pid-file)");
    }

    @Test
    void aPidThatIsNotUringHttpdGetsNoSignal() throws Exception {
        ServerConfig c = config();
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            Files.createDirectories(c.pidFile().getParent());
            Files.writeString(c.pidFile(), sleep.pid() + "\n");
            assertThat(ControlCommand.send(c, ControlCommand.Action.QUIT)).contains("is not uring-httpd (sleep 30");
            assertThat(sleep.isAlive()).isTrue();
        } finally {
            sleep.destroyForcibly();
        }
    }

    @Test
    void garbageInThePidFile() throws Exception {
        ServerConfig c = config();
        Files.createDirectories(c.pidFile().getParent());
        Files.writeString(c.pidFile(), "hello\n");
        assertThat(ControlCommand.send(c, ControlCommand.Action.REOPEN)).startsWith("cannot read pid-file: ")
                .contains("holds no pid: \"hello\"");
    }
}
