package io.uringhttpd.contract;

/** {@link FreshnessContract} on the io_uring proactor. */
class IoUringFreshnessTest extends FreshnessContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
