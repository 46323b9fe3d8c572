package io.uringhttpd.contract;

/** {@link CompressionContract} on the epoll reactor. */
class EpollCompressionTest extends CompressionContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
