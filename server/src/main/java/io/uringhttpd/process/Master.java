package io.uringhttpd.process;

import io.uringhttpd.metrics.EndpointSettings;
import io.uringhttpd.metrics.MetricsAggregator;
import io.uringhttpd.metrics.MetricsEndpoint;
import io.uringhttpd.metrics.MetricsFile;
import io.uringhttpd.metrics.SlotSnapshot;
import io.uringhttpd.metrics.WorkerStatus;
import io.uringhttpd.Version;
import io.uringhttpd.config.ConfigError;
import io.uringhttpd.config.ConfigException;
import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.FdStreams;
import io.uringhttpd.sys.Privileges;
import io.uringhttpd.sys.Processes;
import io.uringhttpd.sys.Signals;
import io.uringhttpd.sys.WaitStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master process (master = on), nginx's model fitted to the JVM: it owns the listen sockets
 * (one SO_REUSEPORT socket per event loop of every worker), starts each worker as a new JVM
 * running this same jar with its sockets inherited, never serves a request itself, and
 * supervises: a worker that dies is replaced on the same sockets, so nothing queued is lost.
 *
 * <p>Signals (docs/architecture.md#signals; SIGQUIT stays the JVM's thread dump): HUP reload (the new config is
 * checked first; new workers start, and only once they all serve are the old ones retired),
 * TERM graceful stop (what Docker and Kubernetes send), INT fast stop, USR1 reopen log files.
 *
 * <p>One control thread runs everything here. Signal handlers, the reaper (waitpid) and one
 * reader per worker's control socket only post {@link Event}s to it, so no state is shared.
 */
public final class Master {
    private static final Logger log = LoggerFactory.getLogger(Master.class);
    /** Kernel caps the backlog at net.core.somaxconn (4096 since Linux 5.4), as for master = off. */
    static final int LISTEN_BACKLOG = 4096;
    /** A worker that dies younger than this, or before it served, died "quickly": respawns back off. */
    static final long QUICK_DEATH_MS = 2_000;
    static final long RESPAWN_DELAY_FIRST_MS = 250;
    static final long RESPAWN_DELAY_MAX_MS = 30_000;
    /** How long new workers of a reload may take to serve before the reload is abandoned. */
    static final long READY_TIMEOUT_MS = 60_000;
    /** Beyond shutdown-timeout: time for a worker JVM to exit before it gets SIGKILL. */
    static final long EXIT_MARGIN_MS = 5_000;

    sealed interface Event {
        record Signal(String name) implements Event {}

        record Exited(WaitStatus status) implements Event {}

        record Ready(WorkerHandle worker, String engine) implements Event {}

        record Respawn(int index, int generation) implements Event {}

        record ReadyTimeout(int generation) implements Event {}

        record KillDeadline() implements Event {}
    }

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("master-timer").unstarted(r));
    private final ListenSocketSet sockets = new ListenSocketSet(LISTEN_BACKLOG);
    private final List<WorkerHandle> workers = new ArrayList<>();
    /** Quick deaths in a row, per worker index (reset once a worker of that index serves). */
    private final List<Integer> quickDeaths = new ArrayList<>();
    /** Per worker index: unexpected exits followed by a new worker. */
    private final List<Integer> restarts = new ArrayList<>();
    /** The workers as the engine page shows them, replaced (on the event thread) whenever one starts, serves or exits. */
    private volatile List<WorkerStatus> workerStatus = List.of();

    /** The configuration of the serving workers, and their generation (1 + successful reloads, roughly). */
    private ServerConfig config;
    private int generation;
    /** The generation a reload is starting (0 = none) and its configuration (null = none). */
    private int reloading;
    private ServerConfig nextConfig;
    /** Generation numbers are never reused: late events of an abandoned one are recognised. */
    private int lastGeneration;
    private boolean started;
    private boolean stopping;
    private int exitCode;

    private Master(ServerConfig config) {
        this.config = config;
    }

    /** Runs the master until it is stopped; returns the process exit code. */
    public static int run(ServerConfig config) {
        return new Master(config).run();
    }

    /**
     * The slots of every worker's loops (docs/architecture.md#metrics-path); null when metrics are off.
     * Slots are handed out on the event thread.
     */
    private MetricsFile metrics;
    private boolean[] slotUsed;
    private MetricsAggregator aggregator;
    private MetricsEndpoint endpoint;

    private int run() {
        if (!checkAccount(config)) {
            return 1;
        }
        try {
            sockets.ensure(config);
            if (config.metrics().enabled()) {
                metrics = MetricsFile.create(MetricsFile.slotsFor(config.loopsTotal()));
                slotUsed = new boolean[metrics.slotCount()];
                aggregator = new MetricsAggregator(metrics::snapshots);
                endpoint = MetricsEndpoint.start(endpointSettings(config.metrics()), aggregator, () -> workerStatus,
                        "master");
            }
        } catch (IOException e) {
            log.error("cannot start: {}", e.getMessage());
            closeEarly();
            return 1;
        }
        try {
            PidFile.write(config.pidFile());
        } catch (IOException e) {
            log.error("cannot write pid-file {}: {}", config.pidFile(), e.getMessage());
            closeEarly();
            return 1;
        }
        for (String name : List.of("HUP", "TERM", "INT", "USR1")) {
            SignalHandlers.on(name, () -> events.add(new Event.Signal(name)));
        }
        Thread reaper = Thread.ofPlatform().daemon().name("reaper").start(this::reap);
        generation = ++lastGeneration;
        for (int i = 0; i < config.workers(); i++) {
            spawn(i, generation, config);
        }
        try {
            while (!(stopping && workers.isEmpty())) {
                handle(events.take());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            timer.shutdownNow();
            sockets.close();
            closeMetrics();
            PidFile.delete(config.pidFile());
        }
        reaper.interrupt();
        log.info("stopped");
        return exitCode;
    }

    // ------------------------------------------------------------------ events

    private void handle(Event event) {
        switch (event) {
            case Event.Signal s -> onSignal(s.name());
            case Event.Exited e -> onExited(e.status());
            case Event.Ready r -> onReady(r.worker(), r.engine());
            case Event.Respawn r -> {
                if (!stopping && r.generation() == generation) {
                    spawn(r.index(), r.generation(), config);
                }
            }
            case Event.ReadyTimeout t -> {
                if (reloading == t.generation()) {
                    abandonReload("its workers did not serve within " + READY_TIMEOUT_MS / 1000 + " s");
                }
            }
            case Event.KillDeadline k -> {
                for (WorkerHandle w : workers) {
                    log.warn("{} still runs after the shutdown timeout: SIGKILL", w);
                    Processes.kill(w.pid, Signals.SIGKILL);
                }
            }
        }
    }

    private void onSignal(String name) {
        switch (name) {
            case "HUP" -> reload();
            case "TERM" -> stop(Signals.SIGTERM, config.processes().shutdownTimeoutMs() + EXIT_MARGIN_MS, "graceful");
            case "INT" -> stop(Signals.SIGINT, EXIT_MARGIN_MS, "fast");
            case "USR1" -> {
                log.info("SIGUSR1: workers reopen their log files");
                reopenLogs();
            }
            default -> log.warn("SIG{} is not handled", name);
        }
    }

    private void stop(int signal, long killAfterMs, String how) {
        if (!stopping) {
            log.info("{}: {} stop of {} worker(s)", Signals.name(signal), how, workers.size());
        }
        stopping = true;
        for (WorkerHandle w : workers) {
            w.retiring = true;
        }
        signalAll(signal);
        timer.schedule(() -> events.add(new Event.KillDeadline()), killAfterMs, TimeUnit.MILLISECONDS);
    }

    /**
     * SIGUSR1 to the workers that serve; one still starting has no handler for it yet (its
     * default action would kill it: found with a reopen during a reload), so it gets the signal
     * once it reports that it serves.
     */
    private void reopenLogs() {
        for (WorkerHandle w : workers) {
            if (w.ready) {
                Processes.kill(w.pid, Signals.SIGUSR1);
            } else {
                w.reopenPending = true;
            }
        }
    }

    private void signalAll(int signal) {
        for (WorkerHandle w : workers) {
            Processes.kill(w.pid, signal);
        }
    }

    private void onReady(WorkerHandle w, String engine) {
        if (!workers.contains(w)) {
            return;
        }
        w.ready = true;
        w.engine = engine;
        publishWorkerStatus();
        setQuickDeaths(w.index, 0);
        log.info("{} serves: engine {}, generation {}", w, engine, w.generation);
        if (w.reopenPending) {
            w.reopenPending = false;
            Processes.kill(w.pid, Signals.SIGUSR1);
        }
        if (stopping) {
            return;
        }
        if (!started && allReady(generation)) {
            started = true;
            // The same line as master = off (tools read it), then who serves.
            log.info("uring-httpd {} started: engine {}, listen {}, root {}, loops {}, pid {}",
                    Version.get(), engines(generation), sockets.bound(config), config.root(), config.loopsTotal(),
                    ProcessHandle.current().pid());
            log.info("master {} supervises {} worker(s): {}{}", ProcessHandle.current().pid(), config.workers(),
                    pids(generation), JavaOptions.applied() ? "; the master runs with master-java-options" : "");
        }
        if (reloading != 0 && w.generation == reloading && allReady(reloading)) {
            int retired = 0;
            for (WorkerHandle old : workers) {
                if (old.generation != reloading && !old.retiring) {
                    old.retiring = true;
                    Processes.kill(old.pid, Signals.SIGTERM);
                    retired++;
                }
            }
            config = nextConfig;
            generation = reloading;
            nextConfig = null;
            reloading = 0;
            log.info("reloaded: {} new worker(s) serve ({}), {} old one(s) retiring", config.workers(),
                    pids(generation), retired);
        }
    }

    private void onExited(WaitStatus status) {
        WorkerHandle w = null;
        for (WorkerHandle candidate : workers) {
            if (candidate.pid == status.pid()) {
                w = candidate;
            }
        }
        if (w == null) {
            return;
        }
        workers.remove(w);
        publishWorkerStatus();
        // Its loops published their last values when they stopped (a killed worker: those of its
        // last tick): folded into the totals now, before a new worker claims the slots.
        retireSlots(w.firstSlot, w.slotCount);
        FdStreams.shutdown(w.controlFd);
        FdStreams.close(w.controlFd);
        if (w.retiring) {
            log.info("{} exited: {}", w, status.describe());
            releaseUnusedSockets();
            return;
        }
        if (!started) {
            // The first workers could not start (bad root, engine = io_uring without io_uring, ...):
            // their own log lines say why; respawning would only repeat them.
            log.error("{} exited before serving ({}); stopping", w, status.describe());
            exitCode = 1;
            stop(Signals.SIGINT, EXIT_MARGIN_MS, "fast");
            return;
        }
        if (w.generation == reloading) {
            abandonReload(w + " exited before all new workers served (" + status.describe() + ")");
            return;
        }
        setCount(restarts, w.index, count(restarts, w.index) + 1);
        long livedMs = System.currentTimeMillis() - w.startedMs;
        int quick = livedMs < QUICK_DEATH_MS || !w.ready ? quickDeaths(w.index) + 1 : 0;
        setQuickDeaths(w.index, quick);
        long delayMs = quick <= 1 ? 0 : Math.min(RESPAWN_DELAY_MAX_MS, RESPAWN_DELAY_FIRST_MS << Math.min(quick - 2, 16));
        if (delayMs == 0) {
            log.warn("{} {}; starting another", w, exitedHow(status));
            spawn(w.index, generation, config);
        } else {
            log.warn("{} {} ({} quick deaths in a row); starting another in {} ms", w, exitedHow(status), quick, delayMs);
            int index = w.index;
            int gen = generation;
            timer.schedule(() -> events.add(new Event.Respawn(index, gen)), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private static String exitedHow(WaitStatus status) {
        return status.signaled() ? "was " + status.describe() : "exited with " + status.describe();
    }

    // ------------------------------------------------------------------ reload

    private void reload() {
        if (stopping) {
            return;
        }
        if (reloading != 0) {
            log.warn("SIGHUP: a reload is already under way; ignored");
            return;
        }
        if (!started) {
            log.warn("SIGHUP: the first workers are still starting; ignored (send it again once they serve)");
            return;
        }
        log.info("SIGHUP: reloading {}", config.configFile());
        ServerConfig next;
        try {
            next = ConfigLoader.load(config.configFile(), config.sets());
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                log.error("reload: {}", error.format());
            }
            log.error("reload failed: the configuration has errors; still serving with the previous one");
            return;
        }
        if (!next.master()) {
            log.warn("reload: master = off takes effect at the next start; ignored");
        }
        if (!next.pidFile().equals(config.pidFile())) {
            log.warn("reload: a new pid-file ({}) takes effect at the next start", next.pidFile());
        }
        if (!checkAccount(next)) {
            log.error("reload failed; still serving with the previous configuration");
            return;
        }
        try {
            sockets.ensure(next);
        } catch (IOException e) {
            log.error("reload failed: {}; still serving with the previous configuration", e.getMessage());
            return;
        }
        nextConfig = next;
        reloading = ++lastGeneration;
        for (int i = 0; i < next.workers(); i++) {
            spawn(i, reloading, next);
        }
        int gen = reloading;
        timer.schedule(() -> events.add(new Event.ReadyTimeout(gen)), READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /** The new generation failed: the old workers go on serving, the new ones stop. */
    private void abandonReload(String why) {
        log.error("reload failed: {}; still serving with the previous configuration", why);
        for (WorkerHandle w : workers) {
            if (w.generation == reloading) {
                w.retiring = true;
                Processes.kill(w.pid, Signals.SIGINT);
            }
        }
        nextConfig = null;
        reloading = 0;
        releaseUnusedSockets();
    }

    /**
     * Closes the sockets no configuration in use needs (a reload dropped an address or workers),
     * once no retiring worker is left: it still holds copies, and closing the master's would let
     * the kernel reset connections that worker has not accepted yet.
     */
    private void releaseUnusedSockets() {
        for (WorkerHandle w : workers) {
            if (w.retiring) {
                return;
            }
        }
        sockets.retainOnly(nextConfig == null ? List.of(config) : List.of(config, nextConfig));
    }

    // ------------------------------------------------------------------ workers

    private void spawn(int index, int gen, ServerConfig workerConfig) {
        int[][] fds = sockets.forWorker(workerConfig, index);
        int listenCount = fds.length * workerConfig.listen().size();
        int[] pair = new int[2];
        int rc = Processes.socketpair(pair);
        if (rc < 0) {
            log.error("worker {}: cannot create its control socket: {}", index, Errno.describe(rc));
            scheduleRespawn(index, gen);
            return;
        }
        int firstSlot = takeSlots(fds.length);
        int[] childFds = new int[listenCount + (firstSlot >= 0 ? 2 : 1)];
        int k = 0;
        for (int[] loop : fds) {
            for (int fd : loop) {
                childFds[k++] = fd;
            }
        }
        childFds[k] = pair[1];
        if (firstSlot >= 0) {
            childFds[k + 1] = metrics.fd();
        }
        List<String> argv = WorkerCommand.argv(workerConfig, index, listenCount,
                metrics != null ? metrics.slotCount() : 0, firstSlot);
        int pid = Processes.spawn(argv.getFirst(), argv, WorkerCommand.environment(), childFds);
        FdStreams.close(pair[1]);
        if (pid < 0) {
            FdStreams.close(pair[0]);
            log.error("worker {}: cannot start {}: {}", index, argv.getFirst(), Errno.describe(pid));
            retireSlots(firstSlot, fds.length);
            scheduleRespawn(index, gen);
            return;
        }
        WorkerHandle w = new WorkerHandle(index, gen, pid, pair[0], System.currentTimeMillis());
        w.firstSlot = firstSlot;
        w.slotCount = fds.length;
        workers.add(w);
        publishWorkerStatus();
        log.info("{} started (engine {}, generation {})", w, workerConfig.engineOfWorker(index).configName(), gen);
        Thread.ofPlatform().daemon().name("control-" + pid).start(() -> readControl(w));
    }

    /** {@code count} consecutive free metrics slots, marked used; -1 when metrics are off or none are free. */
    private int takeSlots(int count) {
        if (metrics == null) {
            return -1;
        }
        for (int first = 0; first + count <= slotUsed.length; first++) {
            boolean free = true;
            for (int i = first; i < first + count && free; i++) {
                free = !slotUsed[i];
            }
            if (free) {
                for (int i = first; i < first + count; i++) {
                    slotUsed[i] = true;
                }
                return first;
            }
        }
        log.warn("no free metrics slot for {} loop(s): this worker publishes no metrics", count);
        return -1;
    }

    private void retireSlots(int first, int count) {
        if (first < 0) {
            return;
        }
        List<SlotSnapshot> finals = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            SlotSnapshot s = metrics.read(i);
            if (s != null) {
                finals.add(s);
            }
            slotUsed[i] = false;
        }
        aggregator.retire(finals);
    }

    /**
     * An early return of {@link #run()}, before any worker: releases everything opened so far (the
     * listen sockets, the metrics memfd and its mapping, the endpoint's socket and thread, the timer),
     * so that a caller in the same JVM (tests) is left with no fd of this master.
     */
    private void closeEarly() {
        timer.shutdownNow();
        closeMetrics();
        sockets.close();
    }

    /** The endpoint's part of uring-httpd.metrics (also for {@link SingleProcess}). */
    static EndpointSettings endpointSettings(ServerConfig.Metrics metrics) {
        return new EndpointSettings(metrics.listen().host(), metrics.listen().port(), metrics.path());
    }

    private void closeMetrics() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }

    private void scheduleRespawn(int index, int gen) {
        if (gen == reloading) {
            abandonReload("worker " + index + " of the new configuration could not be started");
            return;
        }
        if (!started) {
            exitCode = 1;
            stop(Signals.SIGINT, EXIT_MARGIN_MS, "fast");
            return;
        }
        timer.schedule(() -> events.add(new Event.Respawn(index, gen)), RESPAWN_DELAY_MAX_MS, TimeUnit.MILLISECONDS);
    }

    /** Reads a worker's control socket: "ready ENGINE" once it serves, EOF when it exits. */
    private void readControl(WorkerHandle w) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(FdStreams.input(w.controlFd), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith(Worker.READY + " ")) {
                    events.add(new Event.Ready(w, line.substring(Worker.READY.length() + 1).strip()));
                }
            }
        } catch (IOException e) {
            log.debug("{}: control socket: {}", w, e.getMessage());
        }
    }

    /** Posts every child's exit (waitpid on any child, so none stays a zombie). */
    private void reap() {
        while (!Thread.currentThread().isInterrupted()) {
            WaitStatus status = Processes.waitpid(-1, false);
            if (status == null || status.pid() == -Errno.EINTR) {
                continue;
            }
            if (status.pid() < 0) {
                // ECHILD: no child at this moment (between a death and its respawn).
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            events.add(new Event.Exited(status));
        }
    }

    /**
     * user/group: meaningful only when the master runs as root (it opens the sockets, workers
     * switch before serving), as nginx's {@code user}; otherwise ignored with a warning.
     */
    private static boolean checkAccount(ServerConfig config) {
        String user = config.processes().user();
        String group = config.processes().group();
        if (user.isEmpty()) {
            if (!group.isEmpty()) {
                log.warn("group = {} is ignored without user", group);
            }
            return true;
        }
        if (Privileges.euid() != 0) {
            log.warn("user = {} is ignored: the master is not running as root (workers run as the master's user)", user);
            return true;
        }
        if (Privileges.user(user).isEmpty()) {
            log.error("user = {}: no such user", user);
            return false;
        }
        if (!group.isEmpty() && Privileges.group(group).isEmpty()) {
            log.error("group = {}: no such group", group);
            return false;
        }
        return true;
    }

    // ------------------------------------------------------------------ small helpers

    private boolean allReady(int gen) {
        int ready = 0;
        for (WorkerHandle w : workers) {
            if (w.generation == gen && w.ready) {
                ready++;
            }
        }
        return ready == (gen == reloading ? nextConfig : config).workers();
    }

    private String engines(int gen) {
        List<String> engines = new ArrayList<>();
        for (WorkerHandle w : workers) {
            if (w.generation == gen && !engines.contains(w.engine)) {
                engines.add(w.engine);
            }
        }
        return String.join("+", engines);
    }

    private String pids(int gen) {
        List<String> pids = new ArrayList<>();
        for (WorkerHandle w : workers) {
            if (w.generation == gen) {
                pids.add(w.index + ":" + w.pid + " " + w.engine);
            }
        }
        return String.join(", ", pids);
    }

    private int quickDeaths(int index) {
        return count(quickDeaths, index);
    }

    private void setQuickDeaths(int index, int value) {
        setCount(quickDeaths, index, value);
    }

    private void publishWorkerStatus() {
        List<WorkerStatus> now = new ArrayList<>();
        for (WorkerHandle w : workers) {
            now.add(new WorkerStatus(w.index, w.pid, w.engine, w.generation, w.startedMs, count(restarts, w.index), w.ready));
        }
        workerStatus = List.copyOf(now);
    }

    private static int count(List<Integer> perIndex, int index) {
        return index < perIndex.size() ? perIndex.get(index) : 0;
    }

    private static void setCount(List<Integer> perIndex, int index, int value) {
        while (perIndex.size() <= index) {
            perIndex.add(0);
        }
        perIndex.set(index, value);
    }
}
