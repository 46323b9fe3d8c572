package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SignalsTest {
    @Test
    void namesTheUsualSignals() {
        assertThat(Signals.name(Signals.SIGTERM)).isEqualTo("SIGTERM");
        assertThat(Signals.name(Signals.SIGKILL)).isEqualTo("SIGKILL");
        assertThat(Signals.name(Signals.SIGCHLD)).isEqualTo("SIGCHLD");
        assertThat(Signals.name(Signals.SIGHUP)).isEqualTo("SIGHUP");
        assertThat(Signals.name(11)).isEqualTo("SIGSEGV");
        assertThat(Signals.name(31)).isEqualTo("SIGSYS");
    }

    @Test
    void unknownNumbersAreSpelledOut() {
        assertThat(Signals.name(42)).isEqualTo("signal 42");
        assertThat(Signals.name(0)).isEqualTo("signal 0");
        assertThat(Signals.name(-1)).isEqualTo("signal -1");
    }

    @Test
    void constantsMatchLinuxX8664() {
        assertThat(new int[] {Signals.SIGHUP, Signals.SIGINT, Signals.SIGQUIT, Signals.SIGKILL, Signals.SIGUSR1,
                Signals.SIGUSR2, Signals.SIGPIPE, Signals.SIGTERM, Signals.SIGCHLD})
                .containsExactly(1, 2, 3, 9, 10, 12, 13, 15, 17);
    }
}
