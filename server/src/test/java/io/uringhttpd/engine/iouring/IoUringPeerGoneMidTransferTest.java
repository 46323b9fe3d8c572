package io.uringhttpd.engine.iouring;

import io.uringhttpd.engine.PeerGoneMidTransferContract;

class IoUringPeerGoneMidTransferTest extends PeerGoneMidTransferContract {
    @Override
    protected String engine() {
        return "io_uring";
    }
}
