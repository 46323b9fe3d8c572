package io.uringhttpd.engine.epoll;

import io.uringhttpd.engine.PipelinedInputContract;

class EpollPipelinedInputTest extends PipelinedInputContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
