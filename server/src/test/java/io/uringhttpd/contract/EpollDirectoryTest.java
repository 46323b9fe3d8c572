package io.uringhttpd.contract;

/** {@link DirectoryContract} on the epoll reactor. */
class EpollDirectoryTest extends DirectoryContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
