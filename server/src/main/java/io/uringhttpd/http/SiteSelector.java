package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Host → site, compiled once from the configuration: an open-addressing table of exact names and a
 * list of wildcard suffixes, longest first. Site 0 is the default (the top-level keys); site i + 1
 * is entry i of uring-httpd.sites.
 *
 * <p>{@link #select} reads the Host value (or an absolute-form target's authority) in place:
 * ASCII case folded, the port and a trailing dot ignored (RFC 9110 §4.2.3: the host is
 * case-insensitive; a fully qualified "example.com." names the same host). An IP literal or an
 * unknown name gets the default site. Nothing is allocated.
 */
public final class SiteSelector {
    private final byte[][] names;
    private final int[] sites;
    private final int mask;
    /** No site besides the default: every request gets site 0 without reading its Host. */
    private final boolean defaultOnly;
    /** ".example.com" of "*.example.com", longest first, and their sites. */
    private final byte[][] suffixes;
    private final int[] suffixSites;

    /** @param hostsPerSite the hosts of site 1, 2, … (lower case, no trailing dot, "*." for wildcards) */
    public SiteSelector(List<List<String>> hostsPerSite) {
        List<byte[]> exact = new ArrayList<>();
        List<Integer> exactSites = new ArrayList<>();
        record Suffix(byte[] bytes, int site) {}
        List<Suffix> wild = new ArrayList<>();
        for (int i = 0; i < hostsPerSite.size(); i++) {
            for (String host : hostsPerSite.get(i)) {
                if (host.startsWith("*.")) {
                    wild.add(new Suffix(host.substring(1).getBytes(StandardCharsets.US_ASCII), i + 1));
                } else {
                    exact.add(host.getBytes(StandardCharsets.US_ASCII));
                    exactSites.add(i + 1);
                }
            }
        }
        int capacity = Integer.highestOneBit(Math.max(4, exact.size() * 2) - 1) << 1;
        names = new byte[capacity][];
        sites = new int[capacity];
        mask = capacity - 1;
        for (int i = 0; i < exact.size(); i++) {
            byte[] name = exact.get(i);
            int slot = hash(name, 0, name.length) & mask;
            while (names[slot] != null) slot = (slot + 1) & mask;
            names[slot] = name;
            sites[slot] = exactSites.get(i);
        }
        wild.sort(Comparator.comparingInt((Suffix s) -> s.bytes().length).reversed());
        suffixes = wild.stream().map(Suffix::bytes).toArray(byte[][]::new);
        suffixSites = wild.stream().mapToInt(Suffix::site).toArray();
        defaultOnly = exact.isEmpty() && wild.isEmpty();
    }

    /** The site for a Host value at {@code [address, address + length)}; 0 when absent (length -1) or unknown. */
    public int select(long address, int length) {
        if (defaultOnly || length <= 0 || Mem.get(address) == '[') {
            return 0; // no Host (HTTP/1.0), or an IPv6 literal: never a configured name
        }
        int end = 0;
        while (end < length && Mem.get(address + end) != ':') end++;
        if (end > 0 && Mem.get(address + end - 1) == '.') end--;
        if (end == 0) {
            return 0;
        }
        int h = 0x811c9dc5;
        for (int i = 0; i < end; i++) h = (h ^ lower(Mem.get(address + i))) * 0x01000193;
        h ^= h >>> 15;
        for (int slot = h & mask; names[slot] != null; slot = (slot + 1) & mask) {
            if (equalsLower(address, end, names[slot], 0)) {
                return sites[slot];
            }
        }
        for (int s = 0; s < suffixes.length; s++) {
            byte[] suffix = suffixes[s];
            int from = end - suffix.length;
            if (from > 0 && equalsLower(address + from, suffix.length, suffix, 0)) {
                return suffixSites[s];
            }
        }
        return 0;
    }

    /**
     * One loop's memory of the last Host value it chose a site for (the selector itself is shared by
     * the loops and immutable). A connection, and a pipelined batch above all, repeats its Host:
     * comparing the raw bytes again, a word at a time, costs less than folding and hashing them
     * (14 ns for "127.0.0.1:8080" against 3 ns). Raw bytes, case and port included, so the memo
     * answers exactly what {@link #select} would.
     */
    public static final class Memo {
        /** Longer Host values are not remembered (253 is the longest name, but most are far shorter). */
        static final int BYTES_MAX = 64;
        private final SiteSelector selector;
        /** The value's words at offsets 0, 8, …, and last the word ending at its end (which may overlap). */
        private final long[] words = new long[BYTES_MAX / 8 + 1];
        private int length = -1;
        private int site;

        public Memo(SiteSelector selector) {
            this.selector = selector;
        }

        /** As {@link SiteSelector#select}. */
        public int select(long address, int length) {
            if (selector.defaultOnly) {
                return 0;
            }
            if (length < Long.BYTES || length > BYTES_MAX) {
                return selector.select(address, length);
            }
            if (length == this.length && same(address, length)) {
                return site;
            }
            int chosen = selector.select(address, length);
            for (int i = 0; i + Long.BYTES <= length; i += Long.BYTES) {
                words[i >> 3] = Mem.getLong(address + i);
            }
            words[BYTES_MAX / 8] = Mem.getLong(address + length - Long.BYTES);
            this.length = length;
            site = chosen;
            return chosen;
        }

        private boolean same(long address, int length) {
            for (int i = 0; i + Long.BYTES <= length; i += Long.BYTES) {
                if (Mem.getLong(address + i) != words[i >> 3]) return false;
            }
            return Mem.getLong(address + length - Long.BYTES) == words[BYTES_MAX / 8];
        }
    }

    private static boolean equalsLower(long address, int length, byte[] lower, int offset) {
        if (lower.length - offset != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (lower(Mem.get(address + i)) != lower[offset + i]) return false;
        }
        return true;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) h = (h ^ b[i]) * 0x01000193;
        return h ^ (h >>> 15);
    }
}
