package io.uringhttpd.contract;

/** {@link SitesContract} on the epoll reactor. */
class EpollSitesTest extends SitesContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
