package io.uringhttpd.engine.iouring;

/** {@link BodyStrategiesContract} with small-file-bytes = 4k. */
class BodyStrategiesSmallFiles4kTest extends BodyStrategiesContract {
    @Override
    int smallFileBytes() {
        return 4096;
    }
}
