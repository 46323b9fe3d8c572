package io.uringhttpd.contract;

/** {@link DirectoryContract} on the io_uring proactor. */
class IoUringDirectoryTest extends DirectoryContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
