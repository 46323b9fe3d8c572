package io.uringhttpd.engine.iouring;

import io.uringhttpd.engine.TimeoutReleaseContract;

class IoUringTimeoutReleaseTest extends TimeoutReleaseContract {
    @Override
    protected String engine() {
        return "io_uring";
    }
}
