package io.uringhttpd.contract;

/** {@link TimeoutContract} on the epoll reactor. */
class EpollTimeoutTest extends TimeoutContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
