package io.uringhttpd.engine.epoll;

import io.uringhttpd.engine.PeerGoneMidTransferContract;

class EpollPeerGoneMidTransferTest extends PeerGoneMidTransferContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
