package io.uringhttpd.contract;

/** {@link RequestParsingContract} on the io_uring proactor. */
class IoUringRequestParsingTest extends RequestParsingContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
