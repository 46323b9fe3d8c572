package io.uringhttpd.process;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Processes;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The command line of a worker: the master's own JVM (same java binary, same JVM options, same
 * class path, so a worker runs exactly the code and settings its master runs), the main class,
 * the master's config file and --set overrides, and the hidden worker options naming the fds the
 * worker inherits (listen sockets at fd 3.., then its control socket).
 */
public final class WorkerCommand {
    public static final String WORKER = "--worker";
    public static final String WORKER_FDS = "--worker-fds";
    public static final String CONTROL_FD = "--control-fd";
    /** Logback's pattern prints this before the thread name (logback.xml), so workers' lines say whose they are. */
    static final String LOG_PROCESS_PROPERTY = "uringhttpd.log.process";

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
        List<String> argv = new ArrayList<>();
        argv.add(java());
        boolean nativeAccess = false;
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // A debugger's agent would fight its master for the same port.
            if (option.startsWith("-agentlib:jdwp") || option.startsWith("-Xrunjdwp")) {
                continue;
            }
            nativeAccess |= option.startsWith("--enable-native-access");
            argv.add(option);
        }
        if (!nativeAccess) {
            // `java -jar` takes it from the manifest (Enable-Native-Access); a worker is started with -cp.
            argv.add(NATIVE_ACCESS);
        }
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
        return argv;
    }

    /** The master's environment, as "NAME=value" strings. */
    static List<String> environment() {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        return env;
    }
}
