package io.uringhttpd.sys;

/**
 * struct iovec (include/uapi/linux/uio.h), the writev(2) element; x86_64 layout:
 * <pre>
 *  offset  size  field
 *  0       8     void  *iov_base
 *  8       8     size_t iov_len
 *  16            next element
 * </pre>
 * writev accepts at most IOV_MAX = 1024 elements (include/uapi/linux/uio.h, UIO_MAXIOV).
 */
public final class Iovec {
    public static final long BYTES = 16;
    /** UIO_MAXIOV: more elements give EINVAL. */
    public static final int IOV_MAX = 1024;
    static final long BASE_OFFSET = 0;
    static final long LENGTH_OFFSET = 8;

    private Iovec() {
    }

    public static void set(long arrayAddress, int index, long base, long length) {
        long element = arrayAddress + index * BYTES;
        NativeMemory.putLong(element + BASE_OFFSET, base);
        NativeMemory.putLong(element + LENGTH_OFFSET, length);
    }

    public static long base(long arrayAddress, int index) {
        return NativeMemory.getLong(arrayAddress + index * BYTES + BASE_OFFSET);
    }

    public static long length(long arrayAddress, int index) {
        return NativeMemory.getLong(arrayAddress + index * BYTES + LENGTH_OFFSET);
    }
}
