package io.uringhttpd.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Blocking {@code java.io} streams over a raw fd, such as the end of a socketpair a master hands to
 * its worker: the JDK offers no way to wrap an int fd. Control path only (a line per worker start),
 * never the hot path. Each stream is used by one thread; {@link #shutdown(int)} may be called from
 * any thread to wake a reader blocked on a socket (close(2) alone does not wake it on Linux).
 */
public final class FdStreams {
    private static final int CHUNK_BYTES = 4096;

    private FdStreams() {
    }

    /** Reads until EOF (the peer closed or died) or an error; closing it closes nothing: see {@link #close(int)}. */
    public static InputStream input(int fd) {
        return new InputStream() {
            private final Syscalls sys = new Syscalls();
            // Auto arena: freed by the GC once the stream is unreachable, never under a blocked read.
            private final MemorySegment buffer = Arena.ofAuto().allocate(CHUNK_BYTES);

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (true) {
                    long n = sys.read(fd, buffer.address(), Math.min(len, CHUNK_BYTES));
                    if (n == -Errno.EINTR) {
                        continue;
                    }
                    if (n < 0) {
                        if (n == -Errno.ECONNRESET) {
                            return -1;
                        }
                        throw new IOException("read from fd " + fd + ": " + Errno.describe((int) n));
                    }
                    if (n == 0) {
                        return -1;
                    }
                    MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                    return (int) n;
                }
            }
        };
    }

    /** Writes every byte or throws (EPIPE when the peer is gone: the JVM ignores SIGPIPE). */
    public static OutputStream output(int fd) {
        return new OutputStream() {
            private final Syscalls sys = new Syscalls();
            private final MemorySegment buffer = Arena.ofAuto().allocate(CHUNK_BYTES);

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    int chunk = Math.min(len, CHUNK_BYTES);
                    MemorySegment.copy(b, off, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
                    long n = sys.write(fd, buffer.address(), chunk);
                    if (n == -Errno.EINTR) {
                        continue;
                    }
                    if (n < 0) {
                        throw new IOException("write to fd " + fd + ": " + Errno.describe((int) n));
                    }
                    off += (int) n;
                    len -= (int) n;
                }
            }
        };
    }

    /** Shuts a socket down both ways: a thread blocked reading it sees EOF. */
    public static void shutdown(int fd) {
        new Syscalls().shutdown(fd, SocketConstants.SHUT_RDWR);
    }

    public static void close(int fd) {
        new Syscalls().close(fd);
    }
}
