package io.uringhttpd.contract;

/** {@link SiteTraversalContract} on the io_uring proactor. */
class IoUringSiteTraversalTest extends SiteTraversalContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
