package io.uringhttpd.contract;

/** {@link DeployContract} on the io_uring proactor. */
class IoUringDeployTest extends DeployContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
