package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When a process executes itself again with the JVM options of its role, and with what command line. */
class JavaOptionsTest {
    @TempDir
    Path dir;

    @Test
    void onlyAJvmWithoutOptionsIsStartedBare() {
        assertThat(JavaOptions.startedBare(List.of())).isTrue();
        assertThat(JavaOptions.startedBare(List.of("-Dlogback.configurationFile=/etc/l.xml",
                "--enable-native-access=ALL-UNNAMED"))).isTrue();
        assertThat(JavaOptions.startedBare(List.of("-Xmx64m"))).isFalse();
        assertThat(JavaOptions.startedBare(List.of("-Dx=1", "-XX:+UseSerialGC"))).isFalse();
        assertThat(JavaOptions.startedBare(List.of("-agentlib:jdwp=transport=dt_socket"))).isFalse();
        assertThat(JavaOptions.startedBare(List.of("-XX:AOTCache=/opt/u.aot"))).isFalse();
    }

    @Test
    void theNewCommandLineIsTheOptionsThePropertiesAndTheSameArguments() throws Exception {
        Path conf = Files.writeString(dir.resolve("u.conf"),
                "uring-httpd { root = \"" + dir + "\", master-java-options = [\"-Xmx20m\", \"-XX:+UseSerialGC\"] }\n");
        ServerConfig config = ConfigLoader.load(conf, List.of());
        List<String> argv = JavaOptions.argv(config, List.of(), List.of("-Dlogback.configurationFile=/l.xml", "--enable-native-access=ALL-UNNAMED"),
                "/opt/u.jar", new String[] {"--config", conf.toString(), "--set", "uring-httpd.workers=2"});
        assertThat(argv.getFirst()).endsWith("/java");
        ServerConfig single = ConfigLoader.load(conf, List.of("uring-httpd.master=off"));
        assertThat(JavaOptions.optionsOfRole(single)).as("a single process serves: a worker's options")
                .isEqualTo(single.processes().workerJavaOptions());
        assertThat(JavaOptions.optionsOfRole(config)).isEqualTo(List.of("-Xmx20m", "-XX:+UseSerialGC"));
        assertThat(argv.subList(1, argv.size())).containsExactly("-Xmx20m", "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=/l.xml", "-D" + JavaOptions.APPLIED_PROPERTY + "=true",
                "--enable-native-access=ALL-UNNAMED", "-cp", "/opt/u.jar", "io.uringhttpd.Main",
                "--config", conf.toString(), "--set", "uring-httpd.workers=2");
    }
}
