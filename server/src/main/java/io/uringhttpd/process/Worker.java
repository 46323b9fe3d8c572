package io.uringhttpd.process;

import io.uringhttpd.Server;
import io.uringhttpd.metrics.MetricsFile;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.FdStreams;
import io.uringhttpd.sys.Privileges;
import io.uringhttpd.sys.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process, started by the {@link Master} with the hidden {@code --worker} options: it
 * serves on the listen sockets it inherited (never opening its own), tells the master "ready"
 * on its control socket once its loops run, and stops when told to (TERM graceful, INT fast)
 * or when its master is gone (EOF on the control socket: no orphan outlives a killed master).
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);
    /** The line a worker writes on its control socket when it serves: "ready ENGINE". */
    static final String READY = "ready";

    private Worker() {
    }

    /**
     * Runs worker {@code index} until it is stopped; returns the exit code.
     *
     * @param listenFds    inherited listen sockets, [loop][address] flattened row by row
     * @param controlFd    the worker's end of its control socket
     * @param metricsFd    the master's metrics memfd (inherited), or -1
     * @param metricsSlots its slot count
     * @param firstSlot    this worker's loops publish into slots firstSlot.. (one per loop)
     */
    public static int run(ServerConfig config, int index, int[] listenFds, int controlFd, int metricsFd, int metricsSlots,
            int firstSlot) {
        int loops = config.loopsPerWorker();
        int addresses = config.listen().size();
        if (listenFds == null || listenFds.length != loops * addresses || controlFd < 0) {
            log.error("worker {}: expected {} listen fds and a control fd from the master, got {} and {}",
                    index, loops * addresses, listenFds == null ? 0 : listenFds.length, controlFd);
            return 1;
        }
        int[][] fds = new int[loops][addresses];
        for (int loop = 0; loop < loops; loop++) {
            for (int a = 0; a < addresses; a++) {
                fds[loop][a] = listenFds[loop * addresses + a];
                // Inherited without FD_CLOEXEC (dup2 in posix_spawn); nothing this worker starts should get them.
                Processes.setCloexec(fds[loop][a], true);
            }
        }
        Processes.setCloexec(controlFd, true);
        try {
            dropPrivileges(config, index);
        } catch (IllegalStateException e) {
            log.error("worker {}: {}; refusing to serve", index, e.getMessage());
            return 1;
        }
        Server server;
        try {
            MetricsFile metrics = null;
            if (metricsFd >= 0) {
                Processes.setCloexec(metricsFd, true);
                metrics = MetricsFile.attach(metricsFd, metricsSlots);
            }
            // The mapping lives as long as the process: the loops publish into it until they stop.
            server = Server.start(config, fds, config.engineOfWorker(index), metrics, Math.max(0, firstSlot), index);
        } catch (IOException | RuntimeException e) {
            log.error("worker {}: cannot start: {}", index, e.getMessage());
            return 1;
        }
        ServerConfig.Processes p = config.processes();
        SignalHandlers.on("TERM", () -> {
            log.info("SIGTERM: retiring (stop accepting, finish what was received, at most {} ms)", p.shutdownTimeoutMs());
            server.retire(p.shutdownIdleGraceMs(), p.shutdownTimeoutMs());
        });
        SignalHandlers.on("INT", () -> {
            log.info("SIGINT: stopping now");
            server.stop();
        });
        SignalHandlers.on("USR1", server::reopenLogs);
        // A terminal hangup reaches the whole process group; reloading is the master's business.
        SignalHandlers.on("HUP", () -> log.debug("SIGHUP ignored: the master reloads"));

        String engine = server.loops().getFirst().engine();
        try {
            OutputStream control = FdStreams.output(controlFd);
            control.write((READY + " " + engine + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            log.error("worker {}: the master is gone ({}); stopping", index, e.getMessage());
            server.stop();
        }
        Thread.ofPlatform().daemon().name("master-watch").start(() -> watchMaster(controlFd, server, p));
        server.awaitLoops();
        server.close();
        return 0;
    }

    /** EOF on the control socket: the master died (even by SIGKILL). Retire rather than stay an orphan. */
    private static void watchMaster(int controlFd, Server server, ServerConfig.Processes p) {
        try (InputStream in = FdStreams.input(controlFd)) {
            while (in.read() >= 0) {
                // The master sends nothing today; anything it sends is ignored.
            }
        } catch (IOException e) {
            log.debug("control socket: {}", e.getMessage());
        }
        log.warn("the master is gone; retiring");
        server.retire(p.shutdownIdleGraceMs(), p.shutdownTimeoutMs());
    }

    /**
     * nginx's {@code user}: a worker started as root switches to user/group before it serves, after
     * the master opened the sockets (ports below 1024). The access log file is created first and
     * given to that user, so the worker can write and reopen it.
     */
    static void dropPrivileges(ServerConfig config, int index) {
        String user = config.processes().user();
        if (user.isEmpty() || Privileges.euid() != 0) {
            return;   // the master warned once
        }
        Optional<Privileges.Account> account = Privileges.user(user);
        if (account.isEmpty()) {
            throw new IllegalStateException("user = " + user + ": no such user");
        }
        int gid = account.get().gid();
        String group = config.processes().group();
        if (!group.isEmpty()) {
            OptionalInt g = Privileges.group(group);
            if (g.isEmpty()) {
                throw new IllegalStateException("group = " + group + ": no such group");
            }
            gid = g.getAsInt();
        }
        if (config.accessLog().enabled()) {
            giveAccessLog(config.accessLog().path(), account.get().uid(), gid);
        }
        int rc = Privileges.drop(account.get().uid(), gid);
        if (rc < 0) {
            throw new IllegalStateException("cannot switch to user " + user + " (uid " + account.get().uid()
                    + ", gid " + gid + "): " + Errno.describe(rc));
        }
        log.info("worker {}: running as user {} (uid {}, gid {})", index, user, account.get().uid(), gid);
    }

    private static void giveAccessLog(Path path, int uid, int gid) {
        try {
            Files.createDirectories(path.getParent());
            if (!Files.exists(path)) {
                Files.createFile(path);
            }
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", gid);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot hand the access log " + path + " to uid " + uid + ": " + e.getMessage());
        }
    }
}
