package io.uringhttpd.sys;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SockaddrTest {
    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, 127.0.0.1",
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
        "10.0.100.9, 10.0.100.9",
        "::1, ::1",
        "::, ::",
        "1::, 1::",
        "2001:db8::1, 2001:db8::1",
        "2001:0db8:0000:0000:0001:0000:0000:0001, 2001:db8::1:0:0:1",   // RFC 5952 4.2.3: first longest run
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",                   // 4.2.2: a single 0 is not compressed
        "fe80::abcd:ef01:2345:6789, fe80::abcd:ef01:2345:6789",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    })
    void formatsIpsAsRfc5952Text(String input, String expected) throws UnknownHostException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(Sockaddr.STORAGE_BYTES, 8);
            // Inet6Address.getByName folds ::ffff:a.b.c.d into an Inet4Address, so mapped
            // addresses are tested separately below.
            int length = Sockaddr.write(sockaddr, 0, new InetSocketAddress(InetAddress.getByName(input), 8080));
            assertThat(length).isEqualTo(input.contains(":") ? Sockaddr.IN6_BYTES : Sockaddr.IN_BYTES);
            byte[] out = new byte[Sockaddr.IP_TEXT_BYTES_MAX];
            int n = Sockaddr.formatIp(sockaddr.address(), out, 0);
            assertThat(new String(out, 0, n, US_ASCII)).isEqualTo(expected);
            assertThat(Sockaddr.port(sockaddr.address())).isEqualTo(8080);
        }
    }

    @Test
    void ipv4MappedIpv6IsShownDotted() {
        try (Arena arena = Arena.ofConfined()) {
            long a = arena.allocate(Sockaddr.STORAGE_BYTES, 8).address();
            NativeMemory.putShort(a, (short) SocketConstants.AF_INET6);
            long ip = a + 8;
            byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, (byte) 168, 1, (byte) 254};
            NativeMemory.copy(mapped, 0, ip, 16);
            byte[] out = new byte[Sockaddr.IP_TEXT_BYTES_MAX];
            int n = Sockaddr.formatIp(a, out, 0);
            assertThat(new String(out, 0, n, US_ASCII)).isEqualTo("::ffff:192.168.1.254");

            NativeMemory.putShort(a, (short) 1); // AF_UNIX
            assertThat(Sockaddr.formatIp(a, out, 0)).isEqualTo(-1);
        }
    }

    @Test
    void longestTextFits() {
        try (Arena arena = Arena.ofConfined()) {
            long a = arena.allocate(Sockaddr.STORAGE_BYTES, 8).address();
            NativeMemory.putShort(a, (short) SocketConstants.AF_INET6);
            // no zero group to compress, every group 4 digits: 39 bytes; mapped form max is 22
            for (int i = 0; i < 16; i++) {
                NativeMemory.putByte(a + 8 + i, (byte) 0xab);
            }
            byte[] out = new byte[Sockaddr.IP_TEXT_BYTES_MAX];
            assertThat(Sockaddr.formatIp(a, out, 0)).isEqualTo(39);
        }
    }
}
