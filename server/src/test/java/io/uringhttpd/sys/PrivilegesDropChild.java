package io.uringhttpd.sys;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Main class of the child JVM that {@link PrivilegesDropTest} spawns (as root): drops to
 * {@code args[0]}/{@code args[1]}, then reports on fd 3 (opened before the drop) the result, a
 * second drop back to root (must fail), and the Uid/Gid/Groups of every thread.
 */
public final class PrivilegesDropChild {
    private PrivilegesDropChild() {
    }

    public static void main(String[] args) throws Exception {
        int uid = Integer.parseInt(args[0]);
        int gid = Integer.parseInt(args[1]);
        try (PrintStream out = new PrintStream(new FileOutputStream("/proc/self/fd/3"), true, UTF_8)) {
            // A thread of our own, alive and parked across the drop, besides the JVM's GC/JIT threads.
            CountDownLatch started = new CountDownLatch(1);
            Thread parked = Thread.ofPlatform().daemon().name("parked-thread").start(() -> {
                started.countDown();
                LockSupport.park();
            });
            started.await();

            out.println("drop " + Privileges.drop(uid, gid));
            out.println("again " + Privileges.drop(0, 0));
            out.println("ids " + Privileges.uid() + " " + Privileges.euid());
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    List<String> status = Files.readAllLines(task.resolve("status"));
                    out.println("task " + task.getFileName() + "|" + value(status, "Name") + "|" + value(status, "Uid")
                            + "|" + value(status, "Gid") + "|" + value(status, "Groups"));
                }
            }
            LockSupport.unpark(parked);
        }
    }

    private static String value(List<String> status, String key) {
        for (String line : status) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).strip().replaceAll("\\s+", " ");
            }
        }
        return "?";
    }
}
