package io.uringhttpd.contract;

/** {@link RangeContract} on the io_uring proactor. */
class IoUringRangeTest extends RangeContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
