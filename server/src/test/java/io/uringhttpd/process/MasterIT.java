package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.uringhttpd.sys.Processes;
import io.uringhttpd.sys.Signals;

/**
 * The master/worker process model, with the real jar: a master spawning worker JVMs on the
 * sockets it owns, supervising, reloading and stopping them, driven by signals and {@code -s}.
 */
class MasterIT {
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Pattern SUPERVISES = Pattern.compile("master (\\d+) supervises (\\d+) worker\\(s\\): (.*)$");
    private static final Pattern WORKER = Pattern.compile("(\\d+):(\\d+) (\\S+)");

    @TempDir
    Path dir;

    private Child master;
    private Path config;
    private Path pidFile;
    private int port;

    @AfterEach
    void stop() {
        if (master != null) {
            master.close();
        }
    }

    // ------------------------------------------------------------------ the tests

    @Test
    void workersStartServeAndAreChildrenOfTheMaster() throws Exception {
        start(2, "");
        List<Long> pids = workerPids();
        assertThat(pids).hasSize(2);
        assertThat(children()).containsExactlyInAnyOrderElementsOf(pids);
        assertThat(Files.readString(pidFile).strip()).isEqualTo(Long.toString(master.process.pid()));
        for (int i = 0; i < 50; i++) {
            assertThat(get("/index.html")).startsWith("HTTP/1.1 200 ");
        }
        // Each worker holds its own inherited listen socket and nothing of the master's other fds.
        for (long pid : pids) {
            assertThat(listenSocketsOf(pid)).as("listen sockets of worker %d", pid).isEqualTo(1);
        }
    }

    @Test
    void aKilledWorkerIsReplacedWithinTwoSecondsWhileTheOthersServe() throws Exception {
        start(2, "");
        List<Long> before = workerPids();
        // Connections the killed worker had accepted die with it (at most one per client); everything
        // else, queued on its socket or on the other worker's, must be served.
        try (Load load = new Load(8, true)) {
            Thread.sleep(300);
            long victim = before.getFirst();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            long killedAt = System.nanoTime();
            long servedAtKill = load.requests.get();
            while (true) {
                Set<Long> now = Set.copyOf(children());
                if (now.size() == 2 && !now.contains(victim)) {
                    break;
                }
                if (System.nanoTime() - killedAt > TimeUnit.SECONDS.toNanos(2)) {
                    fail("no replacement within 2 s: children %s; %s", now, master.output());
                }
                Thread.sleep(20);
            }
            master.awaitLine("was killed by SIGKILL; starting another", Duration.ofSeconds(5));
            long servedAtReplacement = load.requests.get();
            Thread.sleep(1000);
            load.stopAndCheck();
            assertThat(servedAtReplacement).as("the other worker served while one was replaced").isGreaterThan(servedAtKill);
            assertThat(load.requests.get()).isGreaterThan(servedAtReplacement);
            assertThat(load.failures.get()).as("connections lost with the killed worker").isLessThanOrEqualTo(8);
        }
        assertThat(get("/index.html")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void workersThatKeepDyingYoungAreRespawnedWithBackoff() throws Exception {
        start(1, "");
        long victim = workerPids().getFirst();
        for (int death = 1; death <= 3; death++) {
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            long previous = victim;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (victim == previous) {
                List<Long> now = children();
                if (now.size() == 1 && now.getFirst() != previous) {
                    victim = now.getFirst();
                }
                if (System.nanoTime() > deadline) {
                    fail("no replacement after death %d; %s", death, master.output());
                }
                Thread.sleep(10);
            }
        }
        // The first death was of a worker that had served a while (respawned at once), the
        // next two of workers younger than 2 s: the third respawn waits.
        master.awaitLine("(2 quick deaths in a row); starting another in 250 ms", Duration.ofSeconds(10));
        awaitChildren(1, Duration.ofSeconds(10));
        master.awaitLine("worker 0 (pid " + victim + ") serves", STARTUP);
        assertThat(get("/index.html")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void fiveReloadsUnderLoadFailNoRequestAndResetNoConnection() throws Exception {
        start(2, "");
        // Paced (a few ms between requests): on 2 cores an unpaced client would starve the new
        // workers' JVM startup for many seconds. -s reload is tested elsewhere; SIGHUP directly here.
        try (Load load = new Load(64, false, 10)) {
            for (int i = 1; i <= 5; i++) {
                Thread.sleep(400);
                assertThat(Processes.kill((int) master.process.pid(), Signals.SIGHUP)).isZero();
                awaitCount("reloaded: ", i);
            }
            Thread.sleep(400);
            load.stopAndCheck();
            assertThat(load.requests.get()).isGreaterThan(1000);
            assertThat(load.reconnects.get()).as("retiring workers said Connection: close").isGreaterThanOrEqualTo(64);
        }
        // Old workers retire: in the end, two workers again.
        awaitChildren(2, Duration.ofSeconds(15));
    }

    @Test
    void aReloadChangesTheSitesUnderLoadWithoutAFailedRequest() throws Exception {
        String www = Child.repoDir().resolve("www").toString();
        String before = "sites = [{ hosts = [a.test], root = \"" + www + "\", headers = [{ match = \"**\", set { X-Site = a } }] }]\n";
        start(2, before);
        assertThat(getAs("a.test", "/index.html")).contains("X-Site: a");
        assertThat(getAs("b.test", "/index.html")).doesNotContain("X-Site");
        try (Load load = new Load(64, false, 10)) {
            Thread.sleep(400);
            Files.writeString(config, Files.readString(config).replace(before, "sites = [{ hosts = [b.test], root = \"" + www
                    + "\", try-files = [\"$uri\", \"/index.html\"], headers = [{ match = \"**\", set { X-Site = b } }] }]\n"));
            assertThat(Processes.kill((int) master.process.pid(), Signals.SIGHUP)).isZero();
            awaitCount("reloaded: ", 1);
            Thread.sleep(400);
            load.stopAndCheck();
            assertThat(load.requests.get()).isGreaterThan(100);
        }
        awaitChildren(2, Duration.ofSeconds(15));
        assertThat(getAs("b.test", "/no/such/route")).startsWith("HTTP/1.1 200 ").contains("X-Site: b");
        assertThat(getAs("a.test", "/index.html")).doesNotContain("X-Site");
    }

    @Test
    void aReloadCanChangeWorkersAndListenAddresses() throws Exception {
        start(2, "");
        int second = Child.freePort();
        String original = Files.readString(config);
        Path newRoot = Files.createDirectories(dir.resolve("new-root"));
        Files.writeString(newRoot.resolve("index.html"), "the new root\n");
        Files.writeString(config, original.replace("workers = 2", "workers = 3")
                .replace("root = \"" + Child.repoDir().resolve("www") + "\"", "root = \"" + newRoot + "\"")
                .replace("listen = [\"127.0.0.1:" + port + "\"]", "listen = [\"127.0.0.1:" + port + "\", \"127.0.0.1:" + second + "\"]"));
        assertThat(Processes.kill((int) master.process.pid(), Signals.SIGHUP)).isZero();
        awaitCount("reloaded: 3 new worker(s)", 1);
        awaitChildren(3, Duration.ofSeconds(20));
        assertThat(get("/index.html", second)).startsWith("HTTP/1.1 200 ").contains("Content-Length: 13\r\n");
        for (long pid : children()) {
            assertThat(listenSocketsOf(pid)).as("worker %d: one socket per address", pid).isEqualTo(2);
        }

        // Drop the first address: once the old workers are gone, nothing listens there any more.
        Files.writeString(config, original.replace("listen = [\"127.0.0.1:" + port + "\"]", "listen = [\"127.0.0.1:" + second + "\"]"));
        assertThat(Processes.kill((int) master.process.pid(), Signals.SIGHUP)).isZero();
        awaitCount("reloaded: 2 new worker(s)", 1);
        awaitChildren(2, Duration.ofSeconds(20));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            } catch (java.net.ConnectException refused) {
                break;
            }
            if (System.nanoTime() > deadline) {
                fail("port %d still accepts after the reload dropped it; %s", port, master.output());
            }
            Thread.sleep(100);
        }
        assertThat(get("/index.html", second)).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void reopenMakesWorkersWriteToANewAccessLog() throws Exception {
        Path accessLog = dir.resolve("logs/access.log");
        start(1, "access-log { enabled = true, path = \"" + accessLog + "\", flush-interval = 100ms }\n");
        get("/index.html");
        awaitContains(accessLog, "GET /index.html ");
        Path rotated = dir.resolve("logs/access.log.1");
        Files.move(accessLog, rotated);
        assertThat(cli("--config", config.toString(), "-s", "reopen")).isZero();
        master.awaitLine("access log reopened", Duration.ofSeconds(10));
        get("/style.css");
        awaitContains(accessLog, "GET /style.css ");
        assertThat(Files.readString(rotated)).doesNotContain("/style.css");
    }

    @Test
    void aReopenDuringAReloadKillsNoStartingWorker() throws Exception {
        Path accessLog = dir.resolve("logs/access.log");
        start(2, "access-log { enabled = true, path = \"" + accessLog + "\", flush-interval = 100ms }\n");
        // logrotate's SIGUSR1 right behind a SIGHUP: the new workers are still starting (their
        // JVMs have no handler yet, and SIGUSR1's default action would kill them).
        assertThat(Processes.kill((int) master.process.pid(), Signals.SIGHUP)).isZero();
        Thread.sleep(30);
        assertThat(Processes.kill((int) master.process.pid(), Signals.SIGUSR1)).isZero();
        master.awaitLine("reloaded: ", STARTUP);
        assertThat(master.output()).doesNotContain("killed by SIGUSR1").doesNotContain("reload failed");
        awaitCount("access log reopened", 4); // the two old workers at once, the two new ones once they serve
        get("/index.html");
        awaitContains(accessLog, "GET /index.html ");
    }

    private static void awaitContains(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(file) || !Files.readString(file).contains(text)) {
            if (System.nanoTime() > deadline) {
                fail("%s does not contain \"%s\"", file, text);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aBrokenConfigOnReloadKeepsTheOldWorkersServing() throws Exception {
        start(2, "");
        List<Long> before = workerPids();
        Files.writeString(config, Files.readString(config).replace("workers = 2", "workers = two"));
        assertThat(cli("--config", config.toString().replace("uring-httpd.conf", "ok.conf"), "-s", "reload"))
                .as("-s reads the pid-file through a config that parses").isZero();
        master.awaitLine("reload failed", Duration.ofSeconds(10));
        assertThat(master.stderr()).contains("uring-httpd.workers");
        assertThat(children()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(get("/index.html")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void sigtermUnderLoadCompletesTheResponsesInFlight() throws Exception {
        byte[] big = new byte[48 << 20];
        new java.util.Random(7).nextBytes(big);
        Path www = dir.resolve("www");
        Files.createDirectories(www);
        Files.write(www.resolve("big.bin"), big);
        Files.writeString(www.resolve("index.html"), "hello\n");
        start(2, "root = \"" + www + "\"\n");
        List<Long> pids = workerPids();
        try (Socket s = connect()) {
            s.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200 ");
            byte[] first = in.readNBytes(1 << 20);
            master.process.toHandle().destroy();   // SIGTERM, mid-download
            byte[] rest = in.readAllBytes();       // the worker finishes it, then closes
            byte[] body = new byte[first.length + rest.length];
            System.arraycopy(first, 0, body, 0, first.length);
            System.arraycopy(rest, 0, body, first.length, rest.length);
            assertThat(body.length).isEqualTo(big.length);
            assertThat(java.util.Arrays.equals(body, big)).isTrue();
        }
        assertThat(master.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(master.process.exitValue()).isZero();
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("worker %d", pid).isFalse();
        }
        assertThat(pidFile).doesNotExist();
    }

    @Test
    void stopLeavesNoProcess() throws Exception {
        start(2, "");
        List<Long> pids = workerPids();
        assertThat(cli("--config", config.toString(), "-s", "stop")).isZero();
        boolean exited = master.process.waitFor(15, TimeUnit.SECONDS);
        if (!exited) {
            Processes.kill((int) master.process.pid(), Signals.SIGQUIT); // a thread dump into its output
            Thread.sleep(1000);
        }
        assertThat(exited).as("the master exited; its output:%n%s", master.output()).isTrue();
        assertThat(master.process.exitValue()).isZero();
        awaitGone(pids, Duration.ofSeconds(5));
        assertThat(cli("--config", config.toString(), "-s", "quit")).as("nothing left to signal").isEqualTo(1);
    }

    @Test
    void workersLeaveWhenTheirMasterIsKilled() throws Exception {
        start(2, "");
        List<Long> pids = workerPids();
        master.process.destroyForcibly();
        assertThat(master.process.waitFor(5, TimeUnit.SECONDS)).isTrue();
        awaitGone(pids, Duration.ofSeconds(15));
    }

    @Test
    void workersCanRunDifferentEngines() throws Exception {
        Path disabled = Path.of("/proc/sys/kernel/io_uring_disabled");
        Assumptions.assumeTrue(!Files.exists(disabled) || Files.readString(disabled).strip().equals("0"), "io_uring disabled");
        start(2, "worker-engines = [epoll, io_uring]\n");
        String line = master.awaitLine(" started: engine ", STARTUP);
        assertThat(line).contains("engine epoll+io_uring");
        assertThat(master.awaitLine("supervises", STARTUP)).contains(" epoll").contains(" io_uring");
        for (int i = 0; i < 20; i++) {
            assertThat(get("/index.html")).startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void workersSwitchToTheConfiguredUserWhenStartedAsRoot() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        // The repository's www/ is world-readable; a temporary folder may not be.
        start(2, "user = nobody\nroot = \"" + Child.repoDir().resolve("www") + "\"\n");
        for (long pid : workerPids()) {
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            assertThat(status).as("worker %d", pid).containsPattern("(?m)^Uid:\\s+65534\\s+65534\\s+65534\\s+65534$");
        }
        assertThat(Files.readString(Path.of("/proc/" + master.process.pid() + "/status"))).containsPattern("(?m)^Uid:\\s+0\\s");
        assertThat(get("/index.html")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void aSingleProcessSurvivesReloadAndReopensItsLog() throws Exception {
        Path accessLog = dir.resolve("logs/access.log");
        start(1, "access-log { enabled = true, path = \"" + accessLog + "\", flush-interval = 100ms }\n", false);
        assertThat(cli("--config", config.toString(), "-s", "reload")).isZero();
        master.awaitLine("SIGHUP: reloading needs master = on; ignored", Duration.ofSeconds(10));
        get("/index.html");
        awaitContains(accessLog, "GET /index.html ");
        Files.move(accessLog, dir.resolve("logs/access.log.1"));
        assertThat(cli("--config", config.toString(), "-s", "reopen")).isZero();
        master.awaitLine("access log reopened", Duration.ofSeconds(10));
        get("/style.css");
        awaitContains(accessLog, "GET /style.css ");
        assertThat(cli("--config", config.toString(), "-s", "quit")).isZero();
        assertThat(master.process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(master.process.exitValue()).isZero();
    }

    @Test
    void signalWithoutARunningMasterSaysSo() throws Exception {
        config = dir.resolve("uring-httpd.conf");
        Files.writeString(config, "uring-httpd { pid-file = \"" + dir.resolve("none.pid") + "\", root = \""
                + Child.repoDir().resolve("www") + "\" }\n");
        Child.Result r = Child.runJar(dir, "signal", Duration.ofSeconds(30), "--config", config.toString(), "-s", "reload");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.stderr()).contains("uring-httpd: error: no uring-httpd is running: pid-file " + dir.resolve("none.pid")
                + " does not exist");
    }

    // ------------------------------------------------------------------ the server

    /** Starts a master with {@code workers} workers on a free port, with {@code extra} config lines. */
    private void start(int workers, String extra) throws Exception {
        start(workers, extra, true);
    }

    /** {@code masterOn} false: one process (master = off), started once it logs its start line. */
    private void start(int workers, String extra, boolean masterOn) throws Exception {
        pidFile = dir.resolve("run/uring-httpd.pid");
        config = dir.resolve("uring-httpd.conf");
        Files.writeString(dir.resolve("ok.conf"), "uring-httpd { pid-file = \"" + pidFile + "\", root = \""
                + Child.repoDir().resolve("www") + "\" }\n");
        for (int attempt = 1; ; attempt++) {
            port = Child.freePort();
            Files.writeString(config, """
                    uring-httpd {
                      listen = ["127.0.0.1:%d"]
                      root = "%s"
                      master = %s
                      workers = %d
                      pid-file = "%s"
                      access-log.enabled = false
                      metrics.enabled = false
                      shutdown-timeout = 10s
                      shutdown-idle-grace = 1s
                    %s}
                    """.formatted(port, Child.repoDir().resolve("www"), masterOn ? "on" : "off", workers, pidFile, extra));
            master = Child.start(Child.jarCommand("--config", config.toString()), Child.moduleDir(), dir,
                    "master-" + attempt, env -> {});
            if (awaitStartedOrExit(masterOn ? " supervises " : " started: engine ")) {
                return;
            }
            if (attempt == 2 || !master.stderr().contains("EADDRINUSE")) {
                fail("the master did not start (exit %d); %s", master.process.exitValue(), master.output());
            }
        }
    }

    private boolean awaitStartedOrExit(String line) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (master.stderr().contains(line)) {
                return true;
            }
            if (!master.process.isAlive()) {
                return false;
            }
            Thread.sleep(20);
        }
        fail("the master did not report its workers within %s; %s", STARTUP, master.output());
        return false;
    }

    /** The worker pids from the master's last "supervises" line. */
    private List<Long> workerPids() throws InterruptedException {
        Matcher m = SUPERVISES.matcher(master.awaitLine(" supervises ", STARTUP));
        assertThat(m.find()).isTrue();
        List<Long> pids = new ArrayList<>();
        Matcher w = WORKER.matcher(m.group(3));
        while (w.find()) {
            pids.add(Long.parseLong(w.group(2)));
        }
        return pids;
    }

    private List<Long> children() {
        return master.process.children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
    }

    private void awaitChildren(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (children().size() != count) {
            if (System.nanoTime() > deadline) {
                fail("expected %d workers, have %s; %s", count, children(), master.output());
            }
            Thread.sleep(50);
        }
    }

    private static void awaitGone(List<Long> pids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long pid : pids) {
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                if (System.nanoTime() > deadline) {
                    fail("worker %d still runs after %s", pid, timeout);
                }
                Thread.sleep(50);
            }
        }
    }

    private void awaitCount(String text, int count) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (master.stderr().lines().filter(l -> l.contains(text)).count() < count) {
            if (System.nanoTime() > deadline) {
                fail("fewer than %d lines with \"%s\"; %s", count, text, master.output());
            }
            Thread.sleep(20);
        }
    }

    /** Listening TCP sockets among the fds of {@code pid}: inodes in /proc/net/tcp with state 0A. */
    private static long listenSocketsOf(long pid) throws IOException {
        Set<String> listening = Files.readAllLines(Path.of("/proc/net/tcp")).stream().skip(1)
                .map(l -> l.trim().split("\\s+")).filter(f -> f[3].equals("0A")).map(f -> f[9])
                .collect(Collectors.toSet());
        long n = 0;
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && listening.contains(target.substring(8, target.length() - 1))) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ HTTP over raw sockets

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(20_000);
        return s;
    }

    /** One GET on a new connection; returns the head. */
    private String get(String path) throws IOException {
        return get(path, port);
    }

    private String get(String path, int toPort) throws IOException {
        return get("x", path, toPort);
    }

    /** The response head for {@code path} with that Host. */
    private String getAs(String host, String path) throws IOException {
        return get(host, path, port);
    }

    private String get(String host, String path, int toPort) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", toPort), 10_000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            String head = readHead(in);
            in.readAllBytes();
            return head;
        }
    }

    private static boolean endsWithBlankLine(StringBuilder head) {
        int n = head.length();
        return n >= 4 && head.charAt(n - 4) == '\r' && head.charAt(n - 3) == '\n' && head.charAt(n - 2) == '\r'
                && head.charAt(n - 1) == '\n';
    }

    /** Reads a response head; {@code in} should be buffered (a read(2) per byte starves the server's CPUs). */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!endsWithBlankLine(head)) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF after " + head.length() + " bytes of a response head");
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static long contentLength(String head) {
        Matcher m = Pattern.compile("(?i)\\r\\nContent-Length: (\\d+)\\r\\n").matcher(head);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Keep-alive clients, each looping GET after GET on its connection and opening a new one only
     * when the server said Connection: close; every other end of a connection is a failure.
     */
    private final class Load implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong requests = new AtomicLong();
        final AtomicLong reconnects = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong failures = new AtomicLong();
        final List<CompletableFuture<Void>> clients = new ArrayList<>();
        /** Go on after a failed connection (counted) instead of failing the test. */
        final boolean tolerant;

        /** Pause between two requests of one client, 0 = none. */
        final long pauseMs;

        Load(int connections) {
            this(connections, false, 0);
        }

        Load(int connections, boolean tolerant) {
            this(connections, tolerant, 0);
        }

        Load(int connections, boolean tolerant, long pauseMs) {
            this.tolerant = tolerant;
            this.pauseMs = pauseMs;
            for (int i = 0; i < connections; i++) {
                clients.add(CompletableFuture.runAsync(this::client, r -> Thread.ofPlatform().daemon().start(r)));
            }
        }

        private void client() {
            byte[] request = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            while (running.get()) {
                try (Socket s = connect()) {
                    OutputStream out = s.getOutputStream();
                    InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                    while (running.get()) {
                        out.write(request);
                        String head = readHead(in);
                        if (!head.startsWith("HTTP/1.1 200 ")) {
                            throw new IOException("unexpected response: " + head.lines().findFirst().orElse(""));
                        }
                        long length = contentLength(head);
                        if (in.readNBytes((int) length).length != length) {
                            throw new IOException("body cut short");
                        }
                        requests.incrementAndGet();
                        if (pauseMs > 0) {
                            Thread.sleep(pauseMs);
                        }
                        if (head.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n")) {
                            reconnects.incrementAndGet();
                            break;
                        }
                    }
                } catch (Throwable t) {
                    failures.incrementAndGet();
                    if (!tolerant) {
                        failure.compareAndSet(null, t);
                        return;
                    }
                }
            }
        }

        void stopAndCheck() throws Exception {
            running.set(false);
            for (CompletableFuture<Void> c : clients) {
                c.get(30, TimeUnit.SECONDS);
            }
            if (failure.get() != null) {
                throw new AssertionError("a client failed after " + requests.get() + " requests; master log:\n"
                        + master.stderr(), failure.get());
            }
        }

        @Override
        public void close() {
            running.set(false);
        }
    }

    /** The jar's command line (for -s), run to its end: the exit code. */
    private int cli(String... args) throws Exception {
        Child.Result r = Child.run(Child.jarCommand(args), Child.moduleDir(), dir, "cli-" + System.nanoTime(), env -> {},
                Duration.ofSeconds(30));
        return r.exit();
    }
}
