package io.uringhttpd.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * struct open_how (include/uapi/linux/openat2.h, kernel >= 5.6), the openat2(2) argument.
 * <pre>
 *  offset  size  field
 *  0       8     u64 flags     O_RDONLY | O_CLOEXEC | ...
 *  8       8     u64 mode      must be 0 unless O_CREAT/O_TMPFILE (else EINVAL)
 *  16      8     u64 resolve   RESOLVE_* bits
 * </pre>
 * The size is passed to the kernel too (extensible struct): 24 is OPEN_HOW_SIZE_VER0.
 */
final class OpenHow {
    static final long BYTES = 24;
    static final long FLAGS_OFFSET = 0;
    static final long MODE_OFFSET = 8;
    static final long RESOLVE_OFFSET = 16;

    private OpenHow() {
    }

    static void set(MemorySegment segment, long offset, long flags, long mode, long resolve) {
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + FLAGS_OFFSET, flags);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + MODE_OFFSET, mode);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, offset + RESOLVE_OFFSET, resolve);
    }
}
