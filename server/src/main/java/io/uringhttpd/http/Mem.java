package io.uringhttpd.http;

import io.uringhttpd.sys.NativeMemory;

/**
 * Byte access to native memory by raw address, for the parsers: short names over
 * {@link NativeMemory}, which owns the one segment spanning the address space (static calls,
 * inlined by C2: nothing is allocated per access).
 *
 * <p>The engines hand us {@code (address, length)} of received bytes. There is no bounds safety:
 * every caller stays within the {@code [address, address + length)} it was given.
 */
final class Mem {
    private Mem() {}

    static byte get(long address) {
        return NativeMemory.getByte(address);
    }

    static int u8(long address) {
        return NativeMemory.getByte(address) & 0xFF;
    }

    /** 4 bytes in native order. */
    static int getInt(long address) {
        return NativeMemory.getInt(address);
    }

    /** 8 bytes in native order (for SWAR scans: any-byte tests do not depend on the order). */
    static long getLong(long address) {
        return NativeMemory.getLong(address);
    }

    static void put(long address, byte value) {
        NativeMemory.putByte(address, value);
    }

    static void copy(byte[] src, int srcOffset, long dstAddress, int length) {
        NativeMemory.copy(src, srcOffset, dstAddress, length);
    }

    static void copy(long srcAddress, long dstAddress, long length) {
        NativeMemory.copy(srcAddress, dstAddress, length);
    }

    /** Native memory to a Java array. */
    static void copy(long srcAddress, byte[] dst, int dstOffset, int length) {
        NativeMemory.copy(srcAddress, dst, dstOffset, length);
    }

    /** ASCII case-insensitive compare of memory against a lower-case constant of letters, digits, '-', '='. */
    static boolean equalsLower(long address, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            // '| 0x20' folds A-Z onto a-z; for the non-letters in our constants ('-', '=', digits)
            // it is the identity on themselves, and the only other byte it maps onto them is a
            // control byte, which never matches because callers pass validated tokens or fail anyway.
            if ((NativeMemory.getByte(address + i) | 0x20) != lower[i]) {
                return false;
            }
        }
        return true;
    }
}
