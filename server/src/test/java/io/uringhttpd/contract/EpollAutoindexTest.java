package io.uringhttpd.contract;

/** {@link AutoindexContract} on the epoll reactor. */
class EpollAutoindexTest extends AutoindexContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
