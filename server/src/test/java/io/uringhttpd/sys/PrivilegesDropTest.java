package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Privileges.drop in a child JVM spawned with Processes.spawn, never in the test JVM itself
 * (which could not get root back). Root only: as anyone else setgroups fails with EPERM.
 */
class PrivilegesDropTest {
    private static final int NOBODY = 65534;
    private static final long CHILD_TIMEOUT_MS = 60_000;

    @Test
    @Timeout(120)
    void dropSwitchesEveryThreadOfTheProcess() throws Exception {
        assumeTrue(Privileges.euid() == 0, "needs root: dropping privileges needs CAP_SETUID/CAP_SETGID");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> argv = List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:-UsePerfData", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), PrivilegesDropChild.class.getName(),
                Integer.toString(NOBODY), Integer.toString(NOBODY));
        int[] pipe = ChildProcesses.pipe();
        int pid = Processes.spawn(java, argv, List.of("PATH=/usr/bin:/bin"), new int[] {pipe[1]});
        ChildProcesses.close(pipe[1]);
        assertThat(pid).isPositive();
        String output;
        try {
            output = ChildProcesses.readUntilEof(pipe[0], pid, CHILD_TIMEOUT_MS);
        } finally {
            ChildProcesses.close(pipe[0]);
        }
        assertThat(ChildProcesses.waitFor(pid, CHILD_TIMEOUT_MS).describe()).as(output).isEqualTo("exit status 0");

        List<String> lines = Arrays.asList(output.split("\n"));
        assertThat(lines).startsWith("drop 0", "again " + -Errno.EPERM, "ids 65534 65534");
        List<String> tasks = lines.stream().filter(l -> l.startsWith("task ")).toList();
        // The JVM's own threads (GC, JIT compilers, VM thread, ...) and ours.
        assertThat(tasks).hasSizeGreaterThan(5);
        assertThat(tasks).anyMatch(t -> t.contains("|parked-thread|"));
        assertThat(tasks).allSatisfy(task -> assertThat(task)
                .endsWith("|65534 65534 65534 65534|65534 65534 65534 65534|65534"));
    }
}
