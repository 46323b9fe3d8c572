package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The ring's per-operation paths must not allocate (hot path rule): nextSqe, the prep helpers,
 * submitAndWait (both forms), CQ iteration and the buffer ring's add/publish. Measured with
 * the JVM's per-thread allocation counter after warm-up, so the loops run JIT-compiled.
 *
 * <p>Each loop makes ONE io_uring_enter per iteration, as an event loop does. Why that matters
 * (found with -XX:+LogCompilation on JDK 25.0.3): FFM's errno capture slices the capture
 * segment on every call ({@code SharedUtils.checkCaptureSegment} -> {@code asSlice}), which
 * costs nothing only while C2 inlines the whole downcall and scalar-replaces the slice. In a
 * compile unit that has grown past C2's NodeCountInliningCutoff (here: a loop body with two
 * enters and 16 SQE preps), the second downcall was inlined only in part
 * ({@code asSliceNoCheck} left out) and allocated one 40-byte segment per call. Keep the
 * loop's per-iteration body small, with one enter call site.
 */
class IoUringNoAllocationTest {
    /** Many short rounds: the round methods themselves get compiled, not only their loops (OSR). */
    private static final int WARMUP_ROUNDS = 100;
    private static final int ITERATIONS = 2_000;
    private static final int BATCH = 16;
    private static final int MEASURED_ROUNDS = 3;

    @Test
    void submitAndCompletionPathsAllocateNothing() {
        Syscalls sys = new Syscalls();
        IoUringProbe probe = IoUringProbe.run(sys);
        Assumptions.assumeTrue(probe.available(), probe.summary());
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (IoUring ring = IoUring.setup(sys, 64, probe.setupFlags());
                BufferRing buffers = BufferRing.register(ring, 1, 8, 64)) {
            long sink = 0;
            for (int i = 0; i < WARMUP_ROUNDS; i++) {
                sink += batchRound(ring, buffers) + timeoutRound(ring);
            }
            long enters = sys.counts.ioUringEnter;
            long batchBytes = Long.MAX_VALUE;
            long timeoutBytes = Long.MAX_VALUE;
            // the best of a few rounds: a round that ran partly in not yet recompiled code says
            // nothing about the steady state; an allocation there would show in every round
            for (int r = 0; r < MEASURED_ROUNDS; r++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                sink += batchRound(ring, buffers);
                long middle = threads.getCurrentThreadAllocatedBytes();
                sink += timeoutRound(ring);
                long after = threads.getCurrentThreadAllocatedBytes();
                batchBytes = Math.min(batchBytes, middle - before);
                timeoutBytes = Math.min(timeoutBytes, after - middle);
            }
            assertThat(sink).isNotZero();
            assertThat(sys.counts.ioUringEnter - enters).isEqualTo(2L * ITERATIONS * MEASURED_ROUNDS);
            // a few hundred bytes of slack for the counter's own bookkeeping; one allocation per
            // enter would be >= 16 bytes x 2 000
            assertThat(batchBytes).as("bytes allocated by %d NOPs", (long) BATCH * ITERATIONS).isLessThan(1024);
            assertThat(timeoutBytes).as("bytes allocated by %d waits with a timeout", ITERATIONS).isLessThan(1024);
        }
    }

    /** 16 SQEs filled, one submitAndWait, the CQ drained, a buffer given back. */
    private static long batchRound(IoUring ring, BufferRing buffers) {
        long sink = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            for (int j = 0; j < BATCH; j++) {
                long sqe = ring.nextSqe();
                // fill fields a real request would, then make it a NOP the kernel completes at once
                Sqe.prepSend(sqe, 3, sqe, 64, SocketConstants.MSG_NOSIGNAL, ((long) i << 32) | j);
                Sqe.prepRw(sqe, IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, ((long) i << 32) | j);
            }
            sink += ring.submitAndWait(BATCH);
            sink += drain(ring);
            // no recv runs, so the kernel never reads these entries: add/publish are just stores
            buffers.add(i & 7);
            buffers.publish();
        }
        return sink;
    }

    /** The EXT_ARG form: one NOP, then a wait bounded by a timeout. */
    private static long timeoutRound(IoUring ring) {
        long sink = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            Sqe.prepRw(ring.nextSqe(), IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, i);
            sink += ring.submitAndWait(1, 1_000_000L);
            sink += drain(ring);
        }
        return sink;
    }

    private static long drain(IoUring ring) {
        long sink = 0;
        int ready = ring.cqReady();
        for (int k = 0; k < ready; k++) {
            long cqe = ring.cqeAddress(k);
            sink += Cqe.userData(cqe) + Cqe.res(cqe) + Cqe.flags(cqe) + Cqe.bufferId(Cqe.flags(cqe)) + 1;
        }
        ring.cqAdvance(ready);
        return sink;
    }
}
