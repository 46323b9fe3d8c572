package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** WaitStatus decoding of raw status words (the layout of glibc's bits/waitstatus.h). */
class ProcessesWaitStatusTest {
    @Test
    void exitStatusIsTheSecondByte() {
        WaitStatus status = new WaitStatus(100, 0x0100);
        assertThat(status.exited()).isTrue();
        assertThat(status.signaled()).isFalse();
        assertThat(status.exitCode()).isEqualTo(1);
        assertThat(status.describe()).isEqualTo("exit status 1");
        assertThat(new WaitStatus(100, 0xff00).exitCode()).isEqualTo(255);
        assertThat(new WaitStatus(100, 0).describe()).isEqualTo("exit status 0");
    }

    @Test
    void deathBySignalIsTheLowSevenBits() {
        WaitStatus killed = new WaitStatus(100, Signals.SIGKILL);
        assertThat(killed.signaled()).isTrue();
        assertThat(killed.exited()).isFalse();
        assertThat(killed.termSignal()).isEqualTo(9);
        assertThat(killed.coreDumped()).isFalse();
        assertThat(killed.describe()).isEqualTo("killed by SIGKILL");
        WaitStatus segv = new WaitStatus(100, 0x80 | 11);
        assertThat(segv.coreDumped()).isTrue();
        assertThat(segv.describe()).isEqualTo("killed by SIGSEGV (core dumped)");
    }

    @Test
    void stoppedIsNeitherExitedNorSignaled() {
        WaitStatus stopped = new WaitStatus(100, (Signals.SIGUSR1 << 8) | 0x7f);
        assertThat(stopped.exited()).isFalse();
        assertThat(stopped.signaled()).isFalse();
    }

    @Test
    void negativePidIsAnErrno() {
        WaitStatus failed = new WaitStatus(-Errno.ECHILD, 0);
        assertThat(failed.exited()).isFalse();
        assertThat(failed.signaled()).isFalse();
        assertThat(failed.describe()).isEqualTo("waitpid failed: ECHILD (No child processes)");
    }
}
