package io.uringhttpd.engine.iouring;

import io.uringhttpd.engine.PipelinedInputContract;

class IoUringPipelinedInputTest extends PipelinedInputContract {
    @Override
    protected String engine() {
        return "io_uring";
    }
}
