// Allocation report from a JFR recording, focused on the event-loop threads.
// Run with JDK 25's source launcher (no build step):
//   java bench/JfrAlloc.java RECORDING.jfr [THREAD_PREFIX=loop-] [REQUESTS=0] [TOP=15]
//
// Two sources, because they answer different questions:
// - jdk.ThreadAllocationStatistics: the exact bytes each thread has allocated so
//   far (emitted at the start and the end of the recording with settings=profile);
//   the difference is what the thread allocated during the recording.
// - jdk.ObjectAllocationSample: throttled samples (300/s in profile.jfc) whose
//   weight estimates the bytes allocated since the previous sample, with a stack
//   trace: where the allocations come from.
// A loop thread that allocates nothing per request shows a delta near 0 bytes
// and no samples at all.

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

public final class JfrAlloc {

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java JfrAlloc.java RECORDING.jfr [THREAD_PREFIX=loop-] [REQUESTS=0] [TOP=15]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        String prefix = args.length > 1 ? args[1] : "loop-";
        long requests = args.length > 2 ? Long.parseLong(args[2]) : 0;
        int top = args.length > 3 ? Integer.parseInt(args[3]) : 15;

        Map<String, long[]> allocatedMinMax = new HashMap<>();   // thread -> {min, max, observations}
        Map<String, Long> sampledByThread = new HashMap<>();
        Map<String, Long> loopByTopFrame = new HashMap<>();
        Map<String, Long> loopByAppFrame = new HashMap<>();
        Map<String, Long> loopByClass = new HashMap<>();
        long loopSampled = 0, loopSamples = 0, gcCount = 0, gcNanos = 0;

        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            switch (e.getEventType().getName()) {
                case "jdk.ThreadAllocationStatistics" -> {
                    String t = name(e.getThread("thread"));
                    long allocated = e.getLong("allocated");
                    long[] mm = allocatedMinMax.computeIfAbsent(t, k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0});
                    mm[0] = Math.min(mm[0], allocated);
                    mm[1] = Math.max(mm[1], allocated);
                    mm[2]++;
                }
                case "jdk.ObjectAllocationSample" -> {
                    String t = name(e.getThread("eventThread"));
                    long weight = e.getLong("weight");
                    sampledByThread.merge(t, weight, Long::sum);
                    if (t.startsWith(prefix)) {
                        loopSampled += weight;
                        loopSamples++;
                        loopByClass.merge(e.getClass("objectClass").getName(), weight, Long::sum);
                        RecordedStackTrace st = e.getStackTrace();
                        List<RecordedFrame> frames = st == null ? List.of() : st.getFrames();
                        loopByTopFrame.merge(frames.isEmpty() ? "(no stack)" : frame(frames.get(0)), weight, Long::sum);
                        String app = "(no io.uringhttpd frame)";
                        for (RecordedFrame f : frames) {
                            if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith("io.uringhttpd.")) {
                                app = frame(f);
                                break;
                            }
                        }
                        loopByAppFrame.merge(app, weight, Long::sum);
                    }
                }
                case "jdk.GarbageCollection" -> {
                    gcCount++;
                    gcNanos += e.getDuration().toNanos();
                }
                default -> { }
            }
        }

        System.out.printf("recording: %s%n", file);
        System.out.printf("event-loop threads: names starting with \"%s\"%n%n", prefix);

        System.out.println("Bytes allocated during the recording, per thread (jdk.ThreadAllocationStatistics, exact):");
        long loopExact = 0;
        int loopThreads = 0;
        List<Map.Entry<String, long[]>> byDelta = new ArrayList<>(allocatedMinMax.entrySet());
        byDelta.sort((a, b) -> Long.compare(b.getValue()[1] - b.getValue()[0], a.getValue()[1] - a.getValue()[0]));
        int shown = 0;
        for (Map.Entry<String, long[]> en : byDelta) {
            long delta = en.getValue()[1] - en.getValue()[0];
            boolean loop = en.getKey().startsWith(prefix);
            // A thread seen once (started or ended inside the recording) has no delta.
            String note = en.getValue()[2] < 2 ? "   (seen once: not alive for the whole recording)" : "";
            if (loop) {
                loopExact += delta;
                loopThreads++;
            }
            if (loop || shown < top) {
                System.out.printf("  %-40s %,16d B%s%s%n", en.getKey(), delta, loop ? "   <- event loop" : "", note);
                if (!loop) shown++;
            }
        }
        if (loopThreads == 0) {
            System.out.printf("  (no thread named %s* had allocation statistics: is the prefix right?)%n", prefix);
        }
        System.out.printf("%nEvent-loop threads: %,d B allocated in total (exact)", loopExact);
        if (requests > 0) System.out.printf(", %.3f B per request over %,d requests", (double) loopExact / requests, requests);
        System.out.println();
        System.out.printf("Event-loop threads: %,d B sampled weight in %,d jdk.ObjectAllocationSample events", loopSampled, loopSamples);
        if (requests > 0) System.out.printf(", %.3f B per request", (double) loopSampled / requests);
        System.out.println();
        System.out.printf("Garbage collections during the recording: %d (%.1f ms in total)%n", gcCount, gcNanos / 1e6);

        if (loopSamples > 0) {
            printTop("Top allocating frames on the event-loop threads (sampled weight):", loopByTopFrame, top);
            printTop("First io.uringhttpd frame of those stacks:", loopByAppFrame, top);
            printTop("Allocated classes on the event-loop threads:", loopByClass, top);
        }
        printTop("Sampled allocation weight by thread (all threads, for context):", sampledByThread, top);
    }

    private static String name(RecordedThread t) {
        if (t == null) return "(unknown)";
        String n = t.getJavaName();
        return n != null ? n : t.getOSName() != null ? t.getOSName() : "(unnamed)";
    }

    private static String frame(RecordedFrame f) {
        String m = f.getMethod().getType().getName() + "." + f.getMethod().getName();
        int line = f.getLineNumber();
        return line > 0 ? m + ":" + line : m;
    }

    private static void printTop(String title, Map<String, Long> m, int top) {
        System.out.printf("%n%s%n", title);
        m.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .forEach(en -> System.out.printf("  %,16d B  %s%n", en.getValue(), en.getKey()));
    }
}
