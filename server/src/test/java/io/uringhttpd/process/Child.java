package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;

/**
 * A child process (the real jar, or the bash launcher) with its stdout and stderr redirected to
 * files, so no pipe can fill up and block it, and its output can be read while it runs.
 *
 * <p>Every child started here is tracked; {@link #close()} sends SIGTERM ({@link Process#destroy()}),
 * then SIGKILL after 5 s, and does the same for any descendant (the launcher {@code exec}s java,
 * so normally there is none, but a failed test must not leave a JVM behind).
 */
final class Child implements AutoCloseable {
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    /** Variables that make a JVM print "Picked up ..." on stderr or change its options. */
    private static final List<String> JVM_ENV = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "JAVA_OPTS");

    final Process process;
    final Path stdout;
    final Path stderr;

    private Child(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code command} in {@code cwd}; output goes to {@code dir}/NAME.out and NAME.err.
     * {@code env} edits the inherited environment (after the JVM option variables are removed).
     */
    static Child start(List<String> command, Path cwd, Path dir, String name, Consumer<Map<String, String>> env)
            throws IOException {
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        JVM_ENV.forEach(pb.environment()::remove);
        env.accept(pb.environment());
        return new Child(pb.start(), out, err);
    }

    /** Runs {@code command} to its end (at most {@code timeout}) and returns what it printed. */
    static Result run(List<String> command, Path cwd, Path dir, String name, Consumer<Map<String, String>> env,
            Duration timeout) throws IOException, InterruptedException {
        try (Child child = start(command, cwd, dir, name, env)) {
            if (!child.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("%s did not end within %s; stdout: %s; stderr: %s", command, timeout, child.stdout(), child.stderr());
            }
            return new Result(child.process.exitValue(), child.stdout(), child.stderr());
        }
    }

    /** Runs the jar with {@code args} from the module folder (see {@link #run}). */
    static Result runJar(Path dir, String name, Duration timeout, String... args) throws IOException, InterruptedException {
        return run(jarCommand(args), moduleDir(), dir, name, env -> {}, timeout);
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    /** stdout and stderr, for failure messages. */
    String output() {
        return "stdout:\n" + stdout() + "\nstderr:\n" + stderr();
    }

    /**
     * Waits until stdout or stderr has a line containing {@code text}; fails when the process ends
     * first or the time runs out. Returns the line.
     */
    String awaitLine(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : (stderr() + "\n" + stdout()).lines().toList()) {
                if (line.contains(text)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                fail("the process ended (exit %d) before printing \"%s\"; %s", process.exitValue(), text, output());
            }
            if (System.nanoTime() > deadline) {
                fail("no line with \"%s\" within %s; %s", text, timeout, output());
            }
            Thread.sleep(20);
        }
    }

    /** SIGTERM, then SIGKILL after {@link #STOP_GRACE}; the same for descendants. Idempotent. */
    @Override
    public void close() {
        List<ProcessHandle> descendants = process.descendants().toList();
        stop(process.toHandle());
        for (ProcessHandle h : descendants) {
            stop(h);
        }
    }

    private static void stop(ProcessHandle h) {
        if (!h.isAlive()) {
            return;
        }
        h.destroy();
        try {
            h.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception notYet) {
            h.destroyForcibly();
            try {
                h.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception ignored) {
                // SIGKILL cannot be refused; the kernel reaps it shortly.
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Result(int exit, String stdout, String stderr) {
        /** Lines of stderr that are not blank. */
        List<String> errLines() {
            return stderr.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    // ---- where things are ----

    /** The JDK 25 java running this test: it also runs the jar. */
    static Path java() {
        return ProcessHandle.current().info().command().map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java"));
    }

    /** The home of {@link #java()} (its bin/ folder's parent). */
    static Path javaHome() {
        return java().toAbsolutePath().getParent().getParent();
    }

    /** server/target/uring-httpd.jar, from failsafe's system property. */
    static Path jar() {
        String jar = System.getProperty("uringhttpd.jar");
        assertThat(jar).as("system property uringhttpd.jar (set by failsafe in server/pom.xml)").isNotBlank();
        Path p = Path.of(jar).toAbsolutePath();
        assertThat(p).as("the jar is built in package, before verify").isRegularFile();
        return p;
    }

    /** The server module's folder (failsafe runs with it as the working directory). */
    static Path moduleDir() {
        return Path.of("").toAbsolutePath();
    }

    /** The repository root: the module folder's parent. */
    static Path repoDir() {
        Path root = moduleDir().getParent();
        assertThat(root.resolve("uring-httpd")).as("the launcher at the repository root").isRegularFile();
        return root;
    }

    static Path shippedConfig() {
        Path conf = moduleDir().resolve("../config/uring-httpd.conf").normalize();
        assertThat(conf).isRegularFile();
        return conf;
    }

    /** The project version as Maven wrote it into the jar (META-INF/maven/.../pom.properties). */
    static String jarVersion() throws IOException {
        try (JarFile jar = new JarFile(jar().toFile());
                InputStream in = jar.getInputStream(jar.getEntry("META-INF/maven/io.uringhttpd/uring-httpd/pom.properties"))) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }

    /** {@code java -jar uring-httpd.jar ARGS}: the manifest grants native access, so no flag is needed. */
    /**
     * The engine comparison setup, written to {@code dir/uring-httpd.conf}: a master with an epoll
     * and an io_uring worker on 127.0.0.1:{@code port}, metrics on {@code metricsPort}, the
     * repository's site, the pid file {@code dir/uring-httpd.pid}; {@code accessLog} null: no
     * access log. Skips the test where io_uring is disabled.
     */
    static Path twoEngineConfig(Path dir, int port, int metricsPort, Path accessLog) throws IOException {
        Path disabled = Path.of("/proc/sys/kernel/io_uring_disabled");
        Assumptions.assumeTrue(!Files.exists(disabled) || Files.readString(disabled).strip().equals("0"), "io_uring disabled");
        Path config = dir.resolve("uring-httpd.conf");
        Files.writeString(config, """
                uring-httpd {
                  listen = ["127.0.0.1:%d"]
                  root = "%s"
                  workers = 2
                  worker-engines = [epoll, io_uring]
                  pid-file = "%s"
                  access-log { enabled = %b, path = "%s" }
                  metrics { enabled = true, listen = "127.0.0.1:%d", path = "/metrics" }
                }
                """.formatted(port, repoDir().resolve("www"), dir.resolve("uring-httpd.pid"), accessLog != null,
                accessLog != null ? accessLog : dir.resolve("access.log"), metricsPort));
        return config;
    }

    static List<String> jarCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(java().toString(), "-jar", jar().toString()));
        command.addAll(List.of(args));
        return command;
    }

    /**
     * A port that was free a moment ago: bound on 127.0.0.1:0, then closed. Another process may
     * take it before the server binds it; callers retry once with a new one.
     */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
            return s.getLocalPort();
        }
    }
}
