package io.uringhttpd.engine;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.engine.EventLoop;
import io.uringhttpd.sys.IoUring;
import io.uringhttpd.sys.IoUringException;
import io.uringhttpd.sys.Syscalls;
import io.uringhttpd.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Shared parts of the resource tests of both engines: the io_uring assumption, what the server
 * process holds (the test JVM is the server: /proc/self), what a loop holds
 * ({@link EventLoop#resources()}), and a streaming response reader that hashes bodies too big
 * to keep.
 */
public final class LoopProbes {
    private static final String UNAVAILABLE = probe();

    private LoopProbes() {}

    private static String probe() {
        try (IoUring ring = IoUring.setup(new Syscalls(), 8, 0)) {
            return null;
        } catch (IoUringException | UnsupportedOperationException e) {
            return e.getMessage();
        }
    }

    /** Skips (with the kernel's reason) where io_uring is unavailable, e.g. under a container's seccomp profile. */
    public static void assumeIoUring() {
        assumeTrue(UNAVAILABLE == null, () -> "io_uring unavailable: " + UNAVAILABLE);
    }

    /** The process's open-file limit (the JVM raises the soft limit to the hard one at startup). */
    public static long fdLimit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            return os.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /** Open fds of this process: client sockets, server sockets, pipes, cached files, rings. */
    public static int openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Open TCP sockets and pipes of this process (client and server sides both), leaving out
     * the files the open-file caches keep open by design, and the unix/netlink/udp sockets the
     * JVM and the test runner open on their own. A TCP socket in CLOSE state is missing from
     * /proc/net/tcp but still counts here: it is recognised by not being of another family.
     */
    public static int openSocketsAndPipes() {
        return socketsAndPipes().size();
    }

    /** The targets ("socket:[inode]", "pipe:[inode]") counted by {@link #openSocketsAndPipes()}, for messages. */
    public static List<String> socketsAndPipes() {
        List<String> found = new java.util.ArrayList<>();
        java.util.Set<String> otherFamilies = new java.util.HashSet<>();
        // Inode column of each table: unix 7th; netlink, udp 10th; packet 9th.
        Map<String, Integer> inodeColumn = Map.of("/proc/net/unix", 6, "/proc/net/netlink", 9, "/proc/net/udp", 9,
                "/proc/net/udp6", 9, "/proc/net/packet", 8);
        for (Map.Entry<String, Integer> table : inodeColumn.entrySet()) {
            try {
                List<String> lines = Files.readAllLines(Path.of(table.getKey()));
                for (int i = 1; i < lines.size(); i++) {
                    String[] f = lines.get(i).trim().split("\\s+");
                    if (f.length > table.getValue()) {
                        otherFamilies.add(f[table.getValue()]);
                    }
                }
            } catch (IOException absent) {
                // no such table here
            }
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    boolean tcp = target.startsWith("socket:[")
                            && !otherFamilies.contains(target.substring("socket:[".length(), target.length() - 1));
                    if (tcp || target.startsWith("pipe:")) {
                        found.add(fd.getFileName() + "->" + target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own fd, or an fd closed while listing
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    /**
     * Server-side TCP sockets on {@code port} that some file still references: entries of
     * /proc/net/tcp{,6} whose local port is the server's, that are not the listener and
     * whose inode is not 0 (a socket closed by its last owner becomes an orphan with inode 0,
     * TIME_WAIT included). Unlike /proc/self/fd this also sees a socket whose fd was closed
     * while the ring still holds it (a pending recv keeps the socket open:
     * docs/kernel.md#closing-an-fd-the-ring-still-uses).
     */
    public static int ownedServerSockets(int port) {
        int n = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length < 10) {
                    continue;
                }
                String local = f[1];
                int localPort = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                if (localPort == port && !f[3].equals("0A") && !f[9].equals("0")) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Polls until the condition holds; fails with the description after {@code timeout}. Not a speed check. */
    public static void await(Duration timeout, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("still not true after " + timeout.toMillis() + " ms: " + what.get());
            }
            sleepMs(10);
        }
    }

    public static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ what the loops hold

    /** Skips where the engine cannot run here (io_uring under a seccomp profile that refuses it). */
    public static void assumeEngine(String engine) {
        if (engine.equals("io_uring")) {
            assumeIoUring();
        }
    }

    public static EventLoop loop(TestServer server, int index) {
        return server.server().loops().get(index);
    }

    public static int connectionsOpen(TestServer server) {
        int n = 0;
        for (EventLoop loop : server.server().loops()) {
            n += loop.connectionsOpen();
        }
        return n;
    }

    /**
     * Waits until the server holds nothing for closed connections: no open connection, no
     * slot, buffer or pipe in use on any loop, no server socket still referenced.
     */
    public static void awaitReleased(TestServer server, Duration timeout) {
        int loops = server.server().loops().size();
        await(timeout, () -> {
            StringBuilder sb = new StringBuilder("everything released; now ");
            for (int i = 0; i < loops; i++) {
                sb.append("loop-").append(i).append(' ').append(loop(server, i).resources()).append("; ");
            }
            return sb.append("owned server sockets ").append(ownedServerSockets(server.port())).toString();
        }, () -> {
            for (int i = 0; i < loops; i++) {
                if (!loop(server, i).resources().nothingForConnections()) {
                    return false;
                }
            }
            return ownedServerSockets(server.port()) == 0;
        });
    }

    // ------------------------------------------------------------------ files

    /** Writes {@code size} pseudo-random bytes (seeded) and returns their sha256. */
    public static String writeRandom(Path file, long size, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        MessageDigest sha = sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(left, chunk.length);
                for (int i = 0; i < n; i += 8) {
                    long r = random.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        chunk[i + j] = (byte) (r >>> (8 * j));
                    }
                }
                out.write(chunk, 0, n);
                sha.update(chunk, 0, n);
                left -= n;
            }
        }
        return hex(sha.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    public static String sha256(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    // ------------------------------------------------------------------ streaming responses

    /** A response whose body was hashed while it streamed by, not kept. */
    public record Streamed(String statusLine, int status, Map<String, String> headers, long bodyLength, String bodySha256) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " [" + bodyLength + " body bytes, sha256 " + bodySha256 + "]";
        }
    }

    /** Reads one response (Content-Length framing, which is all this server sends); HEAD has no body. */
    public static Streamed readStreamed(InputStream in, boolean head) throws IOException {
        String text = readHead(in);
        String[] lines = text.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line: " + lines[i]);
            }
            headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        if (!lines[0].matches("HTTP/1\\.[01] \\d{3}( .*)?")) {
            throw new IOException("malformed status line: " + lines[0]);
        }
        int status = Integer.parseInt(lines[0].substring(9, 12));
        MessageDigest sha = sha256();
        long length = 0;
        if (!head && status != 304 && status != 204) {
            String cl = headers.get("content-length");
            if (cl == null) {
                throw new IOException("no Content-Length in " + text);
            }
            long want = Long.parseLong(cl);
            byte[] buf = new byte[64 * 1024];
            while (length < want) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, want - length));
                if (n < 0) {
                    throw new EOFException("connection closed after " + length + " of " + want + " body bytes");
                }
                sha.update(buf, 0, n);
                length += n;
            }
        }
        return new Streamed(lines[0], status, headers, length, hex(sha.digest()));
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed before a complete response head (" + buf.size() + " bytes: "
                        + buf.toString(StandardCharsets.ISO_8859_1) + ")");
            }
            buf.write(b);
            if (buf.size() > 64 * 1024) {
                throw new IOException("response head over 64 KiB");
            }
            if (b == '\r') {
                state = state == 2 ? 3 : 1;
            } else if (b == '\n' && (state == 1 || state == 3)) {
                state++;
            } else {
                state = 0;
            }
        }
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
    }
}
