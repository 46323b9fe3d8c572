package io.uringhttpd.contract;

/** {@link AutoindexContract} on the io_uring proactor. */
class IoUringAutoindexTest extends AutoindexContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
