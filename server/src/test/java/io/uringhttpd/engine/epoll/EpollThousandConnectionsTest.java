package io.uringhttpd.engine.epoll;

import io.uringhttpd.engine.ThousandConnectionsContract;

class EpollThousandConnectionsTest extends ThousandConnectionsContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
