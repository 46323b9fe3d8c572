// CPU time and allocation of the access log per line, on one thread, without a server or a
// client: what bench/access-log-cost.sh measures end to end, isolated (and steadier on a busy
// machine: thread CPU time is the thread's own, write(2) included). The line is the one wrk's
// requests make ("GET /1k.bin HTTP/1.1" 200 1024, no Referer or User-Agent); 64 KiB buffer.
// Run with JDK 25's source launcher, the jar on the class path, pinned to one CPU:
//   taskset -c 1 java --enable-native-access=ALL-UNNAMED -cp server/target/uring-httpd.jar \
//     bench/AccessLogLineCost.java /var/tmp/access-cost.log [LINES_PER_ROUND=2000000] [ROUNDS=6]
// The file is emptied after each round; the first rounds include JIT compilation.

import io.uringhttpd.log.AccessLog;
import io.uringhttpd.log.AccessLogSettings;
import io.uringhttpd.log.AccessLogWriter;
import io.uringhttpd.sys.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

public class AccessLogLineCost {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int lines = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] target = "/1k.bin".getBytes(StandardCharsets.US_ASCII);
        MemorySegment targetMemory = Arena.global().allocate(target.length);
        targetMemory.copyFrom(MemorySegment.ofArray(target));
        byte[] peer = {127, 0, 0, 1};
        byte[] get = "GET".getBytes(StandardCharsets.US_ASCII);
        try (AccessLog log = AccessLog.open(new AccessLogSettings(true, file, 64 * 1024, 1000))) {
            AccessLogWriter w = log.newWriter(new Syscalls());
            for (int round = 0; round < rounds; round++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long allocated = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < lines; i++) {
                    if ((i & 15) == 0) {   // a loop ticks once per wakeup; under wrk -c64 a wakeup holds several requests
                        w.tick(System.currentTimeMillis());
                    }
                    w.log(peer, 4, get, targetMemory.address(), target.length, 1, 200, 1024, 0, -1, 0, -1);
                }
                cpu = threads.getCurrentThreadCpuTime() - cpu;
                allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
                System.out.printf("round %d: %.1f ns CPU per line, %d bytes allocated in %d lines, %d lost%n",
                        round, cpu / (double) lines, allocated, lines, w.linesLost());
                Files.write(file, new byte[0]);   // the fd appends (O_APPEND): it writes at the new end
            }
        }
        Files.deleteIfExists(file);
    }
}
