package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line of the real jar: exit codes (0 ok, 1 configuration or startup error, 2 bad
 * command line), and that every error is one readable line on stderr, never a stack trace.
 */
class CliIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String ERROR = "uring-httpd: error: ";

    @TempDir
    Path dir;

    private Child.Result jar(String name, String... args) throws Exception {
        return Child.runJar(dir, name, TIMEOUT, args);
    }

    /** The shipped config, with everything that would write outside the temp folder redirected. */
    private String[] shipped(String... more) {
        String[] base = {"--config", Child.shippedConfig().toString(),
                "--set", "uring-httpd.pid-file=\"" + dir.resolve("u.pid") + "\"",
                "--set", "uring-httpd.access-log.path=\"" + dir.resolve("access.log") + "\"",
                "--set", "uring-httpd.metrics.enabled=false"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private static void assertNoStackTrace(Child.Result r) {
        assertThat(r.stderr()).as("no stack trace; %s", r).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.stdout()).as("no stack trace; %s", r).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void versionPrintsNameAndProjectVersion() throws Exception {
        Child.Result r = jar("version", "--version");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout().strip()).isEqualTo("uring-httpd " + Child.jarVersion());
        assertThat(Child.jarVersion()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void helpListsTheOptions() throws Exception {
        Child.Result r = jar("help", "--help");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout()).contains("--config", "--set", "-t", "--test", "--version", "--help");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void testOnTheShippedConfigIsOk() throws Exception {
        // No overrides: the file exactly as a user runs it.
        Child.Result r = jar("test-shipped", "--config", Child.shippedConfig().toString(), "-t");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout().strip()).isEqualTo("configuration ok");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void testOnABrokenConfigListsEachErrorWithFileLineAndKey() throws Exception {
        Files.createDirectory(dir.resolve("www"));
        Path conf = Files.writeString(dir.resolve("broken.conf"), """
                uring-httpd {
                  root = www
                  timeouts {
                    send = banana
                  }
                  limts { header-count = 5 }
                }
                """);
        Child.Result r = jar("test-broken", "--config", conf.toString(), "-t");
        assertThat(r.exit()).as("%s", r).isEqualTo(1);
        assertThat(r.stdout()).doesNotContain("configuration ok");
        assertThat(r.errLines()).as("%s", r).hasSize(2);
        assertThat(r.errLines().get(0)).startsWith(ERROR + conf + ":4: uring-httpd.timeouts.send: ").contains("banana");
        assertThat(r.errLines().get(1)).startsWith(ERROR + conf + ":6: uring-httpd.limts: ").contains("unknown");
        assertNoStackTrace(r);
    }

    @Test
    void unknownOptionIsOneLineAndExit2() throws Exception {
        Child.Result r = jar("unknown-option", "--no-such-option");
        assertThat(r.exit()).as("%s", r).isEqualTo(2);
        assertThat(r.errLines()).as("%s", r).singleElement().asString()
                .startsWith(ERROR).contains("--no-such-option");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void portInUseNamesTheAddressAndEaddrinuse() throws Exception {
        // A plain Java ServerSocket does not set SO_REUSEPORT, so the server's SO_REUSEPORT bind
        // fails with EADDRINUSE (socket(7): every socket on the port must set it).
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
            String address = "127.0.0.1:" + taken.getLocalPort();
            Child.Result r = jar("port-in-use", shipped("--set", "uring-httpd.listen=[\"" + address + "\"]"));
            assertThat(r.exit()).as("%s", r).isNotZero();
            assertThat(r.errLines()).as("%s", r).singleElement().asString().contains(address).contains("EADDRINUSE");
            assertNoStackTrace(r);
            assertThat(dir.resolve("u.pid")).doesNotExist();
        }
    }
}
