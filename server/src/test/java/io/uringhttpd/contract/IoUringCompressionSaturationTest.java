package io.uringhttpd.contract;

/** {@link CompressionSaturationContract} on the io_uring proactor. */
class IoUringCompressionSaturationTest extends CompressionSaturationContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
