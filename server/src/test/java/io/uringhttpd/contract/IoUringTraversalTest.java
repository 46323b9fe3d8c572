package io.uringhttpd.contract;

/** {@link TraversalContract} on the io_uring proactor. */
class IoUringTraversalTest extends TraversalContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
