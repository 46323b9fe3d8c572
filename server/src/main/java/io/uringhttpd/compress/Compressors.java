package io.uringhttpd.compress;

import io.uringhttpd.sys.BrotliEncoderLibrary;
import io.uringhttpd.sys.LibraryBinding;
import io.uringhttpd.sys.ZstdLibrary;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compressors a configuration asks for, less those whose library this machine lacks: gzip is
 * always there (the JDK's zlib); zstd and brotli need libzstd1 and libbrotli1, which a slim image
 * may not have. A missing one costs that coding, with one warning line, not the server.
 */
public final class Compressors {
    private static final Logger LOG = LoggerFactory.getLogger(Compressors.class);
    /**
     * ZSTD_MAX_CLEVEL in every zstd release since 1.0: the range a zstd level is checked against
     * when libzstd is missing, so a bad level fails on every machine alike.
     */
    static final int ZSTD_MAX_LEVEL_WITHOUT_LIBRARY = 22;

    private Compressors() {
    }

    /**
     * One compressor per wanted coding this machine can do, in the order of {@code wanted}. All
     * three levels are checked, wanted or not (IllegalArgumentException with the range); a
     * coding whose library is missing is logged once and left out.
     */
    public static List<Compressor> available(List<ContentCoding> wanted, int gzipLevel, int zstdLevel, int brotliLevel) {
        return available(wanted, gzipLevel, zstdLevel, brotliLevel, ZstdLibrary.load(), BrotliEncoderLibrary.load());
    }

    /** The codings whose library loads here (GZIP always), in declaration order. */
    public static List<ContentCoding> offerable() {
        List<ContentCoding> codings = new ArrayList<>(List.of(ContentCoding.GZIP));
        if (ZstdLibrary.load().available()) {
            codings.add(ContentCoding.ZSTD);
        }
        if (BrotliEncoderLibrary.load().available()) {
            codings.add(ContentCoding.BR);
        }
        return List.copyOf(codings);
    }

    /** {@link #available(List, int, int, int)} with the libraries given (tests pass missing ones). */
    static List<Compressor> available(List<ContentCoding> wanted, int gzipLevel, int zstdLevel, int brotliLevel,
            LibraryBinding<ZstdLibrary> zstd, LibraryBinding<BrotliEncoderLibrary> brotli) {
        checkLevel(ContentCoding.GZIP, gzipLevel, GzipCompressor.MIN_LEVEL, GzipCompressor.MAX_LEVEL);
        checkLevel(ContentCoding.ZSTD, zstdLevel, ZstdCompressor.MIN_LEVEL,
                zstd.available() ? zstd.library().maxCLevel() : ZSTD_MAX_LEVEL_WITHOUT_LIBRARY);
        checkLevel(ContentCoding.BR, brotliLevel, BrotliCompressor.MIN_QUALITY, BrotliCompressor.MAX_QUALITY);
        if (wanted.stream().distinct().count() != wanted.size()) {
            throw new IllegalArgumentException("content-codings listed twice: " + wanted);
        }
        List<Compressor> compressors = new ArrayList<>();
        for (ContentCoding coding : wanted) {
            switch (coding) {
                case GZIP -> compressors.add(new GzipCompressor(gzipLevel));
                case ZSTD -> {
                    if (zstd.available()) {
                        compressors.add(new ZstdCompressor(zstd.library(), zstdLevel));
                    } else {
                        warnMissing(coding, ZstdLibrary.SONAME, zstd.unavailableReason(), "libzstd1");
                    }
                }
                case BR -> {
                    if (brotli.available()) {
                        compressors.add(new BrotliCompressor(brotli.library(), brotliLevel));
                    } else {
                        warnMissing(coding, BrotliEncoderLibrary.SONAME, brotli.unavailableReason(), "libbrotli1");
                    }
                }
            }
        }
        return List.copyOf(compressors);
    }

    private static void warnMissing(ContentCoding coding, String soname, String reason, String debianPackage) {
        LOG.warn("{} cannot be loaded ({}): install the Debian package {}; until then no {} variant is made on the fly"
                + " (file{} sidecars are still served)", soname, reason, debianPackage, coding.token(), coding.sidecarSuffix());
    }

    static void checkLevel(ContentCoding coding, int level, int min, int max) {
        if (level < min || level > max) {
            throw new IllegalArgumentException(coding.token() + " level " + level + " is out of range: allowed "
                    + min + ".." + max);
        }
    }

    static <T> T require(LibraryBinding<T> binding, ContentCoding coding) {
        if (!binding.available()) {
            throw new IllegalStateException(coding.token() + " is unavailable: " + binding.unavailableReason());
        }
        return binding.library();
    }

    /** What every {@link Compressor#compress} checks before native code gets the addresses. */
    static void checkSegments(Compressor c, MemorySegment source, MemorySegment target) {
        if (!source.isNative() || !target.isNative()) {
            throw new IllegalArgumentException("source and target must be native segments");
        }
        if (target.isReadOnly()) {
            throw new IllegalArgumentException("target is read-only");
        }
        long bound = c.maxCompressedBytes(source.byteSize());
        if (target.byteSize() < bound) {
            throw new IllegalArgumentException(c.coding().token() + " target of " + target.byteSize()
                    + " bytes is below the bound " + bound + " for " + source.byteSize() + " bytes");
        }
    }
}
