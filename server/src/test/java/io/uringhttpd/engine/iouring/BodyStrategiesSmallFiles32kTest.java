package io.uringhttpd.engine.iouring;

/** {@link BodyStrategiesContract} with small-file-bytes = 32k (the default). */
class BodyStrategiesSmallFiles32kTest extends BodyStrategiesContract {
    @Override
    int smallFileBytes() {
        return 32768;
    }
}
