package io.uringhttpd.contract;

/** {@link RetireContract} on the io_uring proactor. */
class IoUringRetireTest extends RetireContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
