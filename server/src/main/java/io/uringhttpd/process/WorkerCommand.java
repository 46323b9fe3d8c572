package io.uringhttpd.process;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.log.StderrLogConfigurator;
import io.uringhttpd.sys.Processes;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The command line of a worker: the master's own java binary and class path (a worker runs
 * exactly the code its master runs) with worker-java-options and the master's -D properties, the main class,
 * the master's config file and --set overrides, and the hidden worker options naming the fds the
 * worker inherits (listen sockets at fd 3.., then its control socket).
 */
public final class WorkerCommand {
    public static final String WORKER = "--worker";
    public static final String WORKER_FDS = "--worker-fds";
    public static final String CONTROL_FD = "--control-fd";
    /** The inherited metrics memfd, its slot count, and the worker's first slot (docs/architecture.md#metrics-path). */
    public static final String METRICS_FD = "--metrics-fd";
    public static final String METRICS_SLOTS = "--metrics-slots";
    public static final String METRICS_SLOT = "--metrics-slot";
    /** The log pattern prints this before the thread name, so workers' lines say whose they are. */
    static final String LOG_PROCESS_PROPERTY = StderrLogConfigurator.PROCESS_PROPERTY;

    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private WorkerCommand() {
    }

    static String java() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * argv of worker {@code index} (argv[0] = java) for {@code listenFdCount} listen sockets.
     */
    static List<String> argv(ServerConfig config, int index, int listenFdCount) {
        return argv(config, index, listenFdCount, 0, -1);
    }

    /**
     * With metrics: the memfd is inherited as the fd after the control socket
     * ({@code FIRST_CHILD_FD + listenFdCount + 1}); {@code firstSlot} < 0: no metrics.
     */
    static List<String> argv(ServerConfig config, int index, int listenFdCount, int metricsSlots, int firstSlot) {
        List<String> argv = new ArrayList<>();
        argv.add(java());
        argv.addAll(config.processes().workerJavaOptions());
        argv.addAll(WorkerClassArchive.jvmOptions(config.processes()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // Only system properties carry over (e.g. -Dlogback.configurationFile): the master's
            // heap and collector flags may even conflict with worker-java-options.
            if (option.startsWith("-D")) {
                argv.add(option);
            }
        }
        // `java -jar` takes it from the manifest (Enable-Native-Access); a worker is started with -cp.
        argv.add(NATIVE_ACCESS);
        argv.add("-D" + LOG_PROCESS_PROPERTY + "=worker-" + index + " ");
        argv.add("-cp");
        argv.add(System.getProperty("java.class.path"));
        argv.add("io.uringhttpd.Main");
        argv.add("--config");
        argv.add(config.configFile().toString());
        for (String set : config.sets()) {
            argv.add("--set");
            argv.add(set);
        }
        StringJoiner fds = new StringJoiner(",");
        for (int i = 0; i < listenFdCount; i++) {
            fds.add(Integer.toString(Processes.FIRST_CHILD_FD + i));
        }
        argv.add(WORKER);
        argv.add(Integer.toString(index));
        argv.add(WORKER_FDS);
        argv.add(fds.toString());
        argv.add(CONTROL_FD);
        argv.add(Integer.toString(Processes.FIRST_CHILD_FD + listenFdCount));
        if (firstSlot >= 0) {
            argv.add(METRICS_FD);
            argv.add(Integer.toString(Processes.FIRST_CHILD_FD + listenFdCount + 1));
            argv.add(METRICS_SLOTS);
            argv.add(Integer.toString(metricsSlots));
            argv.add(METRICS_SLOT);
            argv.add(Integer.toString(firstSlot));
        }
        return argv;
    }

    /**
     * The master's environment, as "NAME=value" strings, with MALLOC_ARENA_MAX=2 unless set:
     * glibc gives each thread that mallocs its own 64 MiB arena (JIT compiler threads do), and
     * their touched pages stay resident; two arenas cut a worker's RSS by several MiB (measured).
     */
    static List<String> environment() {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        if (System.getenv("MALLOC_ARENA_MAX") == null) {
            env.add("MALLOC_ARENA_MAX=2");
        }
        return env;
    }
}
