package io.uringhttpd.contract;

/** {@link ConnectionContract} on the epoll reactor. */
class EpollConnectionTest extends ConnectionContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
