package io.uringhttpd.engine.iouring;

import io.uringhttpd.engine.ThousandConnectionsContract;

class IoUringThousandConnectionsTest extends ThousandConnectionsContract {
    @Override
    protected String engine() {
        return "io_uring";
    }
}
