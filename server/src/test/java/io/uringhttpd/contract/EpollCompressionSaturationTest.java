package io.uringhttpd.contract;

/** {@link CompressionSaturationContract} on the epoll reactor. */
class EpollCompressionSaturationTest extends CompressionSaturationContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
