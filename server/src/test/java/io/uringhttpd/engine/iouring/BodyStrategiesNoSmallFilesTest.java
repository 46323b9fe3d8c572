package io.uringhttpd.engine.iouring;

/** {@link BodyStrategiesContract} with small-file-bytes = 0: every non-empty body is spliced. */
class BodyStrategiesNoSmallFilesTest extends BodyStrategiesContract {
    @Override
    int smallFileBytes() {
        return 0;
    }
}
