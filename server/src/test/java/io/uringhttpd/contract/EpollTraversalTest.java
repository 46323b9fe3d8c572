package io.uringhttpd.contract;

/** {@link TraversalContract} on the epoll reactor. */
class EpollTraversalTest extends TraversalContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
