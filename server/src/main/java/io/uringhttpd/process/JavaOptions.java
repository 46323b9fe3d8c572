package io.uringhttpd.process;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.Processes;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM options of the process the user started. Started with none (plain {@code java -jar}, how the
 * README runs it), a JVM sizes itself for a big server: G1, a heap of a quarter of the machine's memory,
 * two JIT compilers; a master that only supervises and answers /metrics then holds ~104 MiB PSS
 * (bench/RESULTS.md#footprint). So a process started bare executes itself once more with the options
 * of its role, before it opens anything: master-java-options for a master, worker-java-options for a
 * single process (master = off: it serves like a worker). execve(2), so the pid stays the one the user
 * (or systemd, or the shell) started. A process started with options of its own (JAVA_OPTS in the
 * image or for the launcher, JAVA_TOOL_OPTIONS) keeps them.
 */
public final class JavaOptions {
    /** Set on the re-executed JVM: it must not execute itself again. */
    static final String APPLIED_PROPERTY = "uringhttpd.java-options.applied";
    private static final Logger log = LoggerFactory.getLogger(JavaOptions.class);

    private JavaOptions() {
    }

    /** Whether this JVM is the one re-executed with the options of its role. */
    public static boolean applied() {
        return System.getProperty(APPLIED_PROPERTY) != null;
    }

    /**
     * Whether JVM options came with the command line: anything but system properties and
     * --enable-native-access (which an image or a service file may pass with no sizing in mind).
     */
    static boolean startedBare(List<String> inputArguments) {
        for (String a : inputArguments) {
            if (!a.startsWith("-D") && !a.startsWith("--enable-native-access")) {
                return false;
            }
        }
        return true;
    }

    /** master-java-options for a master, worker-java-options for a single process. */
    static List<String> optionsOfRole(ServerConfig config) {
        return config.master() ? config.processes().masterJavaOptions() : config.processes().workerJavaOptions();
    }

    /** A master also maps the workers' class archive, when there is one it may trust. */
    private static List<String> archiveOptions(ServerConfig config) {
        return config.master() ? WorkerClassArchive.masterJvmOptions(config.processes()) : List.of();
    }

    /**
     * The argv of this process again: its java, the options of its role and {@code archiveOptions},
     * its -D properties, its class path and {@code args}.
     */
    static List<String> argv(ServerConfig config, List<String> archiveOptions, List<String> inputArguments,
            String classPath, String[] args) {
        List<String> argv = new ArrayList<>();
        argv.add(WorkerCommand.java());
        argv.addAll(optionsOfRole(config));
        argv.addAll(archiveOptions);
        for (String a : inputArguments) {
            if (a.startsWith("-D")) {
                argv.add(a);
            }
        }
        argv.add("-D" + APPLIED_PROPERTY + "=true");
        argv.add("--enable-native-access=ALL-UNNAMED"); // from the jar's manifest under -jar, not with -cp
        argv.add("-cp");
        argv.add(classPath);
        argv.add("io.uringhttpd.Main");
        argv.addAll(List.of(args));
        return argv;
    }

    /**
     * Replaces this JVM with one running the options of its role, when this one was started bare and
     * the configuration has some. Returns when it did not (or could not: one warning saying why).
     */
    public static void reexecIfStartedBare(ServerConfig config, String[] args) {
        List<String> input = ManagementFactory.getRuntimeMXBean().getInputArguments();
        if (applied()) {
            if (!config.master()) { // a master says so when it starts its workers
                log.info("running with worker-java-options (started without JVM options)");
            }
            return;
        }
        if (optionsOfRole(config).isEmpty() || !startedBare(input)) {
            return;
        }
        List<String> argv = argv(config, archiveOptions(config), input, System.getProperty("java.class.path"), args);
        System.out.flush();
        System.err.flush();
        int rc = Processes.exec(argv.getFirst(), argv, WorkerCommand.environment());
        log.warn("could not run again with {} ({}): going on with the JVM's defaults, a larger resident set;"
                + " set JVM options on the command line (JAVA_OPTS for ./uring-httpd) or {} = [] to silence this",
                config.master() ? "master-java-options" : "worker-java-options", Errno.describe(rc),
                config.master() ? "master-java-options" : "worker-java-options");
    }
}
