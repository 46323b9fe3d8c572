package io.uringhttpd.files;

import io.uringhttpd.compress.ContentCoding;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Variants} needs from the configuration ({@code compression { … }}).
 *
 * @param encodings           codings offered, in the server's order of preference (only those a library can make
 *                            or a sidecar may hold); empty: every response is unencoded
 * @param sidecars            serve file.br / file.zst / file.gz next to a file
 * @param variants            make and cache variants on the fly for the types below
 * @param types               media types to compress on the fly: "text/*" (a prefix) or exact "type/subtype"
 * @param minBytes            smaller files are not worth compressing
 * @param maxBytes            larger files are not compressed on the fly (the pool reads them whole)
 * @param cacheMemoryBytesMax bytes of variants kept in memory per event loop
 * @param cacheDiskBytesMax   bytes of variants kept in files of the cache directory per event loop
 * @param cacheEntriesMax     variants (and files being compressed) one loop remembers at most
 */
public record VariantSettings(List<ContentCoding> encodings, boolean sidecars, boolean variants, List<String> types,
                              long minBytes, long maxBytes, long cacheMemoryBytesMax, long cacheDiskBytesMax,
                              int cacheEntriesMax) {
    public VariantSettings {
        encodings = List.copyOf(encodings);
        types = List.copyOf(types);
        Objects.requireNonNull(encodings);
        if (cacheEntriesMax < 1) throw new IllegalArgumentException("cacheEntriesMax must be >= 1: " + cacheEntriesMax);
    }

    /** Nothing compressed: no sidecars, no variants. */
    public static VariantSettings off() {
        return new VariantSettings(List.of(), false, false, List.of(), 0, 0, 0, 0, 1);
    }
}
