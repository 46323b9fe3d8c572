package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void kernelErrorsComeBackAsNegativeErrno() {
        Syscalls sys = new Syscalls();
        assertThat(sys.close(-1)).isEqualTo(-Errno.EBADF).isEqualTo(-9);
        assertThat(Errno.name(sys.socket(12345, SocketConstants.SOCK_STREAM, 0))).isEqualTo("EAFNOSUPPORT");
    }

    @Test
    void namesAcceptPositiveAndNegativeValues() {
        assertThat(Errno.name(-9)).isEqualTo("EBADF");
        assertThat(Errno.name(9)).isEqualTo("EBADF");
        assertThat(Errno.name(-Errno.ECONNRESET)).isEqualTo("ECONNRESET");
        assertThat(Errno.name(41)).isEqualTo("errno 41"); // a hole in the numbering
        assertThat(Errno.name(4095)).isEqualTo("errno 4095");
        assertThat(Errno.name(0)).isEqualTo("errno 0");
    }

    @Test
    void describeAddsGlibcText() {
        assertThat(Errno.describe(Errno.ECONNRESET)).isEqualTo("ECONNRESET (Connection reset by peer)");
        assertThat(Errno.describe(-Errno.EXDEV)).isEqualTo("EXDEV (Invalid cross-device link)");
        assertThat(Errno.describe(-Errno.EAGAIN)).isEqualTo("EAGAIN (Resource temporarily unavailable)");
        assertThat(Errno.describe(500)).isEqualTo("errno 500 (Unknown error)");
    }

    /** Every constant's value maps back to its own name: catches a typo in either table. */
    @Test
    void everyConstantNamesItself() throws IllegalAccessException {
        int checked = 0;
        for (Field f : Errno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && !f.getName().equals("EWOULDBLOCK")) {
                assertThat(Errno.name(f.getInt(null))).as(f.getName()).isEqualTo(f.getName());
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(30);
        assertThat(Errno.EWOULDBLOCK).isEqualTo(Errno.EAGAIN);
    }
}
