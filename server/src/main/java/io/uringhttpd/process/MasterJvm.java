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
 * The master's own JVM options. Started with none (plain {@code java -jar}, how the README runs it),
 * a JVM sizes itself for a server: G1, a heap of a quarter of the machine's memory, two JIT compilers;
 * a master that only supervises and answers /metrics then holds ~104 MiB PSS (bench/RESULTS.md#footprint).
 * So a master started bare executes itself once more with master-java-options, before it opens
 * anything: execve(2), so the pid stays the one the user (or systemd, or the shell) started. A master
 * started with options of its own (the launcher, JAVA_OPTS in the image, JAVA_TOOL_OPTIONS) keeps them.
 */
public final class MasterJvm {
    /** Set on the re-executed JVM: it must not execute itself again. */
    static final String APPLIED_PROPERTY = "uringhttpd.master-java-options.applied";
    private static final Logger log = LoggerFactory.getLogger(MasterJvm.class);

    private MasterJvm() {
    }

    /** Whether this JVM is the one re-executed with master-java-options. */
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

    /** The argv of the master again: its java, master-java-options, its -D properties, its class path and {@code args}. */
    static List<String> argv(ServerConfig config, List<String> inputArguments, String classPath, String[] args) {
        List<String> argv = new ArrayList<>();
        argv.add(WorkerCommand.java());
        argv.addAll(config.processes().masterJavaOptions());
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
     * Replaces this JVM with one running master-java-options, when this one was started bare and
     * the configuration has some. Returns when it did not (or could not: one warning saying why).
     */
    public static void reexecIfStartedBare(ServerConfig config, String[] args) {
        List<String> input = ManagementFactory.getRuntimeMXBean().getInputArguments();
        if (applied() || config.processes().masterJavaOptions().isEmpty() || !startedBare(input)) {
            return;
        }
        List<String> argv = argv(config, input, System.getProperty("java.class.path"), args);
        System.out.flush();
        System.err.flush();
        int rc = Processes.exec(argv.getFirst(), argv, WorkerCommand.environment());
        log.warn("could not run the master with master-java-options ({}): it goes on with the JVM's defaults,"
                + " a larger resident set; set JVM options on the command line (e.g. the ./uring-httpd launcher)"
                + " or master-java-options = [] to silence this", Errno.describe(rc));
    }
}
