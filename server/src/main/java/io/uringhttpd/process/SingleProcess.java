package io.uringhttpd.process;

import io.uringhttpd.Server;
import io.uringhttpd.Version;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.metrics.MetricsAggregator;
import io.uringhttpd.metrics.MetricsEndpoint;
import io.uringhttpd.metrics.MetricsFile;
import io.uringhttpd.metrics.WorkerStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole server with {@code master = off}: {@code loops-per-worker} loops as threads of this
 * one process, which also writes the pid file, handles the signals and serves the metrics
 * endpoint. Here rather than in {@link Server}, so that Server (used by the workers too) depends
 * on nothing of this package.
 */
public final class SingleProcess {
    private static final Logger log = LoggerFactory.getLogger(SingleProcess.class);

    private SingleProcess() {
    }

    /**
     * Runs the server until the JVM is asked to stop; returns the exit code.
     *
     * <p>SIGTERM (what Docker, Kubernetes and systemd send) stops gracefully: {@link Server#retire} with
     * shutdown-idle-grace and shutdown-timeout (nginx's QUIT). SIGINT (Ctrl-C) stops at once
     * (nginx's TERM/INT). Both end with exit status 0, as nginx does: left to the JVM's default
     * handlers they would start the shutdown hooks and end the process with 128+signal (143, 130),
     * which supervisors report as a failure.
     */
    public static int run(ServerConfig config) {
        Server server;
        MetricsFile metrics = null;
        try {
            // This process's loops publish into its own metrics file (slots 0..loops-1),
            // and the process serves the endpoint itself.
            metrics = config.metrics().enabled() ? MetricsFile.create(MetricsFile.slotsFor(config.loopsPerWorker())) : null;
            server = Server.start(config, metrics);
        } catch (IOException | IllegalStateException e) {
            log.error("cannot start: {}", e.getMessage());
            if (metrics != null) {
                metrics.close();
            }
            return 1;
        }
        MetricsEndpoint endpoint = null;
        if (metrics != null) {
            try {
                // The workers table's one row: this process, serving as worker 0.
                List<WorkerStatus> self = List.of(new WorkerStatus(0, ProcessHandle.current().pid(),
                        server.loops().getFirst().engine(), 1, ProcessHandle.current().info().startInstant()
                                .map(Instant::toEpochMilli).orElse(System.currentTimeMillis()), 0, true));
                endpoint = MetricsEndpoint.start(Master.endpointSettings(config.metrics()),
                        new MetricsAggregator(metrics::snapshots), () -> self, "0");
            } catch (IOException e) {
                log.error("cannot start: {}", e.getMessage());
                close(server, null, metrics);
                return 1;
            }
        }
        MetricsFile metricsFile = metrics;
        MetricsEndpoint metricsEndpoint = endpoint;
        try {
            PidFile.write(config.pidFile());
        } catch (IOException e) {
            log.error("cannot write pid-file {}: {}", config.pidFile(), e.getMessage());
            close(server, metricsEndpoint, metricsFile);
            return 1;
        }
        // The bound ports, so that a configured port 0 shows the port actually chosen.
        int[] ports = server.loops().getFirst().localPorts();
        List<ServerConfig.ListenAddress> listening = new ArrayList<>();
        for (int i = 0; i < config.listen().size(); i++) {
            listening.add(new ServerConfig.ListenAddress(config.listen().get(i).host(), ports[i]));
        }
        log.info("uring-httpd {} started: engine {}, listen {}, root {}, loops {}, pid {}", Version.get(),
                server.loops().getFirst().engine(), listening, config.root(), server.loops().size(),
                ProcessHandle.current().pid());
        CountDownLatch stopped = new CountDownLatch(1);
        // Other ways out of the JVM (SIGHUP, a System.exit elsewhere) still stop the loops and remove the pid file.
        Thread hook = new Thread(() -> {
            log.info("stopping");
            close(server, metricsEndpoint, metricsFile);
            PidFile.delete(config.pidFile());
            stopped.countDown();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        AtomicBoolean signalled = new AtomicBoolean();
        long idleGraceMs = config.processes().shutdownIdleGraceMs();
        long timeoutMs = config.processes().shutdownTimeoutMs();
        SignalHandlers.on("TERM", () -> {
            log.info("SIGTERM: stopping gracefully (connections get up to {} ms, idle ones {} ms)", timeoutMs, idleGraceMs);
            signalled.set(true);
            server.retire(idleGraceMs, timeoutMs);
        });
        SignalHandlers.on("INT", () -> {
            log.info("SIGINT: stopping");
            signalled.set(true);
            server.stop();
        });
        SignalHandlers.on("USR1", server::reopenLogs);
        // Left to the JVM, SIGHUP (-s reload) would end the process.
        SignalHandlers.on("HUP", () -> log.warn("SIGHUP: reloading needs master = on; ignored"));
        server.awaitLoops();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
        close(server, metricsEndpoint, metricsFile);
        PidFile.delete(config.pidFile());
        if (signalled.get()) {
            log.info("stopped");
            return 0;
        }
        // The loops ended on their own (an error): leave without waiting for a signal.
        return 1;
    }

    /** The loops first: they write into the metrics file until they have stopped. */
    private static void close(Server server, MetricsEndpoint endpoint, MetricsFile metrics) {
        server.close();
        if (endpoint != null) {
            endpoint.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
