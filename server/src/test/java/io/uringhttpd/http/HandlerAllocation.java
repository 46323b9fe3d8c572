package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

/**
 * Runs requests through a {@link StaticFileHandler} as a loop does (its tick every 100 requests) and
 * measures the bytes the thread allocates, after rounds that let C2 compile the path.
 */
final class HandlerAllocation {
    static final int REQUESTS = 20_000;
    static final int BUFFER_BYTES = 16384;

    private HandlerAllocation() {
    }

    /**
     * Checks each request's status once, then returns the bytes allocated by {@link #REQUESTS}
     * requests (cycling through {@code requests}) in the first of rounds 7-15 that allocates nothing,
     * or the last round's.
     */
    static long measure(StaticFileHandler handler, NativeText mem, String[] requests, int[] statuses, long nowMs) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ConnectionHttpState st = handler.newConnectionState();
        ResponsePlan plan = handler.newPlan();
        long out = mem.allocate(BUFFER_BYTES).address();
        long[] addresses = new long[requests.length];
        long now = nowMs;
        handler.tick(now);
        for (int i = 0; i < requests.length; i++) {
            addresses[i] = mem.put(requests[i]);
            handle(handler, st, addresses[i], requests[i], out, plan, now);
            assertThat(NativeText.read(out, plan.headLength)).as(requests[i]).startsWith("HTTP/1.1 " + statuses[i]);
            plan.releaseFile();
            plan.reset();
        }
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 15 && allocated != 0; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < REQUESTS; i++) {
                if (i % 100 == 0) {
                    handler.tick(++now);
                }
                int k = i % requests.length;
                handle(handler, st, addresses[k], requests[k], out, plan, now);
                plan.releaseFile();
                plan.reset();
            }
            if (round > 5) {
                allocated = threads.getCurrentThreadAllocatedBytes() - before;
            }
        }
        return allocated;
    }

    private static void handle(StaticFileHandler handler, ConnectionHttpState st, long address, String request, long out,
                               ResponsePlan plan, long now) {
        int n = handler.handle(st, address, request.length(), out, BUFFER_BYTES, plan, now);
        if (n <= 0 || !plan.hasResponse) {
            throw new AssertionError("no response to " + request);
        }
    }
}
