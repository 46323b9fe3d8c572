package io.uringhttpd.engine.epoll;

import io.uringhttpd.engine.TimeoutReleaseContract;

class EpollTimeoutReleaseTest extends TimeoutReleaseContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
