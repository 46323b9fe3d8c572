package io.uringhttpd;

import io.uringhttpd.config.ConfigError;
import io.uringhttpd.config.ConfigException;
import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.process.ControlCommand;
import io.uringhttpd.process.Master;
import io.uringhttpd.process.JavaOptions;
import io.uringhttpd.process.SingleProcess;
import io.uringhttpd.process.Worker;
import io.uringhttpd.process.WorkerCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line. Exit codes: 0 ok, 1 configuration errors (or the server's own failure code),
 * 2 bad command line. Every error goes to stderr as one line starting with "uring-httpd: error: ".
 */
@Command(name = "uring-httpd", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        sortOptions = false, usageHelpWidth = 100,
        description = "A Linux HTTP/1.1 static file server (epoll and io_uring engines).",
        footer = {"", "Examples:",
                "  uring-httpd --config config/uring-httpd.conf",
                "  uring-httpd -t --set uring-httpd.master=off --set 'uring-httpd.listen=[\"0.0.0.0:8080\"]'",
                "  uring-httpd --config config/uring-httpd.conf -s reload",
                ""})
public final class Main implements Callable<Integer> {
    static final String PREFIX = "uring-httpd: error: ";
    static final int EXIT_CONFIG = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "config/uring-httpd.conf",
            description = "Configuration file (HOCON), default: ${DEFAULT-VALUE}")
    private Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", converter = SetConverter.class,
            description = "Overrides a key after the file is read; VALUE is a HOCON value. Repeatable, the last wins.")
    private List<String> sets = new ArrayList<>();

    @Option(names = {"-t", "--test"}, description = "Check the configuration and exit (0 ok, 1 errors).")
    private boolean test;

    @Option(names = "-s", paramLabel = "SIGNAL",
            description = "Signal the running master (from the config's pid-file): reload, stop (fast), quit (graceful), reopen (log files).")
    private ControlCommand.Action signal;

    // Worker processes: started by the master only (Master, WorkerCommand), so not in --help.
    @Option(names = WorkerCommand.WORKER, hidden = true)
    private Integer workerIndex;

    @Option(names = WorkerCommand.WORKER_FDS, hidden = true, split = ",")
    private int[] workerFds;

    @Option(names = WorkerCommand.CONTROL_FD, hidden = true)
    private int controlFd = -1;

    @Option(names = WorkerCommand.METRICS_FD, hidden = true)
    private int metricsFd = -1;

    @Option(names = WorkerCommand.METRICS_SLOTS, hidden = true)
    private int metricsSlots;

    @Option(names = WorkerCommand.METRICS_SLOT, hidden = true)
    private int metricsSlot = -1;

    private PrintStream out;
    private PrintStream err;
    private boolean serverRan;
    /** The command line, kept for a master that executes itself again (JavaOptions). */
    private String[] args = new String[0];
    /** Started by main(), the process's own entry: only then may the master replace the process. */
    private boolean processEntry;

    private Main() {}

    public static void main(String[] args) {
        Main main = new Main();
        main.processEntry = true;
        int code = main.run(args, System.out, System.err);
        // After the server returns, non-daemon threads (log writers, a stopping loop) must not keep the JVM alive.
        if (code != 0 || main.serverRan) {
            System.exit(code);
        }
    }

    /** Runs the command line as main would, without System.exit; returns the exit code. */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        return new Main().run(args, out, err);
    }

    private int run(String[] args, PrintStream out, PrintStream err) {
        this.args = args.clone();
        this.out = out;
        this.err = err;
        CommandLine cmd = new CommandLine(this);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setExpandAtFiles(false);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((e, a) -> {
            err.println(PREFIX + oneLine(e.getMessage()) + " (try --help)");
            err.flush();
            return EXIT_USAGE;
        });
        int code = cmd.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        ServerConfig config;
        try {
            config = ConfigLoader.load(configFile, sets);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(PREFIX + oneLine(error.format()));
            }
            return EXIT_CONFIG;
        }
        if (test) {
            out.println("configuration ok");
            return 0;
        }
        if (signal != null) {
            String failure = ControlCommand.send(config, signal);
            if (failure != null) {
                err.println(PREFIX + failure);
                return EXIT_CONFIG;
            }
            return 0;
        }
        serverRan = true;
        if (workerIndex != null) {
            return Worker.run(config, workerIndex, workerFds, controlFd, metricsFd, metricsSlots, metricsSlot);
        }
        if (processEntry) {
            JavaOptions.reexecIfStartedBare(config, args);
        }
        return config.master() ? Master.run(config) : SingleProcess.run(config);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"uring-httpd " + Version.get()};
        }
    }

    static final class SetConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (value.indexOf('=') <= 0) {
                throw new CommandLine.TypeConversionException("expected KEY=VALUE, got '" + value + "'");
            }
            return value;
        }
    }
}
