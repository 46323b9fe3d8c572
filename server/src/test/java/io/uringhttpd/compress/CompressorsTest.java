package io.uringhttpd.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.uringhttpd.sys.BrotliEncoderLibrary;
import io.uringhttpd.sys.LibraryBinding;
import io.uringhttpd.sys.ZstdLibrary;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CompressorsTest {
    private static final List<ContentCoding> ALL = List.of(ContentCoding.BR, ContentCoding.ZSTD, ContentCoding.GZIP);

    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(Compressors.class);

    @BeforeEach
    void captureWarnings() {
        events.start();
        logger.addAppender(events);
    }

    @AfterEach
    void release() {
        logger.detachAppender(events);
    }

    @Test
    void wantedOrderAndLevelsAreKept() {
        List<Compressor> compressors = Compressors.available(ALL, 6, 19, 11);
        assertThat(compressors).extracting(Compressor::coding).containsExactlyElementsOf(ALL);
        assertThat(compressors).extracting(Compressor::level).containsExactly(11, 19, 6);
        assertThat(Compressors.available(List.of(ContentCoding.GZIP), 1, 3, 5)).singleElement()
                .isInstanceOf(GzipCompressor.class);
        assertThat(Compressors.available(List.of(), 1, 3, 5)).isEmpty();
        assertThat(Compressors.offerable()).containsExactly(ContentCoding.GZIP, ContentCoding.ZSTD, ContentCoding.BR);
        assertThat(events.list).isEmpty();
    }

    @Test
    void aMissingLibraryIsLeftOutWithOneWarningEach() {
        List<Compressor> compressors = Compressors.available(ALL, 6, 19, 11,
                LibraryBinding.unavailable("libzstd.so.1: cannot open shared object file"),
                LibraryBinding.unavailable("libbrotlienc.so.1: cannot open shared object file"));
        assertThat(compressors).extracting(Compressor::coding).containsExactly(ContentCoding.GZIP);
        assertThat(events.list).hasSize(2).allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN));
        assertThat(events.list.get(0).getFormattedMessage())
                .contains(BrotliEncoderLibrary.SONAME, "cannot open shared object file", "libbrotli1", "no br variant is made");
        assertThat(events.list.get(1).getFormattedMessage())
                .contains(ZstdLibrary.SONAME, "cannot open shared object file", "libzstd1", "no zstd variant is made");
    }

    @Test
    void invalidLevelsAreRefusedWithTheRange() {
        assertThatThrownBy(() -> Compressors.available(ALL, 0, 3, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("gzip level 0 is out of range: allowed 1..9");
        assertThatThrownBy(() -> Compressors.available(ALL, 10, 3, 5)).hasMessageContaining("allowed 1..9");
        assertThatThrownBy(() -> Compressors.available(ALL, 6, 23, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("zstd level 23 is out of range: allowed 1..22");
        assertThatThrownBy(() -> Compressors.available(ALL, 6, 0, 5)).hasMessageContaining("allowed 1..22");
        assertThatThrownBy(() -> Compressors.available(ALL, 6, 3, 12))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("br level 12 is out of range: allowed 0..11");
        assertThatThrownBy(() -> Compressors.available(ALL, 6, 3, -1)).hasMessageContaining("allowed 0..11");
        // Without libzstd a zstd level is checked all the same.
        assertThatThrownBy(() -> Compressors.available(List.of(ContentCoding.GZIP), 6, 23, 5,
                LibraryBinding.unavailable("missing"), LibraryBinding.unavailable("missing")))
                .hasMessageContaining("allowed 1..22");
        assertThatThrownBy(() -> new GzipCompressor(0)).hasMessageContaining("allowed 1..9");
        assertThatThrownBy(() -> new ZstdCompressor(-1)).hasMessageContaining("allowed 1..22");
        assertThatThrownBy(() -> new BrotliCompressor(12)).hasMessageContaining("allowed 0..11");
    }

    @Test
    void aCodingListedTwiceIsRefused() {
        assertThatThrownBy(() -> Compressors.available(List.of(ContentCoding.GZIP, ContentCoding.GZIP), 6, 3, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("listed twice");
    }
}
