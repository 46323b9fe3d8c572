package io.uringhttpd.sys;

import static io.uringhttpd.sys.IoUringConstants.IORING_CQE_F_BUFFER;
import static io.uringhttpd.sys.IoUringConstants.IORING_CQE_F_MORE;
import static io.uringhttpd.sys.IoUringConstants.IORING_CQE_F_NOTIF;
import static io.uringhttpd.sys.IoUringConstants.IORING_ENTER_GETEVENTS;
import static io.uringhttpd.sys.IoUringConstants.IORING_ENTER_REGISTERED_RING;
import static io.uringhttpd.sys.IoUringConstants.IORING_NOTIF_USAGE_ZC_COPIED;
import static io.uringhttpd.sys.IoUringConstants.IORING_SEND_ZC_REPORT_USAGE;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_COOP_TASKRUN;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_DEFER_TASKRUN;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_SINGLE_ISSUER;
import static io.uringhttpd.sys.IoUringConstants.IORING_SETUP_TASKRUN_FLAG;
import static io.uringhttpd.sys.IoUringConstants.IOSQE_IO_LINK;
import static io.uringhttpd.sys.SocketConstants.AF_INET;
import static io.uringhttpd.sys.SocketConstants.MSG_NOSIGNAL;
import static io.uringhttpd.sys.SocketConstants.MSG_WAITALL;
import static io.uringhttpd.sys.SocketConstants.SOCK_CLOEXEC;
import static io.uringhttpd.sys.SocketConstants.SOCK_NONBLOCK;
import static io.uringhttpd.sys.SocketConstants.SOCK_STREAM;
import static io.uringhttpd.sys.SocketConstants.SOL_SOCKET;
import static io.uringhttpd.sys.SocketConstants.SO_REUSEADDR;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The io_uring binding against the real kernel: every test sets up its own ring with the
 * probe's best flags on the test thread (JUnit's SAME_THREAD timeout mode keeps
 * {@code @BeforeEach}, the test and {@code @AfterEach} on one thread, as SINGLE_ISSUER needs).
 * Skipped, with the probe's reason, where io_uring is unavailable (e.g. Docker's seccomp).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IoUringTest {
    private static final long WAIT_NS = 100_000_000L;
    private static final long DEADLINE_NS = 10_000_000_000L;

    private static IoUringProbe probe;

    private final Syscalls sys = new Syscalls();
    private IoUring ring;
    private Arena arena;
    private long buffer;
    private int listenFd = -1;

    record Completion(long userData, int res, int flags) {
        boolean more() {
            return (flags & IORING_CQE_F_MORE) != 0;
        }
    }

    @BeforeAll
    static void probe() {
        probe = IoUringProbe.run(new Syscalls());
        System.out.println(probe.summary());
        Assumptions.assumeTrue(probe.available(), probe.summary());
    }

    @BeforeEach
    void setUp() {
        ring = IoUring.setup(sys, 64, probe.setupFlags());
        arena = Arena.ofConfined();
        buffer = NativeMemory.allocate(arena, 1 << 20).address();
    }

    @AfterEach
    void tearDown() {
        ring.close();
        if (listenFd >= 0) {
            sys.close(listenFd);
        }
        arena.close();
    }

    @Test
    void nopRoundTripKeepsEvery64BitUserData() {
        long[] userData = {0L, 1L, -1L, 0xDEAD_BEEF_CAFE_BABEL, Long.MIN_VALUE, Long.MAX_VALUE};
        for (long u : userData) {
            Sqe.prepRw(ring.nextSqe(), IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, u);
        }
        assertThat(ring.submitAndWait(userData.length)).isEqualTo(userData.length);
        assertThat(ring.cqReady()).isEqualTo(userData.length);
        List<Completion> got = drain();
        assertThat(got).extracting(Completion::userData).containsExactly(Arrays.stream(userData).boxed().toArray(Long[]::new));
        assertThat(got).allSatisfy(c -> {
            assertThat(c.res()).isZero();
            assertThat(c.flags()).isZero();
        });
        assertThat(ring.cqReady()).isZero();
        assertThat(sys.counts.ioUringEnter).isEqualTo(1);
    }

    static IntStream flagSets() {
        return IntStream.concat(Arrays.stream(IoUringProbe.defaultSetupCandidates()),
                IntStream.of(IoUringConstants.IORING_SETUP_SQPOLL,
                        IoUringConstants.IORING_SETUP_SQPOLL | IORING_SETUP_SINGLE_ISSUER));
    }

    /** Every candidate of the probe (SQ index array or not, deferred task work or not) and SQPOLL. */
    @ParameterizedTest
    @MethodSource("flagSets")
    void indicesWrapAroundUnderEveryFlagSet(int flags) {
        IoUring small;
        try {
            small = IoUring.setup(sys, 8, flags);
        } catch (IoUringException e) {
            Assumptions.assumeTrue(e.errno() != Errno.EINVAL && e.errno() != Errno.EPERM, e.getMessage());
            throw e;
        }
        try (small) {
            long next = 0;
            for (int round = 0; round < 10; round++) {
                int batch = 3 + round % 6; // 3..8: head and tail wrap at different points
                for (int i = 0; i < batch; i++) {
                    Sqe.prepRw(small.nextSqe(), IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, next + i);
                }
                assertThat(small.submitAndWait(batch)).as(IoUringConstants.setupFlagNames(flags)).isEqualTo(batch);
                long deadline = System.nanoTime() + DEADLINE_NS;
                while (small.cqReady() < batch) { // SQPOLL: the poll thread may still be posting
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    small.submitAndWait(1, WAIT_NS);
                }
                assertThat(small.cqReady()).isEqualTo(batch);
                for (int i = 0; i < batch; i++) {
                    assertThat(Cqe.userData(small.cqeAddress(i))).isEqualTo(next + i);
                    assertThat(Cqe.res(small.cqeAddress(i))).isZero();
                }
                small.cqAdvance(batch);
                next += batch;
            }
        }
    }

    @Test
    void ringReportsWhatTheKernelSetUp() {
        assertThat(ring.sqEntries()).isEqualTo(64);
        assertThat(ring.cqEntries()).isEqualTo(128);
        assertThat(ring.setupFlags()).isEqualTo(probe.setupFlags());
        assertThat(ring.features() & IoUringConstants.IORING_FEAT_SINGLE_MMAP).isNotZero();
        assertThat(ring.ringFdRegistered()).isEqualTo(probe.ringFdRegistered());
        assertThat(ring.sqSpaceLeft()).isEqualTo(64);
    }

    @Test
    void fullSqReturnsZeroUntilSubmitted() {
        try (IoUring small = IoUring.setup(sys, 4, probe.setupFlags())) {
            assertThat(small.sqEntries()).isEqualTo(4);
            long[] sqes = new long[4];
            for (int i = 0; i < 4; i++) {
                sqes[i] = small.nextSqe();
                assertThat(sqes[i]).isNotZero();
                Sqe.prepRw(sqes[i], IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, i);
            }
            assertThat(Arrays.stream(sqes).distinct().count()).isEqualTo(4);
            assertThat(small.nextSqe()).isZero();
            assertThat(small.nextSqe()).isZero();
            assertThat(small.sqSpaceLeft()).isZero();
            assertThat(small.submitAndWait(4)).isEqualTo(4);
            long again = small.nextSqe();
            assertThat(again).isEqualTo(sqes[0]); // slots are reused in ring order
            Sqe.prepRw(again, IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, 99);
            assertThat(small.submitAndWait(5)).isEqualTo(1);
            assertThat(small.cqReady()).isEqualTo(5);
            small.cqAdvance(5);
        }
    }

    @Test
    void nextSqeIsZeroedEvenWhenTheSlotWasUsedBefore() {
        try (IoUring small = IoUring.setup(sys, 2, probe.setupFlags())) {
            for (int round = 0; round < 3; round++) {
                long sqe = small.nextSqe();
                for (long i = 0; i < Sqe.BYTES; i++) {
                    assertThat(NativeMemory.getByte(sqe + i)).isZero();
                }
                Sqe.prepSend(sqe, 7, 0x1234, 99, MSG_NOSIGNAL, -5L); // garbage for a NOP...
                Sqe.opcode(sqe, IoUringConstants.IORING_OP_NOP);     // ...that the kernel ignores
                assertThat(small.submitAndWait(1)).isEqualTo(1);
                assertThat(Cqe.userData(small.cqeAddress(0))).isEqualTo(-5L);
                small.cqAdvance(1);
            }
        }
    }

    @Test
    void waitWithTimeoutReturnsEtime() {
        long start = System.nanoTime();
        assertThat(ring.submitAndWait(1, 20_000_000L)).isEqualTo(-Errno.ETIME);
        assertThat(Errno.name(-Errno.ETIME)).isEqualTo("ETIME");
        assertThat(Errno.name(Errno.EBADR)).isEqualTo("EBADR");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(15_000_000L);
        Sqe.prepRw(ring.nextSqe(), IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, 3);
        assertThat(ring.submitAndWait(1, WAIT_NS)).isEqualTo(1); // submitted count wins
        assertThat(drain()).extracting(Completion::userData).containsExactly(3L);
    }

    @Test
    void multishotAcceptGivesOneCqePerConnectionWithMore() throws IOException {
        int port = listen();
        Sqe.prepAcceptMultishot(ring.nextSqe(), listenFd, SOCK_NONBLOCK | SOCK_CLOEXEC, 42);
        assertThat(ring.submit()).isEqualTo(1);
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                clients.add(new Socket(InetAddress.getLoopbackAddress(), port));
            }
            List<Completion> got = await(3);
            assertThat(got).hasSize(3).allSatisfy(c -> {
                assertThat(c.userData()).isEqualTo(42);
                assertThat(c.res()).isGreaterThanOrEqualTo(0);
                assertThat(c.more()).isTrue();
            });
            for (Completion c : got) {
                assertThat(sys.close(c.res())).isZero();
            }
            // still armed: cancel ends it with a CQE without F_MORE
            Sqe.prepCancel(ring.nextSqe(), 42, 0, 43);
            List<Completion> end = await(2);
            assertThat(end).anySatisfy(c -> {
                assertThat(c.userData()).isEqualTo(42);
                assertThat(c.res()).isEqualTo(-Errno.ECANCELED);
                assertThat(c.more()).isFalse();
            });
            assertThat(end).anySatisfy(c -> {
                assertThat(c.userData()).isEqualTo(43);
                assertThat(c.res()).isZero();
            });
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    @Test
    void sendAndRecvOverTcp() throws Exception {
        int port = listen();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            try {
                byte[] hello = "hello from the ring".getBytes(US_ASCII);
                NativeMemory.copy(hello, 0, buffer, hello.length);
                Sqe.prepSend(ring.nextSqe(), fd, buffer, hello.length, MSG_NOSIGNAL, 1);
                assertThat(await(1)).containsExactly(new Completion(1, hello.length, 0));
                assertThat(client.getInputStream().readNBytes(hello.length)).isEqualTo(hello);

                Sqe.prepRw(ring.nextSqe(), IoUringConstants.IORING_OP_RECV, fd, buffer + 4096, 4096, 0, 2);
                assertThat(ring.submit()).isEqualTo(1);
                byte[] world = "and back".getBytes(US_ASCII);
                client.getOutputStream().write(world);
                assertThat(await(1)).containsExactly(new Completion(2, world.length, 0));
                byte[] received = new byte[world.length];
                NativeMemory.copy(buffer + 4096, received, 0, world.length);
                assertThat(received).isEqualTo(world);

                // MSG_WAITALL: one SEND of 1 MiB completes in full although the socket buffer is smaller
                int big = 1 << 20;
                byte[] payload = random(big, 7);
                NativeMemory.copy(payload, 0, buffer, big);
                CompletableFuture<byte[]> reader = readAsync(client.getInputStream(), big);
                Sqe.prepSend(ring.nextSqe(), fd, buffer, big, MSG_NOSIGNAL | MSG_WAITALL, 3);
                assertThat(await(1)).containsExactly(new Completion(3, big, 0));
                assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(payload);

                // EOF: a pending recv completes with 0 when the peer closes
                Sqe.prepRw(ring.nextSqe(), IoUringConstants.IORING_OP_RECV, fd, buffer, 4096, 0, 4);
                ring.submit();
                client.shutdownOutput();
                Completion eof = single(await(1));
                assertThat(eof.userData()).isEqualTo(4);
                assertThat(eof.res()).isZero();
                // measured on 6.18: the EOF CQE carries F_SOCK_NONEMPTY (tcp_inq counts the FIN)
            } finally {
                sys.close(fd);
            }
        }
    }

    /**
     * A ring published a chunk at a time: the kernel takes only the buffers published (ENOBUFS once
     * they are all held), and after grow() the new chunk's buffers, at addresses of their own.
     */
    @Test
    void aBufferRingGrowsAChunkAtATime() throws Exception {
        int port = listen();
        int chunk = BufferRing.CHUNK_BUFFERS;
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
                BufferRing buffers = BufferRing.register(ring, 8, 4 * chunk, 16, 1)) {
            assertThat(buffers.buffers()).as("rounded up to a chunk").isEqualTo(chunk);
            java.util.Set<Long> addresses = new java.util.HashSet<>();
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            try {
                var out = client.getOutputStream();
                Sqe.prepRecvMultishot(ring.nextSqe(), fd, buffers.groupId(), 0, 20);
                assertThat(ring.submit()).isEqualTo(1);
                for (int i = 0; i < chunk; i++) { // hold every buffer of the first chunk
                    out.write(new byte[16]);
                    Completion c = single(await(1));
                    assertThat(c.res()).isEqualTo(16);
                    assertThat(addresses.add(buffers.bufferAddress(Cqe.bufferId(c.flags())))).isTrue();
                }
                out.write(new byte[16]);
                Completion empty = single(await(1));
                assertThat(empty.res()).isEqualTo(-Errno.ENOBUFS);
                assertThat(buffers.grow()).isTrue();
                assertThat(buffers.buffers()).isEqualTo(2 * chunk);
                Sqe.prepRecvMultishot(ring.nextSqe(), fd, buffers.groupId(), 0, 21);
                Completion next = single(await(1));
                assertThat(next.res()).isEqualTo(16);
                int bid = Cqe.bufferId(next.flags());
                assertThat(bid).as("a buffer of the new chunk").isBetween(chunk, 2 * chunk - 1);
                assertThat(addresses.add(buffers.bufferAddress(bid))).isTrue();
                assertThat(buffers.grow()).isTrue();
                assertThat(buffers.grow()).isTrue();
                assertThat(buffers.grow()).as("every entry has its buffer").isFalse();
                for (int b = 0; b < 4 * chunk; b++) {
                    long a = buffers.bufferAddress(b);
                    NativeMemory.putLong(a + 8, b); // each buffer writable, 16 bytes apart from no other
                }
                for (int b = 0; b < 4 * chunk; b++) {
                    assertThat(NativeMemory.getLong(buffers.bufferAddress(b) + 8)).isEqualTo(b);
                }
            } finally {
                sys.close(fd);
            }
        }
    }

    @Test
    void multishotRecvWithABufferRing() throws Exception {
        int port = listen();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
                BufferRing buffers = BufferRing.register(ring, 7, 2, 16)) {
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            try {
                var out = client.getOutputStream();
                Sqe.prepRecvMultishot(ring.nextSqe(), fd, buffers.groupId(), 0, 10);
                assertThat(ring.submit()).isEqualTo(1);
                List<Integer> ids = new ArrayList<>();
                // five messages through two buffers: each one is given back after use
                for (int i = 0; i < 5; i++) {
                    byte[] message = ("message number " + i).substring(0, 16).getBytes(US_ASCII);
                    out.write(message);
                    Completion c = single(await(1));
                    assertThat(c.userData()).isEqualTo(10);
                    assertThat(c.res()).isEqualTo(16);
                    assertThat(c.flags() & IORING_CQE_F_BUFFER).isNotZero();
                    assertThat(c.more()).isTrue();
                    int bid = Cqe.bufferId(c.flags());
                    ids.add(bid);
                    byte[] got = new byte[16];
                    NativeMemory.copy(buffers.bufferAddress(bid), got, 0, 16);
                    assertThat(got).isEqualTo(message);
                    buffers.add(bid);
                    buffers.publish();
                }
                assertThat(ids).containsExactly(0, 1, 0, 1, 0);

                // keep both buffers: the third message finds the group empty
                out.write(new byte[16]);
                Completion first = single(await(1));
                out.write(new byte[16]);
                Completion second = single(await(1));
                assertThat(List.of(first, second)).allSatisfy(c -> assertThat(c.more()).isTrue());
                out.write("left for later..".getBytes(US_ASCII));
                Completion empty = single(await(1));
                assertThat(empty.res()).isEqualTo(-Errno.ENOBUFS);
                assertThat(empty.more()).as("-ENOBUFS ends the multishot").isFalse();
                assertThat(empty.flags() & IORING_CQE_F_BUFFER).isZero();

                // give both back and re-arm: the waiting bytes arrive
                buffers.add(Cqe.bufferId(first.flags()));
                buffers.add(Cqe.bufferId(second.flags()));
                buffers.publish();
                Sqe.prepRecvMultishot(ring.nextSqe(), fd, buffers.groupId(), 0, 11);
                Completion later = single(await(1));
                assertThat(later.res()).isEqualTo(16);
                byte[] got = new byte[16];
                NativeMemory.copy(buffers.bufferAddress(Cqe.bufferId(later.flags())), got, 0, 16);
                assertThat(new String(got, US_ASCII)).isEqualTo("left for later..");

                // EOF ends it too: res 0 without F_MORE
                client.shutdownOutput();
                Completion eof = single(await(1));
                assertThat(eof.res()).isZero();
                assertThat(eof.more()).isFalse();
            } finally {
                sys.close(fd);
            }
        }
    }

    @Test
    void sendZcGivesAResultAndThenANotificationThatReportsTheCopy() throws Exception {
        Assumptions.assumeTrue(probe.supports(IoUringConstants.IORING_OP_SEND_ZC) && probe.sendZcReportUsage());
        int port = listen();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            try {
                int length = 64 * 1024;
                byte[] payload = random(length, 3);
                NativeMemory.copy(payload, 0, buffer, length);
                CompletableFuture<byte[]> reader = readAsync(client.getInputStream(), length);
                Sqe.prepSendZc(ring.nextSqe(), fd, buffer, length, MSG_NOSIGNAL | MSG_WAITALL,
                        IORING_SEND_ZC_REPORT_USAGE, 5);
                List<Completion> got = await(2);
                assertThat(got).hasSize(2);
                Completion result = got.get(0);
                Completion notification = got.get(1);
                assertThat(result.userData()).isEqualTo(5);
                assertThat(result.res()).isEqualTo(length);
                assertThat(result.more()).as("a notification follows").isTrue();
                assertThat(result.flags() & IORING_CQE_F_NOTIF).isZero();
                assertThat(notification.userData()).isEqualTo(5);
                assertThat(notification.flags() & IORING_CQE_F_NOTIF).isNotZero();
                assertThat(notification.more()).isFalse();
                // loopback always copies (docs/kernel.md#send_zc-and-its-notification): the usage report says so
                assertThat(notification.res() & IORING_NOTIF_USAGE_ZC_COPIED).isNotZero();
                assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(payload);
            } finally {
                sys.close(fd);
            }
        }
    }

    @Test
    void linkedSpliceMovesFileBytesThroughAPipeToTheSocket(@TempDir Path dir) throws Exception {
        int length = 200 * 1024;
        byte[] content = random(length, 11);
        Path file = dir.resolve("body.bin");
        Files.write(file, content);
        int port = listen();
        int[] pipe = new int[2];
        assertThat(sys.pipe2(FileConstants.O_CLOEXEC, pipe)).isZero();
        long path = arena.allocateFrom(file.toString()).address();
        int fileFd = sys.openat(FileConstants.AT_FDCWD, path, FileConstants.O_RDONLY | FileConstants.O_CLOEXEC, 0);
        assertThat(fileFd).isGreaterThanOrEqualTo(0);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            // one pipe must hold the whole chain's bytes: a short splice would break the link
            assertThat(sys.fcntl(pipe[1], PipeConstants.F_SETPIPE_SZ, 256 * 1024)).isEqualTo(256 * 1024);
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            try {
                CompletableFuture<byte[]> reader = readAsync(client.getInputStream(), length);
                long toPipe = ring.nextSqe();
                Sqe.prepSplice(toPipe, fileFd, 0, pipe[1], -1, length, PipeConstants.SPLICE_F_MOVE, 20);
                Sqe.addFlags(toPipe, IOSQE_IO_LINK);
                Sqe.prepSplice(ring.nextSqe(), pipe[0], -1, fd, -1, length, PipeConstants.SPLICE_F_MOVE, 21);
                assertThat(ring.submit()).isEqualTo(2);
                List<Completion> got = await(2);
                assertThat(got).containsExactly(new Completion(20, length, 0), new Completion(21, length, 0));
                assertThat(reader.get(10, TimeUnit.SECONDS)).isEqualTo(content);
            } finally {
                sys.close(fd);
            }
        } finally {
            sys.close(fileFd);
            sys.close(pipe[0]);
            sys.close(pipe[1]);
        }
    }

    @Test
    void asyncCancelEndsAPendingRecvWithEcanceled() throws IOException {
        int port = listen();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            assertThat(client.isConnected()).isTrue();
            int fd = sys.accept4(listenFd, SOCK_CLOEXEC);
            try {
                Sqe.prepRw(ring.nextSqe(), IoUringConstants.IORING_OP_RECV, fd, buffer, 4096, 0, 30);
                assertThat(ring.submit()).isEqualTo(1);
                assertThat(ring.cqReady()).isZero(); // nothing to read: it waits in the kernel
                Sqe.prepCancel(ring.nextSqe(), 30, 0, 31);
                List<Completion> got = await(2);
                assertThat(got).containsExactlyInAnyOrder(
                        new Completion(30, -Errno.ECANCELED, 0), new Completion(31, 0, 0));
                // nothing left to cancel
                Sqe.prepCancel(ring.nextSqe(), 30, 0, 32);
                assertThat(await(1)).containsExactly(new Completion(32, -Errno.ENOENT, 0));
            } finally {
                sys.close(fd);
            }
        }
    }

    @Test
    void cqOverflowIsKeptAndFlushedByEnter() {
        // a 4-entry CQ that receives 8 completions before anyone reads it
        try (IoUring small = IoUring.setup(sys, 4, probe.setupFlags(), 4, 0)) {
            assertThat(small.cqEntries()).isEqualTo(4);
            assertThat(small.features() & IoUringConstants.IORING_FEAT_NODROP).isNotZero();
            for (int batch = 0; batch < 2; batch++) {
                for (int i = 0; i < 4; i++) {
                    Sqe.prepRw(small.nextSqe(), IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, batch * 4 + i);
                }
                assertThat(small.submit()).isEqualTo(4);
            }
            assertThat(small.cqReady()).isEqualTo(4);
            assertThat(small.cqOverflowPending()).isTrue();
            List<Long> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                seen.add(Cqe.userData(small.cqeAddress(i)));
            }
            small.cqAdvance(4);
            assertThat(small.flushCqOverflow()).isZero();
            assertThat(small.cqOverflowPending()).isFalse();
            assertThat(small.cqReady()).isEqualTo(4);
            for (int i = 0; i < 4; i++) {
                seen.add(Cqe.userData(small.cqeAddress(i)));
            }
            small.cqAdvance(4);
            assertThat(seen).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(small.cqDroppedCount()).isZero();
        }
    }

    @Test
    void deferTaskrunAloneIsEinvalAndTheProbeFallsBack() {
        assertThatThrownBy(() -> IoUring.setup(sys, 8, IORING_SETUP_DEFER_TASKRUN))
                .isInstanceOfSatisfying(IoUringException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("io_uring_setup(8, DEFER_TASKRUN)", "EINVAL",
                            "DEFER_TASKRUN needs SINGLE_ISSUER");
                });
        int coop = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
        IoUringProbe fallback = IoUringProbe.run(sys, IORING_SETUP_DEFER_TASKRUN, coop);
        assertThat(fallback.available()).isTrue();
        assertThat(fallback.setupFlags()).isEqualTo(coop);
        assertThat(fallback.fallbacks()).containsExactly("DEFER_TASKRUN: EINVAL");
        assertThat(fallback.summary()).contains("setup COOP_TASKRUN|TASKRUN_FLAG", "refused: DEFER_TASKRUN: EINVAL");

        IoUringProbe none = IoUringProbe.run(sys, IORING_SETUP_DEFER_TASKRUN);
        assertThat(none.available()).isFalse();
        assertThat(none.errno()).isEqualTo(Errno.EINVAL);
        assertThat(none.summary()).startsWith("io_uring unavailable").contains("EINVAL");
    }

    @Test
    void probeSummaryIsOneLine() {
        String summary = probe.summary();
        assertThat(summary).doesNotContain("\n").startsWith("io_uring available (kernel ");
        assertThat(probe.lastOp()).isGreaterThanOrEqualTo(IoUringConstants.IORING_OP_SENDMSG_ZC);
        assertThat(probe.supports(IoUringConstants.IORING_OP_NOP)).isTrue();
        assertThat(probe.supports(255)).isFalse();
        assertThat(probe.missingForServer()).isEmpty();
        assertThat(summary).contains("SEND_ZC yes", "SPLICE yes", "multishot accept yes", "multishot recv yes",
                "buffer ring yes", "features SINGLE_MMAP|NODROP");
        assertThat(probe.supportedOps()).isNotSameAs(probe.supportedOps());
    }

    @Test
    void singleIssuerRingRefusesOtherThreads() throws Exception {
        Assumptions.assumeTrue((ring.setupFlags() & IORING_SETUP_SINGLE_ISSUER) != 0, "no SINGLE_ISSUER");
        int fd = ring.ringFd();
        int[] results = CompletableFuture.supplyAsync(() -> {
            Syscalls other = new Syscalls();
            return new int[] {
                other.ioUringEnter(fd, 0, 0, IORING_ENTER_GETEVENTS),
                // the registered index means nothing in this thread's table
                other.ioUringEnter(0, 0, 0, IORING_ENTER_GETEVENTS | IORING_ENTER_REGISTERED_RING),
                other.ioUringRegister(fd, IoUringConstants.IORING_REGISTER_PROBE, 0L, 0),
            };
        }).get(10, TimeUnit.SECONDS);
        assertThat(results[0]).as("enter from another thread").isEqualTo(-Errno.EEXIST);
        if (ring.ringFdRegistered()) {
            // measured on 6.18: the other thread has no registered-ring table at all
            assertThat(results[1]).as("registered index from another thread").isEqualTo(-Errno.EINVAL);
        }
        assertThat(results[2]).as("register from another thread").isEqualTo(-Errno.EEXIST);
        // the owner is unaffected
        Sqe.prepRw(ring.nextSqe(), IoUringConstants.IORING_OP_NOP, -1, 0, 0, 0, 1);
        assertThat(ring.submitAndWait(1)).isEqualTo(1);
        ring.cqAdvance(ring.cqReady());
    }

    @Test
    void closeIsIdempotentAndCountsItsSyscalls() {
        IoUring other = IoUring.setup(sys, 8, probe.setupFlags());
        long munmapBefore = sys.counts.munmap;
        other.close();
        other.close();
        assertThat(other.isClosed()).isTrue();
        assertThat(sys.counts.munmap - munmapBefore).isEqualTo(2); // SQEs + the single ring mapping
        assertThat(sys.counts.ioUringSetup).isGreaterThanOrEqualTo(2);
        assertThat(sys.counts.mmap).isGreaterThanOrEqualTo(4);
    }

    // ---- helpers ------------------------------------------------------------------------

    private int listen() {
        listenFd = sys.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assertThat(listenFd).isGreaterThanOrEqualTo(0);
        assertThat(sys.setsockoptInt(listenFd, SOL_SOCKET, SO_REUSEADDR, 1)).isZero();
        assertThat(sys.bind(listenFd, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))).isZero();
        assertThat(sys.listen(listenFd, 16)).isZero();
        return sys.localPort(listenFd);
    }

    /** Submits what is pending and collects at least {@code count} completions. */
    private List<Completion> await(int count) {
        List<Completion> got = new ArrayList<>();
        long deadline = System.nanoTime() + DEADLINE_NS;
        while (got.size() < count) {
            assertThat(System.nanoTime()).as("waiting for %d completions, got %s", count, got).isLessThan(deadline);
            int r = ring.submitAndWait(1, WAIT_NS);
            assertThat(r).as("io_uring_enter").matches(v -> v >= 0 || v == -Errno.ETIME || v == -Errno.EINTR);
            got.addAll(drain());
        }
        return got;
    }

    private List<Completion> drain() {
        List<Completion> got = new ArrayList<>();
        int ready = ring.cqReady();
        for (int i = 0; i < ready; i++) {
            long cqe = ring.cqeAddress(i);
            got.add(new Completion(Cqe.userData(cqe), Cqe.res(cqe), Cqe.flags(cqe)));
        }
        ring.cqAdvance(ready);
        return got;
    }

    private static Completion single(List<Completion> got) {
        assertThat(got).hasSize(1);
        return got.get(0);
    }

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static CompletableFuture<byte[]> readAsync(InputStream in, int length) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return in.readNBytes(length);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
