/**
 * The only package that reaches the kernel: glibc downcalls through {@code java.lang.foreign},
 * constants spelled as in C, and struct layouts read by raw address. x86_64 Linux only.
 *
 * <p>Calls return {@code >= 0} or {@code -errno} (see {@link io.uringhttpd.sys.Syscalls}); one
 * {@link io.uringhttpd.sys.Syscalls} per thread. Needs {@code --enable-native-access=ALL-UNNAMED}.
 */
package io.uringhttpd.sys;
