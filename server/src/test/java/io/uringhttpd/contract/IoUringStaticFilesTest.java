package io.uringhttpd.contract;

/** {@link StaticFilesContract} on the io_uring proactor. */
class IoUringStaticFilesTest extends StaticFilesContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
