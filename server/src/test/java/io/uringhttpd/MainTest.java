package io.uringhttpd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;
    Path conf;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void config() throws IOException {
        Files.createDirectory(dir.resolve("www"));
        conf = Files.writeString(dir.resolve("u.conf"), "uring-httpd {\n  listen = \"127.0.0.1:0\"\n}\n");
    }

    private int run(String... args) {
        return Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void testOk() {
        assertThat(run("--config", conf.toString(), "-t")).isZero();
        assertThat(out()).isEqualTo("configuration ok" + System.lineSeparator());
        assertThat(err()).isEmpty();
    }

    @Test
    void testWithSetsOk() {
        assertThat(run("--config", conf.toString(), "--test", "--set", "uring-httpd.listen=[\"0.0.0.0:8080\"]",
                "--set", "uring-httpd.master=off")).isZero();
        assertThat(out()).contains("configuration ok");
    }

    @Test
    void testBrokenListsEachErrorWithFileLineAndKey() throws IOException {
        Files.writeString(conf, "uring-httpd {\n  master = 5\n  engine = kqueue\n}\n");
        assertThat(run("--config", conf.toString(), "-t", "--set", "uring-httpd.workers=0")).isEqualTo(1);
        assertThat(out()).isEmpty();
        assertThat(err().lines()).containsExactly(
                "uring-httpd: error: " + conf + ":2: uring-httpd.master: expected on or off, got 5",
                "uring-httpd: error: " + conf + ":3: uring-httpd.engine: expected one of auto, epoll, io_uring, got \"kqueue\"",
                "uring-httpd: error: --set: uring-httpd.workers: expected auto or a number 1..1024, got 0");
    }

    @Test
    void missingConfigFile() {
        Path missing = dir.resolve("missing.conf");
        assertThat(run("--config", missing.toString(), "-t")).isEqualTo(1);
        assertThat(err().lines()).singleElement().asString()
                .startsWith("uring-httpd: error: " + missing + ": config file not found");
    }

    @Test
    void brokenConfigWithoutTestAlsoFails() throws IOException {
        Files.writeString(conf, "uring-httpd.listen = [");
        assertThat(run("--config", conf.toString())).isEqualTo(1);
        assertThat(err()).startsWith("uring-httpd: error: " + conf + ":1: ");
    }

    @Test
    void unknownOption() {
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(out()).isEmpty();
        assertThat(err()).isEqualTo("uring-httpd: error: Unknown option: '--bogus' (try --help)" + System.lineSeparator());
    }

    @Test
    void badValues() {
        assertThat(run("--set", "no-equals")).isEqualTo(2);
        assertThat(err().lines()).singleElement().asString()
                .isEqualTo("uring-httpd: error: Invalid value for option '--set' (KEY=VALUE): expected KEY=VALUE, got 'no-equals' (try --help)");
        err.reset();
        assertThat(run("--config")).isEqualTo(2);
        assertThat(err().lines()).singleElement().asString().startsWith("uring-httpd: error: ").endsWith(" (try --help)");
        err.reset();
        assertThat(run("extra-argument")).isEqualTo(2);
        assertThat(err().lines()).singleElement().asString().startsWith("uring-httpd: error: ").endsWith(" (try --help)");
    }

    @Test
    void version() {
        assertThat(run("--version")).isZero();
        assertThat(out()).isEqualTo("uring-httpd " + Version.get() + System.lineSeparator());
        assertThat(Version.get()).matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void help() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("Usage: uring-httpd", "--config=FILE", "--set=KEY=VALUE", "-t, --test", "--version",
                "config/uring-httpd.conf");
        assertThat(err()).isEmpty();
    }
}
