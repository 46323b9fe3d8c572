package io.uringhttpd.process;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signal handlers for the master, the workers and the single process (master = off). sun.misc.Signal (module jdk.unsupported) is
 * the JDK's only way to handle a signal without native code; the JVM runs the action on its
 * "Signal Dispatcher" thread, so actions only post work or flip flags. SIGQUIT is left to the
 * JVM (thread dumps): docs/architecture.md#signals, docs/kernel.md#signals-and-processes.
 */
public final class SignalHandlers {
    private static final Logger log = LoggerFactory.getLogger(SignalHandlers.class);

    private SignalHandlers() {
    }

    /** Runs {@code action} on each {@code name} signal (e.g. "TERM"); a signal the JVM keeps is logged, not fatal. */
    public static void on(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
        } catch (IllegalArgumentException e) {
            // -Xrs, or a signal the JVM keeps for itself.
            log.warn("SIG{} cannot be handled here: {}", name, e.getMessage());
        }
    }
}
