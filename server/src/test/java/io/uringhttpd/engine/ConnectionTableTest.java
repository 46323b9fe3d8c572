package io.uringhttpd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConnectionTableTest {
    private final ConnectionTable table = new ConnectionTable(3, () -> null);

    @Test
    void takesUntilFullThenReusesFreedSlots() {
        Connection a = table.take();
        Connection b = table.take();
        Connection c = table.take();
        assertThat(table.take()).as("a full table").isNull();
        assertThat(table.open()).isEqualTo(3);
        assertThat(table.created()).isEqualTo(3);
        assertThat(a.slot).isZero();
        assertThat(c.slot).isEqualTo(2);

        b.fd = 7;
        table.free(b);
        assertThat(table.open()).isEqualTo(2);
        assertThat(table.freeCount()).isEqualTo(1);
        assertThat(table.take()).as("the freed slot, not a new one").isSameAs(b);
        assertThat(table.created()).isEqualTo(3);
        assertThat(table.freeCount()).isZero();
    }

    @Test
    void liveLookupRejectsStaleAndForeignTokens() {
        Connection a = table.take();
        a.fd = 10;
        long token = a.token();
        assertThat(table.live(token)).isSameAs(a);
        // io_uring puts its op in the top byte: ignored by the lookup.
        assertThat(table.live((5L << 56) | token)).isSameAs(a);
        assertThat(table.get(0)).isSameAs(a);

        table.free(a);
        assertThat(a.fd).isEqualTo(-1);
        assertThat(table.live(token)).as("after free").isNull();
        Connection again = table.take();
        again.fd = 11;
        assertThat(again).isSameAs(a);
        assertThat(table.live(token)).as("an event for the slot's previous owner").isNull();
        assertThat(table.live(again.token())).isSameAs(again);
        assertThat(table.live(((long) again.generation << 32) | 2)).as("a slot never built").isNull();
        assertThat(table.live(((long) again.generation << 32) | 0xFFFF_FFFFL)).as("a negative slot").isNull();
    }

    @Test
    void generationsWrapAt24BitsAndNeverReachMinusOne() {
        Connection a = table.take();
        a.generation = ConnectionTable.GENERATION_MASK;
        a.fd = 3;
        table.free(a);
        assertThat(a.generation).isZero();
    }
}
