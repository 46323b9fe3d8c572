/**
 * Whole-file compression for precompressed and cached response variants:
 * {@link io.uringhttpd.compress.ContentCoding} (tokens and sidecar suffixes),
 * {@link io.uringhttpd.compress.Compressor} with gzip (the JDK's zlib), zstd and brotli (native
 * libraries bound in {@link io.uringhttpd.sys}), and {@link io.uringhttpd.compress.Compressors},
 * which leaves out a coding whose library this machine lacks.
 */
package io.uringhttpd.compress;
