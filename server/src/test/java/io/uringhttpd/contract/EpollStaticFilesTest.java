package io.uringhttpd.contract;

/** {@link StaticFilesContract} on the epoll reactor. */
class EpollStaticFilesTest extends StaticFilesContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
