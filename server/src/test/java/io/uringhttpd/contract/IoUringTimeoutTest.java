package io.uringhttpd.contract;

/** {@link TimeoutContract} on the io_uring proactor. */
class IoUringTimeoutTest extends TimeoutContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
