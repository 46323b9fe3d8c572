package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** libzstd and libbrotlienc are optional: a missing one is a reason, never an exception. */
class OptionalLibrariesTest {
    @Test
    void theSystemLibrariesBind() {
        LibraryBinding<ZstdLibrary> zstd = ZstdLibrary.load();
        assertThat(zstd.unavailableReason()).isNull();
        assertThat(zstd.library().maxCLevel()).isEqualTo(22);
        LibraryBinding<BrotliEncoderLibrary> brotli = BrotliEncoderLibrary.load();
        assertThat(brotli.unavailableReason()).isNull();
        assertThat(brotli.library().maxCompressedSize(0)).isEqualTo(2); // encode.c: the empty-input special case
    }

    @Test
    void aMissingLibraryGivesTheLoadersReason() {
        LibraryBinding<ZstdLibrary> zstd = ZstdLibrary.load("libzstd-does-not-exist.so.1");
        assertThat(zstd.available()).isFalse();
        assertThat(zstd.library()).isNull();
        assertThat(zstd.unavailableReason()).contains("libzstd-does-not-exist.so.1");
        LibraryBinding<BrotliEncoderLibrary> brotli = BrotliEncoderLibrary.load("libbrotlienc-does-not-exist.so.1");
        assertThat(brotli.available()).isFalse();
        assertThat(brotli.unavailableReason()).contains("libbrotlienc-does-not-exist.so.1");
    }

    @Test
    void aLibraryWithoutTheSymbolsIsUnavailableToo() {
        // libbrotlicommon loads but has no encoder: the first missing symbol is the reason.
        LibraryBinding<BrotliEncoderLibrary> brotli = BrotliEncoderLibrary.load("libbrotlicommon.so.1");
        assertThat(brotli.available()).isFalse();
        assertThat(brotli.unavailableReason()).contains("BrotliEncoderMaxCompressedSize");
    }

    @Test
    void zstdErrorsHaveNames() {
        ZstdLibrary zstd = ZstdLibrary.load().library();
        long tooSmall = zstd.compress(0, 0, 0, 0, 3); // no room even for the frame header
        assertThat(zstd.isError(tooSmall)).isTrue();
        assertThat(zstd.errorName(tooSmall)).isEqualTo("Destination buffer is too small");
    }
}
