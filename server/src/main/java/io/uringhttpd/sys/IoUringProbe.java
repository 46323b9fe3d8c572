package io.uringhttpd.sys;

import static io.uringhttpd.sys.IoUringConstants.IORING_OP_ACCEPT;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_ASYNC_CANCEL;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_RECV;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_SEND;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_SEND_ZC;
import static io.uringhttpd.sys.IoUringConstants.IORING_OP_SPLICE;
import static io.uringhttpd.sys.IoUringConstants.IORING_REGISTER_PROBE;
import static io.uringhttpd.sys.IoUringConstants.IORING_SEND_ZC_REPORT_USAGE;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_COOP_TASKRUN;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_NO_SQARRAY;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_SINGLE_ISSUER;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_SUBMIT_ALL;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_TASKRUN_FLAG;
import static io.uringhttpd.sys.IoUringConstants.IO_URING_OP_SUPPORTED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * What io_uring offers on this machine, found out once at startup (on the calling thread) and
 * logged as one line ({@link #summary}).
 *
 * <p>{@link #run(Syscalls)} tries the setup flag sets of {@link #defaultSetupCandidates()} in
 * order, best first, moving on only when the kernel answers EINVAL (it does not know a flag);
 * any other errno (EPERM, ENOSYS, ENOMEM...) means io_uring is unusable and is kept as the
 * {@link #reason}. On the ring it got, it reads IORING_REGISTER_PROBE (which opcodes exist)
 * and checks what the probe cannot tell by preparing requests on fd -1: a kernel that
 * knows a flag fails them with -EBADF at issue time, one that does not with -EINVAL at prep
 * time (multishot accept: 5.19; multishot recv: 6.0; SEND_ZC_REPORT_USAGE: 6.2). It also
 * registers and drops a one-entry provided-buffer ring (5.19).
 *
 * @param available        io_uring_setup worked with one of the candidates
 * @param reason           why not ("" when available): the errno and what to do
 * @param errno            io_uring_setup's errno when not available, else 0
 * @param setupFlags       the first candidate the kernel accepted
 * @param features         IORING_FEAT_* bits
 * @param lastOp           io_uring_probe.last_op (-1 if the probe failed: kernel < 5.6)
 * @param supportedOps     opcodes flagged IO_URING_OP_SUPPORTED (a copy)
 * @param multishotAccept  IORING_ACCEPT_MULTISHOT accepted
 * @param multishotRecv    IORING_RECV_MULTISHOT accepted
 * @param bufferRing       IORING_REGISTER_PBUF_RING works
 * @param sendZcReportUsage IORING_SEND_ZC_REPORT_USAGE accepted
 * @param ringFdRegistered IORING_REGISTER_RING_FDS worked
 * @param ioUringDisabled  /proc/sys/kernel/io_uring_disabled (0, 1, 2), -1 when absent (kernel < 6.6)
 * @param kernelRelease    /proc/sys/kernel/osrelease
 * @param fallbacks        candidates refused before the accepted one, as "FLAGS: EINVAL"
 */
public record IoUringProbe(
        boolean available,
        String reason,
        int errno,
        int setupFlags,
        int features,
        int lastOp,
        BitSet supportedOps,
        boolean multishotAccept,
        boolean multishotRecv,
        boolean bufferRing,
        boolean sendZcReportUsage,
        boolean ringFdRegistered,
        int ioUringDisabled,
        String kernelRelease,
        List<String> fallbacks) {

    /** struct io_uring_probe: u8 last_op, u8 ops_len, u16 resv, u32 resv2[3], then ops[]. */
    private static final long PROBE_HEADER_BYTES = 16;
    /** struct io_uring_probe_op: u8 op, u8 resv, u16 flags, u32 resv2. */
    private static final long PROBE_OP_BYTES = 8;
    /** last_op is a u8: 256 entries cover any kernel. */
    private static final int PROBE_OPS = 256;
    private static final int PROBE_RING_ENTRIES = 8;
    /** A group id no one else uses during the probe (its own ring anyway). */
    private static final int PROBE_BUFFER_GROUP = 0xFFFF;
    private static final long PROBE_WAIT_NS = 1_000_000_000L;

    public IoUringProbe {
        supportedOps = (BitSet) supportedOps.clone();
        fallbacks = List.copyOf(fallbacks);
    }

    /** A copy: the record stays immutable. */
    @Override
    public BitSet supportedOps() {
        return (BitSet) supportedOps.clone();
    }

    /** Whether the kernel implements {@code opcode} (IORING_OP_*). */
    public boolean supports(int opcode) {
        return supportedOps.get(opcode);
    }

    /**
     * Setup flag sets, best first: DEFER_TASKRUN runs completion work only when the loop asks
     * (measured 20-25 % less CPU per request than a plain ring, docs/kernel.md#io_uring-ring-setup);
     * NO_SQARRAY (6.6)
     * drops the SQ index array; COOP_TASKRUN | TASKRUN_FLAG (5.19) at least avoids IPIs; plain
     * works everywhere (5.1). SUBMIT_ALL (5.18) keeps one bad SQE from stalling a batch.
     */
    public static int[] defaultSetupCandidates() {
        int best = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL;
        return new int[] {
            best | IORING_SETUP_NO_SQARRAY,
            best,
            IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL,
            0,
        };
    }

    /** Probes with {@link #defaultSetupCandidates()}. */
    public static IoUringProbe run(Syscalls sys) {
        return run(sys, defaultSetupCandidates());
    }

    /** Probes with the given setup flag sets, tried in order (EINVAL moves to the next). */
    public static IoUringProbe run(Syscalls sys, int... setupCandidates) {
        int disabled = readInt("/proc/sys/kernel/io_uring_disabled");
        String release = readLine("/proc/sys/kernel/osrelease");
        List<String> fallbacks = new ArrayList<>();
        IoUring ring = null;
        IoUringException failure = null;
        for (int flags : setupCandidates) {
            try {
                ring = IoUring.setup(sys, PROBE_RING_ENTRIES, flags);
                break;
            } catch (IoUringException e) {
                failure = e;
                if (e.errno() != Errno.EINVAL) {
                    break;
                }
                fallbacks.add(IoUringConstants.setupFlagNames(flags) + ": " + Errno.name(e.errno()));
            }
        }
        if (ring == null) {
            int errno = failure == null ? Errno.EINVAL : failure.errno();
            String reason = (failure == null ? "no setup flags to try" : failure.getMessage())
                    + disabledNote(errno, disabled);
            return new IoUringProbe(false, reason, errno, 0, 0, -1, new BitSet(), false, false, false, false,
                    false, disabled, release, fallbacks);
        }
        try (IoUring r = ring) {
            BitSet ops = new BitSet();
            int lastOp = probeOps(r, ops);
            int[] results = prepChecks(r);
            boolean bufferRing;
            try (BufferRing b = BufferRing.register(r, PROBE_BUFFER_GROUP, 1, 64)) {
                bufferRing = b.entries() == 1;
            } catch (IoUringException e) {
                bufferRing = false;
            }
            return new IoUringProbe(true, "", 0, r.setupFlags(), r.features(), lastOp, ops,
                    accepted(results[0]), accepted(results[1]), bufferRing, accepted(results[2]),
                    r.ringFdRegistered(), disabled, release, fallbacks);
        }
    }

    /** IORING_REGISTER_PROBE into {@code ops}; returns last_op, or -1 when the kernel has no probe. */
    private static int probeOps(IoUring ring, BitSet ops) {
        try (Arena arena = Arena.ofConfined()) {
            long probe = arena.allocate(PROBE_HEADER_BYTES + PROBE_OPS * PROBE_OP_BYTES, 8).address();
            if (ring.register(IORING_REGISTER_PROBE, probe, PROBE_OPS) < 0) {
                return -1;
            }
            int lastOp = NativeMemory.getByte(probe) & 0xFF;
            int opsLength = NativeMemory.getByte(probe + 1) & 0xFF;
            for (int i = 0; i < opsLength; i++) {
                long op = probe + PROBE_HEADER_BYTES + i * PROBE_OP_BYTES;
                if ((NativeMemory.getShort(op + 2) & IO_URING_OP_SUPPORTED) != 0) {
                    ops.set(NativeMemory.getByte(op) & 0xFF);
                }
            }
            return lastOp;
        }
    }

    /**
     * Multishot accept, multishot recv and SEND_ZC with REPORT_USAGE on fd -1: the results
     * (-EBADF: flag known; -EINVAL: not), in that order.
     */
    private static int[] prepChecks(IoUring ring) {
        long sqe = ring.nextSqe();
        Sqe.prepAcceptMultishot(sqe, -1, 0, 0);
        sqe = ring.nextSqe();
        Sqe.prepRecvMultishot(sqe, -1, PROBE_BUFFER_GROUP, 0, 1);
        sqe = ring.nextSqe();
        Sqe.prepSendZc(sqe, -1, 0L, 0, 0, IORING_SEND_ZC_REPORT_USAGE, 2);
        int[] results = {-Errno.EINVAL, -Errno.EINVAL, -Errno.EINVAL};
        int seen = 0;
        // Bounded: each request fails at once; the timeout only guards against a surprise.
        for (int attempt = 0; attempt < 4 && seen < results.length; attempt++) {
            int r = ring.submitAndWait(results.length - seen, PROBE_WAIT_NS);
            if (r < 0 && r != -Errno.ETIME && r != -Errno.EINTR) {
                break;
            }
            int ready = ring.cqReady();
            for (int i = 0; i < ready; i++) {
                long cqe = ring.cqeAddress(i);
                long userData = Cqe.userData(cqe);
                // SEND_ZC posts a notification (F_NOTIF) after its result, even for -EBADF
                if (userData >= 0 && userData < results.length
                        && (Cqe.flags(cqe) & IoUringConstants.IORING_CQE_F_NOTIF) == 0) {
                    results[(int) userData] = Cqe.res(cqe);
                    seen++;
                }
            }
            ring.cqAdvance(ready);
        }
        return results;
    }

    /** -EBADF (no such fd) or -ENOBUFS (no buffer group): the kernel got past the flag checks. */
    private static boolean accepted(int res) {
        return res == -Errno.EBADF || res == -Errno.ENOBUFS;
    }

    private static String disabledNote(int errno, int disabled) {
        if (errno != Errno.EPERM) {
            return "";
        }
        return switch (disabled) {
            case 2 -> "; kernel.io_uring_disabled=2 turns io_uring off for every process: "
                    + "sysctl -w kernel.io_uring_disabled=0";
            case 1 -> "; kernel.io_uring_disabled=1 allows io_uring only to CAP_SYS_ADMIN and to the group in "
                    + "kernel.io_uring_group: add the user to it or sysctl -w kernel.io_uring_disabled=0";
            case 0 -> "; kernel.io_uring_disabled=0, so a seccomp filter refuses it (Docker >= 25 and "
                    + "containerd defaults do): allow io_uring_setup, io_uring_enter and io_uring_register "
                    + "in the container's seccomp profile";
            default -> "";
        };
    }

    /**
     * What the proactor engine needs and this kernel lacks ("" when nothing): multishot
     * accept, multishot recv with a provided-buffer ring, SEND and ASYNC_CANCEL.
     */
    public String missingForServer() {
        if (!available) {
            return "io_uring";
        }
        List<String> missing = new ArrayList<>();
        if (!supports(IORING_OP_ACCEPT) || !multishotAccept) {
            missing.add("multishot ACCEPT (kernel 5.19)");
        }
        if (!supports(IORING_OP_RECV) || !multishotRecv) {
            missing.add("multishot RECV (kernel 6.0)");
        }
        if (!bufferRing) {
            missing.add("provided-buffer rings (kernel 5.19)");
        }
        if (!supports(IORING_OP_SEND) || !supports(IORING_OP_ASYNC_CANCEL)) {
            missing.add("SEND/ASYNC_CANCEL");
        }
        return String.join(", ", missing);
    }

    /** One log line: what works, the chosen setup flags, what was refused, or why nothing works. */
    public String summary() {
        StringBuilder b = new StringBuilder("io_uring ");
        if (!available) {
            b.append("unavailable (kernel ").append(kernelRelease).append("): ").append(reason);
            return b.toString();
        }
        b.append("available (kernel ").append(kernelRelease).append("): setup ")
                .append(IoUringConstants.setupFlagNames(setupFlags));
        if (!fallbacks.isEmpty()) {
            b.append(" (refused: ").append(String.join(", ", fallbacks)).append(')');
        }
        b.append("; ops up to ").append(lastOp < 0 ? "? (no probe)" : IoUringConstants.opcodeName(lastOp) + " (" + lastOp + ")")
                .append(": SEND_ZC ").append(yesNo(supports(IORING_OP_SEND_ZC)))
                .append(", zc usage report ").append(yesNo(sendZcReportUsage))
                .append(", SPLICE ").append(yesNo(supports(IORING_OP_SPLICE)))
                .append(", multishot accept ").append(yesNo(multishotAccept))
                .append(", multishot recv ").append(yesNo(multishotRecv))
                .append(", buffer ring ").append(yesNo(bufferRing))
                .append(", registered ring fd ").append(yesNo(ringFdRegistered))
                .append("; features ").append(IoUringConstants.featureNames(features));
        String missing = missingForServer();
        if (!missing.isEmpty()) {
            b.append("; missing for the server: ").append(missing);
        }
        return b.toString();
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    private static int readInt(String path) {
        String line = readLine(path);
        try {
            return Integer.parseInt(line);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String readLine(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException | SecurityException e) {
            return "?";
        }
    }
}
