package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Streams over a socketpair, as a master and its worker use them. */
class FdStreamsTest {
    @Test
    void linesGoAcrossAndEofFollowsTheClose() throws Exception {
        int[] pair = new int[2];
        assertThat(Processes.socketpair(pair)).isZero();
        OutputStream out = FdStreams.output(pair[0]);
        InputStream in = FdStreams.input(pair[1]);
        byte[] big = new byte[10_000];   // more than one 4 KiB chunk
        java.util.Arrays.fill(big, (byte) 'x');
        out.write("ready io_uring\n".getBytes(StandardCharsets.US_ASCII));
        out.write(big);
        assertThat(new String(in.readNBytes(15), StandardCharsets.US_ASCII)).isEqualTo("ready io_uring\n");
        assertThat(in.readNBytes(big.length)).isEqualTo(big);
        FdStreams.close(pair[0]);
        assertThat(in.read()).isEqualTo(-1);
        FdStreams.close(pair[1]);
    }

    @Test
    void shutdownWakesABlockedReader() throws Exception {
        int[] pair = new int[2];
        assertThat(Processes.socketpair(pair)).isZero();
        InputStream in = FdStreams.input(pair[1]);
        CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
            try {
                return in.read();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        assertThat(read).isNotDone();
        FdStreams.shutdown(pair[1]);
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
        FdStreams.close(pair[0]);
        FdStreams.close(pair[1]);
    }

    @Test
    void writingToAClosedPeerIsAnErrorNotASignal() throws Exception {
        int[] pair = new int[2];
        assertThat(Processes.socketpair(pair)).isZero();
        FdStreams.close(pair[1]);
        OutputStream out = FdStreams.output(pair[0]);
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class).hasMessageContaining("EPIPE");
        FdStreams.close(pair[0]);
    }
}
