package io.uringhttpd.contract;

/** {@link CompressionContract} on the io_uring proactor. */
class IoUringCompressionTest extends CompressionContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
