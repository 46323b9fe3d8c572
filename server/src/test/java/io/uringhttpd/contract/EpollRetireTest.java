package io.uringhttpd.contract;

/** {@link RetireContract} on the epoll reactor. */
class EpollRetireTest extends RetireContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
