package io.uringhttpd.sys;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * struct sockaddr_in / sockaddr_in6 (include/uapi/linux/in.h, in6.h), as accept4(2) and
 * getsockname(2) fill them. Family in host order; port, IPv4 address and flow info in network
 * (big-endian) order.
 * <pre>
 *  sockaddr_in (16 bytes)           sockaddr_in6 (28 bytes)
 *  0   u16 sin_family  (AF_INET)    0   u16 sin6_family  (AF_INET6)
 *  2   u16 sin_port    (BE)         2   u16 sin6_port    (BE)
 *  4   u32 sin_addr    (BE)         4   u32 sin6_flowinfo (BE)
 *  8   u8[8] zero                   8   u8[16] sin6_addr
 *                                   24  u32 sin6_scope_id (host order)
 * </pre>
 * Callers that want the peer address reserve {@link #STORAGE_BYTES} plus a u32 length
 * initialised to it, and pass both to {@link Syscalls#accept4(int, int, long, long)}.
 */
public final class Sockaddr {
    /** sizeof(struct sockaddr_storage): room for any family. */
    public static final int STORAGE_BYTES = 128;
    public static final int IN_BYTES = 16;
    public static final int IN6_BYTES = 28;
    /** INET6_ADDRSTRLEN - 1: the longest text {@link #formatIp} writes ("ffff:...:255.255.255.255"). */
    public static final int IP_TEXT_BYTES_MAX = 45;

    static final long FAMILY_OFFSET = 0;
    static final long PORT_OFFSET = 2;
    static final long IN_ADDR_OFFSET = 4;
    static final long IN6_FLOWINFO_OFFSET = 4;
    static final long IN6_ADDR_OFFSET = 8;
    static final long IN6_SCOPE_ID_OFFSET = 24;

    private static final ValueLayout.OfShort SHORT_BE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private Sockaddr() {
    }

    /** AF_INET or AF_INET6 (or another family the caller did not expect). */
    public static int family(long address) {
        return NativeMemory.getShort(address + FAMILY_OFFSET) & 0xFFFF;
    }

    public static int port(long address) {
        return NativeMemory.ALL.get(SHORT_BE, address + PORT_OFFSET) & 0xFFFF;
    }

    /**
     * Writes the IP as ASCII text (dotted quad, or RFC 5952 IPv6 with IPv4-mapped addresses shown
     * as dotted quads) into {@code out} at {@code offset}; returns the length, at most
     * {@link #IP_TEXT_BYTES_MAX}, or -1 for an unknown family. Allocates nothing (access log).
     */
    public static int formatIp(long address, byte[] out, int offset) {
        int family = family(address);
        if (family == SocketConstants.AF_INET) {
            return formatIpv4(address + IN_ADDR_OFFSET, out, offset) - offset;
        }
        if (family != SocketConstants.AF_INET6) {
            return -1;
        }
        long a = address + IN6_ADDR_OFFSET;
        if (NativeMemory.getLong(a) == 0 && NativeMemory.getInt(a + 8) == 0xFFFF_0000) {
            // ::ffff:a.b.c.d, what a dual-stack listener reports for IPv4 clients; u32 read is
            // little-endian, so bytes 00 00 ff ff read as 0xffff0000.
            int p = put(out, offset, "::ffff:");
            return formatIpv4(a + 12, out, p) - offset;
        }
        // RFC 5952 4.2: compress the longest run (>= 2) of zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        int runStart = -1;
        for (int g = 0; g < 8; g++) {
            if (group(a, g) == 0) {
                if (runStart < 0) {
                    runStart = g;
                }
                if (g - runStart + 1 > bestLength) {
                    bestStart = runStart;
                    bestLength = g - runStart + 1;
                }
            } else {
                runStart = -1;
            }
        }
        int p = offset;
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                out[p++] = ':';
                out[p++] = ':';
                g += bestLength - 1;
                continue;
            }
            if (g > 0 && g != bestStart + bestLength) {
                out[p++] = ':';
            }
            p = putHex(out, p, group(a, g));
        }
        return p - offset;
    }

    /** Builds a Java address (allocates: setup and error messages only). */
    public static InetSocketAddress toInetSocketAddress(long address) {
        int family = family(address);
        byte[] ip;
        if (family == SocketConstants.AF_INET) {
            ip = new byte[4];
            NativeMemory.copy(address + IN_ADDR_OFFSET, ip, 0, 4);
        } else if (family == SocketConstants.AF_INET6) {
            ip = new byte[16];
            NativeMemory.copy(address + IN6_ADDR_OFFSET, ip, 0, 16);
        } else {
            throw new IllegalArgumentException("unsupported address family " + family);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port(address));
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only thrown for a wrong array length
        }
    }

    /** Writes sockaddr_in/in6 for a resolved address at {@code offset}; returns its length. */
    static int write(MemorySegment segment, long offset, InetSocketAddress socketAddress) {
        if (socketAddress.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + socketAddress);
        }
        InetAddress ip = socketAddress.getAddress();
        segment.asSlice(offset, STORAGE_BYTES).fill((byte) 0);
        segment.set(SHORT_BE, offset + PORT_OFFSET, (short) socketAddress.getPort());
        if (ip instanceof Inet4Address) {
            segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + FAMILY_OFFSET, (short) SocketConstants.AF_INET);
            MemorySegment.copy(ip.getAddress(), 0, segment, ValueLayout.JAVA_BYTE, offset + IN_ADDR_OFFSET, 4);
            return IN_BYTES;
        }
        Inet6Address ip6 = (Inet6Address) ip;
        segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset + FAMILY_OFFSET, (short) SocketConstants.AF_INET6);
        MemorySegment.copy(ip6.getAddress(), 0, segment, ValueLayout.JAVA_BYTE, offset + IN6_ADDR_OFFSET, 16);
        segment.set(ValueLayout.JAVA_INT_UNALIGNED, offset + IN6_SCOPE_ID_OFFSET, ip6.getScopeId());
        return IN6_BYTES;
    }

    private static int group(long in6Address, int index) {
        return NativeMemory.ALL.get(SHORT_BE, in6Address + 2L * index) & 0xFFFF;
    }

    private static int formatIpv4(long in4Address, byte[] out, int p) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                out[p++] = '.';
            }
            int b = NativeMemory.getByte(in4Address + i) & 0xFF;
            if (b >= 100) {
                out[p++] = (byte) ('0' + b / 100);
            }
            if (b >= 10) {
                out[p++] = (byte) ('0' + b / 10 % 10);
            }
            out[p++] = (byte) ('0' + b % 10);
        }
        return p;
    }

    private static int putHex(byte[] out, int p, int value) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = (value >>> shift) & 0xF;
            if (digit != 0 || started || shift == 0) {
                out[p++] = HEX[digit];
                started = true;
            }
        }
        return p;
    }

    private static int put(byte[] out, int p, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            out[p++] = (byte) ascii.charAt(i);
        }
        return p;
    }
}
