package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.sys.Signals;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/seccomp-io_uring.json allows what uring-httpd really calls: the real jar, a master and
 * an epoll and an io_uring worker, run under {@code strace -f} through a life of requests,
 * scrapes, a log reopen, a reload and a graceful stop; every syscall strace saw must be one the
 * profile allows (clone3 is refused with ENOSYS on purpose: glibc falls back to clone).
 * No Docker engine runs here, so this is how the profile is checked.
 */
class SeccompProfileIT {
    private static final Path STRACE = Path.of("/usr/bin/strace");
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The syscall names the profile lets through (unconditionally or for some arguments), and clone3. */
    @SuppressWarnings("unchecked")
    private static Set<String> allowed() throws Exception {
        // JSON is YAML: one parser for both kinds of file in these tests.
        var profile = (java.util.Map<String, Object>) new Yaml().load(Files.readString(Child.repoDir().resolve("docker/seccomp-io_uring.json")));
        assertThat(profile.get("defaultAction")).isEqualTo("SCMP_ACT_ERRNO");
        Set<String> names = new TreeSet<>();
        for (var rule : (List<java.util.Map<String, Object>>) profile.get("syscalls")) {
            names.addAll((List<String>) rule.get("names"));
        }
        return names;
    }

    private int get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void theProfileAllowsEverySyscallTheServerMakes() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(STRACE), "strace not installed (Debian package strace)");
        int port = Child.freePort();
        int metricsPort = Child.freePort();
        Path config = Child.twoEngineConfig(dir, port, metricsPort, dir.resolve("access.log"));
        Path trace = dir.resolve("strace.txt");
        List<String> command = new ArrayList<>(List.of(STRACE.toString(), "-f", "-qq", "-c", "-U", "name", "-o", trace.toString()));
        command.addAll(Child.jarCommand("--config", config.toString()));
        Child server = Child.start(command, Child.moduleDir(), dir, "strace", env -> {});
        try {
            server.awaitLine(" supervises ", STARTUP);
            for (String path : List.of("/", "/index.html", "/favicon.png", "/missing", "/docs")) {
                for (int i = 0; i < 20; i++) {
                    assertThat(get(port, path)).isLessThan(500);
                }
            }
            assertThat(get(metricsPort, "/metrics")).isEqualTo(200);
            long master = Long.parseLong(Files.readString(dir.resolve("uring-httpd.pid")).strip());
            io.uringhttpd.sys.Processes.kill((int) master, Signals.SIGUSR1);
            io.uringhttpd.sys.Processes.kill((int) master, Signals.SIGHUP);
            server.awaitLine("reloaded: ", STARTUP);
            assertThat(get(port, "/index.html")).isEqualTo(200);
            io.uringhttpd.sys.Processes.kill((int) master, Signals.SIGTERM);
            assertThat(server.process.waitFor(60, TimeUnit.SECONDS)).as("the master exits on SIGTERM").isTrue();
        } finally {
            server.close();
        }
        // strace -c -U name: a table of one column, a header ("syscall"), a rule, the names, a rule, "total".
        Set<String> seen = new TreeSet<>();
        for (String line : Files.readAllLines(trace)) {
            String name = line.strip();
            if (name.matches("[a-z0-9_]+") && !name.equals("syscall") && !name.equals("total")) {
                seen.add(name);
            }
        }
        assertThat(seen).as("strace's table (%s)", trace).contains("io_uring_enter", "epoll_wait", "accept4");
        Set<String> missing = new TreeSet<>(seen);
        missing.removeAll(allowed());
        assertThat(missing).as("syscalls the server made that docker/seccomp-io_uring.json refuses").isEmpty();
    }
}
