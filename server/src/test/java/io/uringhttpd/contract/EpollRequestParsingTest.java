package io.uringhttpd.contract;

/** {@link RequestParsingContract} on the epoll reactor. */
class EpollRequestParsingTest extends RequestParsingContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
