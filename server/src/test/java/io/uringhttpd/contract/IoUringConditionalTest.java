package io.uringhttpd.contract;

/** {@link ConditionalContract} on the io_uring proactor. */
class IoUringConditionalTest extends ConditionalContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
