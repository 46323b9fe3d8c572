package io.uringhttpd.contract;

/** {@link ConnectionContract} on the io_uring proactor with a kernel SQ polling thread (io-uring.sqpoll = on). */
class IoUringSqpollConnectionTest extends ConnectionContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.io-uring.sqpoll=on", "uring-httpd.io-uring.sqpoll-idle=50ms"};
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
