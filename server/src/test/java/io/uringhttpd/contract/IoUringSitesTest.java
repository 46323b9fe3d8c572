package io.uringhttpd.contract;

/** {@link SitesContract} on the io_uring proactor. */
class IoUringSitesTest extends SitesContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
