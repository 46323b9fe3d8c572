package io.uringhttpd.process;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.Processes;
import io.uringhttpd.sys.Signals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * {@code -s reload|stop|quit|reopen}: signals the master named in the configuration's pid-file,
 * as {@code nginx -s} does. The JVM keeps SIGQUIT (thread dumps), so the graceful stop nginx
 * sends as QUIT is TERM here, and the fast one INT.
 */
public final class ControlCommand {
    public enum Action {
        RELOAD(Signals.SIGHUP), STOP(Signals.SIGINT), QUIT(Signals.SIGTERM), REOPEN(Signals.SIGUSR1);

        final int signal;

        Action(int signal) {
            this.signal = signal;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private ControlCommand() {
    }

    /**
     * Sends {@code action}'s signal to the running master.
     *
     * @return null when sent, else the one-line reason it was not
     */
    public static String send(ServerConfig config, Action action) {
        Path pidFile = config.pidFile();
        OptionalInt pid;
        try {
            pid = PidFile.read(pidFile);
        } catch (IOException e) {
            return "cannot read pid-file: " + e.getMessage();
        }
        if (pid.isEmpty()) {
            return "no uring-httpd is running: pid-file " + pidFile + " does not exist";
        }
        int p = pid.getAsInt();
        // A stale pid-file may name a pid the kernel has since given to another program.
        String cmdline = cmdline(p);
        if (cmdline == null) {
            return "no uring-httpd is running: pid " + p + " from " + pidFile + " is not running (stale pid-file)";
        }
        if (!cmdline.contains("uring-httpd") && !cmdline.contains("io.uringhttpd")) {
            return "pid " + p + " from " + pidFile + " is not uring-httpd (" + cmdline.strip() + "); nothing sent";
        }
        int rc = Processes.kill(p, action.signal);
        if (rc < 0) {
            return "cannot signal pid " + p + ": " + Errno.describe(rc);
        }
        return null;
    }

    /** /proc/PID/cmdline with NULs as spaces, or null when there is no such process. */
    private static String cmdline(int pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return null;
        }
    }
}
