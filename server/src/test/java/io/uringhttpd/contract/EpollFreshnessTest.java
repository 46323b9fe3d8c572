package io.uringhttpd.contract;

/** {@link FreshnessContract} on the epoll reactor. */
class EpollFreshnessTest extends FreshnessContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
