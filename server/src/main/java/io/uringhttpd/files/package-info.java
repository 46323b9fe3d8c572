/**
 * Request path -> open file: kernel-confined resolution (openat2 RESOLVE_BENEATH), a per-loop open-file
 * cache, MIME types, strong ETags, Last-Modified dates and autoindex pages.
 *
 * <p>Single-threaded per event loop: each loop owns one {@link io.uringhttpd.files.FileService}.
 * {@link io.uringhttpd.files.MimeTypes} is immutable and may be shared. Syscalls go through
 * {@code io.uringhttpd.sys}; this package uses {@code java.lang.foreign.MemorySegment} only as an opaque
 * buffer type for small file bodies.
 */
package io.uringhttpd.files;
