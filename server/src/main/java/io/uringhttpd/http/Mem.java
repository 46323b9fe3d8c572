package io.uringhttpd.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Byte access to native memory by raw address.
 *
 * <p>Why one segment spanning the whole address space instead of a {@code (segment, offset)} pair:
 * the engines hand us {@code (address, length)} of received bytes, and a {@code static final}
 * segment lets C2 fold the segment's base, scope and liveness checks into constants (a global
 * segment is always alive); what remains per access is one compare against {@code Long.MAX_VALUE}.
 * A per-call segment slice would cost an allocation (or rely on escape analysis) and a real bounds
 * check on each byte. The price: no bounds safety, so every caller stays within
 * {@code [address, address + length)} it was given. {@code reinterpret} is a restricted method:
 * the jar's manifest carries {@code Enable-Native-Access: ALL-UNNAMED}.
 */
final class Mem {
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private Mem() {}

    static byte get(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address);
    }

    static int u8(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address) & 0xFF;
    }

    static void put(long address, byte value) {
        ALL.set(ValueLayout.JAVA_BYTE, address, value);
    }

    static void copy(byte[] src, int srcOffset, long dstAddress, int length) {
        MemorySegment.copy(src, srcOffset, ALL, ValueLayout.JAVA_BYTE, dstAddress, length);
    }

    static void copy(long srcAddress, long dstAddress, long length) {
        MemorySegment.copy(ALL, srcAddress, ALL, dstAddress, length);
    }

    /** ASCII case-insensitive compare of memory against a lower-case constant of letters, digits, '-', '='. */
    static boolean equalsLower(long address, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            // '| 0x20' folds A-Z onto a-z; for the non-letters in our constants ('-', '=', digits)
            // it is the identity on themselves, and the only other byte it maps onto them is a
            // control byte, which never matches because callers pass validated tokens or fail anyway.
            if ((ALL.get(ValueLayout.JAVA_BYTE, address + i) | 0x20) != lower[i]) {
                return false;
            }
        }
        return true;
    }
}
