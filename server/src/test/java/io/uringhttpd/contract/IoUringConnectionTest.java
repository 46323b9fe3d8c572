package io.uringhttpd.contract;

/** {@link ConnectionContract} on the io_uring proactor. */
class IoUringConnectionTest extends ConnectionContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
