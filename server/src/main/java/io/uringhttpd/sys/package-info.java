/**
 * The only package that reaches the kernel: glibc downcalls through {@code java.lang.foreign},
 * constants spelled as in C, and struct layouts read by raw address. x86_64 Linux only.
 *
 * <p>Calls return {@code >= 0} or {@code -errno} (see {@link io.uringhttpd.sys.Syscalls}); one
 * {@link io.uringhttpd.sys.Syscalls} per thread. Needs {@code --enable-native-access=ALL-UNNAMED}.
 *
 * <p>io_uring without liburing: {@link io.uringhttpd.sys.IoUring} (one ring per platform
 * thread), {@link io.uringhttpd.sys.Sqe} / {@link io.uringhttpd.sys.Cqe} (layouts and prep
 * helpers), {@link io.uringhttpd.sys.BufferRing} (provided buffers),
 * {@link io.uringhttpd.sys.IoUringProbe} (what the kernel offers, once at startup) and
 * {@link io.uringhttpd.sys.IoUringConstants} (include/uapi/linux/io_uring.h of Linux 6.18).
 *
 * <p>Processes, setup path only, callable from any thread (each call allocates its own
 * arena): {@link io.uringhttpd.sys.Processes} (posix_spawn with fd hand-over and reset
 * signals, kill, waitpid, socketpair, FD_CLOEXEC) with {@link io.uringhttpd.sys.WaitStatus},
 * {@link io.uringhttpd.sys.Signals} (numbers and names) and
 * {@link io.uringhttpd.sys.Privileges} (account lookups, dropping root for every thread).
 *
 * <p>Optional compression libraries, callable from any thread: {@link io.uringhttpd.sys.ZstdLibrary}
 * (libzstd.so.1) and {@link io.uringhttpd.sys.BrotliEncoderLibrary} (libbrotlienc.so.1), each
 * loaded once as a {@link io.uringhttpd.sys.LibraryBinding}: the library or why it is missing.
 */
package io.uringhttpd.sys;
