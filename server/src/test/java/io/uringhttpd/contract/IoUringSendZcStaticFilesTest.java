package io.uringhttpd.contract;

/** {@link StaticFilesContract} on the io_uring proactor, every file body by SEND_ZC from an mmap. */
class IoUringSendZcStaticFilesTest extends StaticFilesContract {
    @Override
    protected String engine() {
        return "io_uring";
    }

    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.small-file-bytes=0", "uring-httpd.io-uring.send-zc-bytes=1"};
    }

    @Override
    protected void assumeEngineAvailable() {
        IoUringAvailability.assumeAvailable();
    }
}
