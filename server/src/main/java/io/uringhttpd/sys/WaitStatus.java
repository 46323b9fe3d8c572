package io.uringhttpd.sys;

/**
 * What waitpid(2) reported for one child: its pid and the raw status word, decoded with the
 * macros of glibc's bits/waitstatus.h. A failed waitpid is a {@code pid} of {@code -errno}
 * (e.g. {@code -ECHILD}: no such child, or it was already reaped) with {@code raw} 0.
 *
 * <p>Only exit and death by signal occur: {@link Processes#waitpid} passes neither WUNTRACED
 * nor WCONTINUED, so stopped/continued statuses are never reported.
 */
public record WaitStatus(int pid, int raw) {
    /** WIFEXITED: low 7 bits zero (the child called exit or returned from main). */
    public boolean exited() {
        return pid > 0 && (raw & 0x7f) == 0;
    }

    /** WEXITSTATUS: bits 8..15, meaningful when {@link #exited()}. */
    public int exitCode() {
        return (raw >> 8) & 0xff;
    }

    /** WIFSIGNALED: low 7 bits hold a signal number (0x7f would mean "stopped"). */
    public boolean signaled() {
        return pid > 0 && ((byte) ((raw & 0x7f) + 1) >> 1) > 0;
    }

    /** WTERMSIG, meaningful when {@link #signaled()}. */
    public int termSignal() {
        return raw & 0x7f;
    }

    /** WCOREDUMP: bit 7, with {@link #signaled()}. */
    public boolean coreDumped() {
        return signaled() && (raw & 0x80) != 0;
    }

    /** For logs: {@code "exit status 1"}, {@code "killed by SIGKILL"}, {@code "waitpid failed: ECHILD (...)"}. */
    public String describe() {
        if (pid < 0) {
            return "waitpid failed: " + Errno.describe(pid);
        }
        if (exited()) {
            return "exit status " + exitCode();
        }
        if (signaled()) {
            return "killed by " + Signals.name(termSignal()) + (coreDumped() ? " (core dumped)" : "");
        }
        return "status 0x" + Integer.toHexString(raw);
    }
}
