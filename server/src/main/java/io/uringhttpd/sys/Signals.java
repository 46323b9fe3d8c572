package io.uringhttpd.sys;

/**
 * Signal numbers for x86_64 Linux, spelled as in C: include/uapi/asm-generic/signal.h
 * (x86 uses the same numbers in arch/x86/include/uapi/asm/signal.h). Checked against Debian
 * 12's glibc 2.36 headers with a C program (and sigabbrev_np for the names).
 */
public final class Signals {
    /** Controlling terminal hung up; by convention "reload the configuration" for daemons. */
    public static final int SIGHUP = 1;
    /** Ctrl-C: the terminal sends it to the whole foreground process group. */
    public static final int SIGINT = 2;
    /** Ctrl-\; by nginx's convention "graceful shutdown". */
    public static final int SIGQUIT = 3;
    /** Cannot be caught, blocked or ignored. */
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGUSR2 = 12;
    public static final int SIGPIPE = 13;
    public static final int SIGTERM = 15;
    /** Sent to the parent when a child exits (or stops/continues); default action: ignore. */
    public static final int SIGCHLD = 17;

    /** Names of signals 1..31 (index = number); real-time signals 32..64 have none here. */
    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    };

    private Signals() {
    }

    /** The C name, e.g. {@code "SIGTERM"}; unknown or real-time numbers give {@code "signal 42"}. */
    public static String name(int signal) {
        if (signal > 0 && signal < NAMES.length) {
            return NAMES[signal];
        }
        return "signal " + signal;
    }
}
