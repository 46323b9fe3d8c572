package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** getrusage(RUSAGE_THREAD) says what /proc/self/task/TID says of the calling thread. */
class RusageTest {
    private static long status(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/task/" + Processes.gettid() + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).strip());
            }
        }
        throw new AssertionError(field + " not in status");
    }

    @Test
    void theCallingThreadsCpuAndContextSwitches() throws Exception {
        Thread.sleep(20); // a voluntary switch at least
        long busyUntil = System.nanoTime() + 50_000_000L;
        while (System.nanoTime() < busyUntil) {
            Thread.onSpinWait();
        }
        Syscalls sys = new Syscalls();
        MemorySegment usageMemory = NativeMemory.allocate(Arena.ofAuto(), Rusage.BYTES); // kept reachable below
        long usage = usageMemory.address();
        assertThat(sys.getrusage(Rusage.RUSAGE_THREAD, usage)).isZero(); // links the downcall first
        long voluntaryBefore = status("voluntary_ctxt_switches");
        long involuntaryBefore = status("nonvoluntary_ctxt_switches");
        long cpuBeforeNs = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        assertThat(sys.getrusage(Rusage.RUSAGE_THREAD, usage)).isZero();
        long cpuAfterNs = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        assertThat(sys.counts.getrusage).isEqualTo(2);
        long voluntaryAfter = status("voluntary_ctxt_switches");

        assertThat(Rusage.voluntarySwitches(usage)).isPositive()
                .isBetween(voluntaryBefore, voluntaryAfter);
        assertThat(Rusage.involuntarySwitches(usage)).isGreaterThanOrEqualTo(involuntaryBefore);
        long cpuMicros = Rusage.userMicros(usage) + Rusage.systemMicros(usage);
        java.lang.ref.Reference.reachabilityFence(usageMemory);
        // The JVM's own figure for this thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), read just
        // before and after: the kernel splits the same runtime into user and system.
        assertThat(cpuMicros).isGreaterThan(40_000).isBetween(cpuBeforeNs / 1000 - 1000, cpuAfterNs / 1000 + 1000);
    }
}
