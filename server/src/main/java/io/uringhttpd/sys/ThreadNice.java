package io.uringhttpd.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The nice value of the calling thread. POSIX makes it a process attribute, but on Linux (NPTL)
 * it is per thread: setpriority(2) with PRIO_PROCESS and who = 0 changes only the caller (man 2
 * setpriority, BUGS). Java thread priorities do nothing on Linux by default (ThreadPriorityPolicy=0),
 * so a background thread that must yield to the event loops lowers itself here.
 */
public final class ThreadNice {
    /** sys/resource.h */
    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle SETPRIORITY = Downcalls.withErrno("setpriority",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    private ThreadNice() {
    }

    /**
     * Sets the calling thread's nice value (raising it needs no privilege; lowering it below the
     * current one needs CAP_SYS_NICE). Returns 0, or -errno.
     */
    public static int set(int nice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Downcalls.captureState(arena);
            return Downcalls.result((int) SETPRIORITY.invokeExact(capture, PRIO_PROCESS, 0, nice), capture);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
