package io.uringhttpd.contract;

/** {@link DeployContract} on the epoll reactor. */
class EpollDeployTest extends DeployContract {
    @Override
    protected String engine() {
        return "epoll";
    }
}
