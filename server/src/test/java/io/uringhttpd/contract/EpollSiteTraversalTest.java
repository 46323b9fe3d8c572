package io.uringhttpd.contract;

/** {@link SiteTraversalContract} on the epoll reactor. */
class EpollSiteTraversalTest extends SiteTraversalContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
