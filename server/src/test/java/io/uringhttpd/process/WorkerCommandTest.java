package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line a master gives its workers. */
class WorkerCommandTest {
    @TempDir
    Path dir;

    @Test
    void sameJavaAndClassPathWorkerOptionsAndTheInheritedFds() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("u.conf");
        Files.writeString(conf, "uring-httpd { root = www, worker-java-options = [\"-Xmx64m\"] }\n");
        ServerConfig c = ConfigLoader.load(conf, List.of("uring-httpd.workers=3"));
        List<String> argv = WorkerCommand.argv(c, 2, 2);
        assertThat(argv.getFirst()).isEqualTo(ProcessHandle.current().info().command().orElseThrow());
        assertThat(argv).containsSubsequence("-Xmx64m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.uringhttpd.Main",
                "--config", conf.toAbsolutePath().toString(), "--set", "uring-httpd.workers=3",
                "--worker", "2", "--worker-fds", "3,4", "--control-fd", "5");
        assertThat(argv).contains("-Duringhttpd.log.process=worker-2 ");
        // The master's own heap and collector flags stay with the master (this test JVM's
        // -XX:+EnableDynamicAgentLoading, from surefire's argLine, is one).
        assertThat(argv).noneMatch(a -> a.startsWith("-XX:+EnableDynamicAgentLoading"));
    }

    @Test
    void mallocArenasAreCappedUnlessTheEnvironmentSaysOtherwise() {
        List<String> env = WorkerCommand.environment();
        if (System.getenv("MALLOC_ARENA_MAX") == null) {
            assertThat(env).contains("MALLOC_ARENA_MAX=2");
        } else {
            assertThat(env).contains("MALLOC_ARENA_MAX=" + System.getenv("MALLOC_ARENA_MAX"));
        }
        assertThat(env).contains("PATH=" + System.getenv("PATH"));
    }
}
