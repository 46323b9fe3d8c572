package io.uringhttpd.contract;

/** {@link RangeContract} on the epoll reactor. */
class EpollRangeTest extends RangeContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
