package io.uringhttpd.contract;

/** {@link ConditionalContract} on the epoll reactor. */
class EpollConditionalTest extends ConditionalContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
