package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Running out of descriptors, as a new user would: the real jar under {@code ulimit -n 300},
 * master = off, more clients at once than descriptors. Every request is answered 200 (none 500 for
 * a file that could not be opened), the clients beyond the limit wait in the listen backlog and are
 * served as connections close, and a loop that paused accepting does not spin.
 */
class DescriptorLimitIT {
    private static final int NOFILE = 300;
    private static final int CLIENTS = 600;
    private static final Duration STARTUP = Duration.ofSeconds(20);
    private static final Pattern LISTEN = Pattern.compile("listen \\[127\\.0\\.0\\.1:(\\d+)]");
    private static final byte[] BODY = new byte[1024];

    @TempDir
    Path dir;
    private Child server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(String engine) throws Exception {
        Path root = Files.createDirectories(dir.resolve("www"));
        for (int i = 0; i < BODY.length; i++) BODY[i] = (byte) ('a' + i % 26);
        Files.write(root.resolve("1k.bin"), BODY);
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -n " + NOFILE + " && exec \"$0\" \"$@\""));
        command.addAll(Child.jarCommand("--config", Child.shippedConfig().toString(),
                "--set", "uring-httpd.listen=[\"127.0.0.1:0\"]",
                "--set", "uring-httpd.engine=" + engine,
                "--set", "uring-httpd.master=off",
                "--set", "uring-httpd.loops-per-worker=1",
                "--set", "uring-httpd.root=\"" + root + "\"",
                "--set", "uring-httpd.pid-file=\"" + dir.resolve("u.pid") + "\"",
                "--set", "uring-httpd.access-log.enabled=false",
                "--set", "uring-httpd.metrics.enabled=false"));
        server = Child.start(command, Child.moduleDir(), dir, engine, env -> {});
        String started = server.awaitLine(" started: ", STARTUP);
        assertThat(started).contains("engine " + engine);
        Matcher m = LISTEN.matcher(started);
        assertThat(m.find()).as(started).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** One request on a new connection; the status, or -1 when the connection failed. */
    private static int oneRequest(int port, boolean close, List<Socket> keep,
                                  java.util.concurrent.atomic.AtomicBoolean released) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /1k.bin HTTP/1.1\r\nHost: t\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            int status = readResponse(s.getInputStream());
            synchronized (keep) {
                if (close || released.get()) {
                    s.close();
                } else {
                    keep.add(s);
                }
            }
            return status;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Reads one response (head, then Content-Length bytes of body): its status, or -2 when the body was short or wrong. */
    private static int readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("EOF in the head: " + head);
            head.append((char) b);
        }
        int status = Integer.parseInt(head.substring(9, 12));
        Matcher length = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(head);
        int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
        byte[] body = in.readNBytes(bodyLength);
        if (body.length != bodyLength || (status == 200 && !java.util.Arrays.equals(body, BODY))) {
            return -2;
        }
        return status;
    }

    private static Map<Integer, Integer> byStatus(List<Future<Integer>> results) throws Exception {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (Future<Integer> f : results) {
            counts.merge(f.get(), 1, Integer::sum);
        }
        return counts;
    }

    /** utime + stime of the server process, in clock ticks (/proc/PID/stat fields 14 and 15). */
    private long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + server.process.pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void moreClientsThanDescriptorsAreAllServedAndAPausedLoopDoesNotSpin(String engine) throws Exception {
        Path disabled = Path.of("/proc/sys/kernel/io_uring_disabled");
        assumeTrue(engine.equals("epoll") || !Files.exists(disabled) || Files.readString(disabled).strip().equals("0"),
                "io_uring disabled");
        int port = start(engine);
        List<Socket> keep = new ArrayList<>();
        // Set once the held connections are let go: those answered after it close at once.
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            // 600 at once, each one request and close: every one 200.
            List<Future<Integer>> burst = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                burst.add(clients.submit(() -> oneRequest(port, true, keep, released)));
            }
            assertThat(byStatus(burst)).as("statuses of %d clients at once; %s", CLIENTS, server.output())
                    .isEqualTo(Map.of(200, CLIENTS));

            // 600 that stay open: the server holds as many as its descriptors allow and waits.
            List<Future<Integer>> held = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                held.add(clients.submit(() -> oneRequest(port, false, keep, released)));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                int n;
                synchronized (keep) {
                    n = keep.size();
                }
                // Answered so far: those accepted before the pause. Wait until that stops moving.
                Thread.sleep(500);
                synchronized (keep) {
                    if (keep.size() == n && n > 0) break;
                }
                assertThat(System.nanoTime()).as("the held connections settle").isLessThan(deadline);
            }
            int servedBeforeClose;
            synchronized (keep) {
                servedBeforeClose = keep.size();
            }
            assertThat(servedBeforeClose).as("connections the server could hold at ulimit -n %d", NOFILE)
                    .isBetween(100, NOFILE);
            server.awaitLine("accepting paused", Duration.ofSeconds(5));
            long ticksBefore = cpuTicks();
            Thread.sleep(2000);
            long pausedTicks = cpuTicks() - ticksBefore;
            // A loop retrying accept would burn the whole 2 s (200 ticks at 100 Hz).
            assertThat(pausedTicks).as("CPU ticks of the server in 2 s while paused").isLessThan(40);

            // The held ones leave: the rest, waiting in the backlog, are accepted and answered.
            synchronized (keep) {
                released.set(true);
                for (Socket s : keep) {
                    s.close();
                }
                keep.clear();
            }
            Map<Integer, Integer> statuses = byStatus(held);
            assertThat(statuses).as("statuses of the held clients; %s", server.output()).isEqualTo(Map.of(200, CLIENTS));
        } finally {
            synchronized (keep) {
                for (Socket s : keep) {
                    s.close();
                }
            }
        }
        assertThat(server.process.isAlive()).isTrue();
    }
}
