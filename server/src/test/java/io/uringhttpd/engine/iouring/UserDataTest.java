package io.uringhttpd.engine.iouring;

import static io.uringhttpd.engine.iouring.IoUringLoop.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The proactor's user_data: op | generation | slot, and which ops name a connection. An op
 * missing from the connection ops leaves a connection whose completion handler failed open
 * until its send timeout (SEND_ZC once was).
 */
class UserDataTest {
    @Test
    void userDataCarriesOpGenerationAndSlot() {
        long u = userData(OP_SEND_ZC, 0xABCDEF, 123_456);
        assertThat(opOf(u)).isEqualTo(OP_SEND_ZC);
        assertThat(generationOf(u)).isEqualTo(0xABCDEF);
        assertThat(slotOf(u)).isEqualTo(123_456);
    }

    @Test
    void everyConnectionOpNamesItsConnection() {
        for (int op : new int[] {OP_RECV, OP_SEND, OP_SPLICE_IN, OP_SPLICE_OUT, OP_SEND_ZC}) {
            assertThat(namesAConnection(op)).as("op %d", op).isTrue();
        }
        for (int op : new int[] {OP_ACCEPT, OP_TICK, OP_WAKE, OP_CANCEL}) {
            assertThat(namesAConnection(op)).as("op %d", op).isFalse();
        }
    }
}
