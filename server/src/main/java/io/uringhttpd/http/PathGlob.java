package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;

/**
 * A path pattern of a site rule, compiled at load and matched against the request's decoded,
 * normalized path bytes: {@code **} matches any run of bytes ('/' included), {@code *} any run
 * without '/', every other byte itself ('.' is a dot). {@code /assets/**} matches everything below
 * /assets/; {@code **}{@code /*.html} every .html file.
 *
 * <p>Matching allocates nothing and cannot blow up: the literal prefix and suffix are compared first
 * (most paths fail there), then one pass over the path keeps the set of pattern positions still
 * alive (a bit set: patterns have at most 63 tokens), O(path × tokens) at worst.
 */
public final class PathGlob {
    /** Token kinds. */
    private static final int LITERAL = 0, STAR = 1, DOUBLE_STAR = 2;
    static final int TOKENS_MAX = 63;

    private final String text;
    private final int[] kinds;
    private final byte[] literals;
    private final byte[] prefix;
    private final byte[] suffix;
    private final boolean literal;
    /**
     * The common shapes decided by prefix and suffix alone: "/dir/**" (a prefix), "**.ext" (a suffix),
     * "**" + "/*.ext" (a suffix without '/': the '*' before it then never needs to cross one).
     */
    private final boolean affixOnly;

    private PathGlob(String text, int[] kinds, byte[] literals, byte[] prefix, byte[] suffix, boolean literal,
                     boolean affixOnly) {
        this.text = text;
        this.kinds = kinds;
        this.literals = literals;
        this.prefix = prefix;
        this.suffix = suffix;
        this.literal = literal;
        this.affixOnly = affixOnly;
    }

    /**
     * @throws IllegalArgumentException when the pattern does not start with '/' or "**", has "***",
     *     or more than 63 tokens (each byte and each wildcard is one)
     */
    public static PathGlob compile(String pattern) {
        if (!pattern.startsWith("/") && !pattern.startsWith("**")) {
            throw new IllegalArgumentException("a path pattern starts with '/' or \"**\"");
        }
        if (pattern.contains("***")) {
            throw new IllegalArgumentException("\"***\" means nothing: use \"**\"");
        }
        byte[] b = pattern.getBytes(StandardCharsets.UTF_8);
        int n = 0;
        for (int i = 0; i < b.length; i++, n++) {
            if (b[i] == '*' && i + 1 < b.length && b[i + 1] == '*') i++;
        }
        if (n > TOKENS_MAX) {
            throw new IllegalArgumentException("a path pattern has at most " + TOKENS_MAX + " characters and wildcards");
        }
        int[] kinds = new int[n];
        byte[] literals = new byte[n];
        int t = 0;
        boolean literal = true;
        for (int i = 0; i < b.length; i++, t++) {
            if (b[i] == '*') {
                literal = false;
                if (i + 1 < b.length && b[i + 1] == '*') {
                    kinds[t] = DOUBLE_STAR;
                    i++;
                } else {
                    kinds[t] = STAR;
                }
            } else {
                kinds[t] = LITERAL;
                literals[t] = b[i];
            }
        }
        int p = 0;
        while (p < n && kinds[p] == LITERAL) p++;
        int s = n;
        while (s > p && kinds[s - 1] == LITERAL) s--;
        byte[] prefix = java.util.Arrays.copyOfRange(literals, 0, p);
        byte[] suffix = literal ? new byte[0] : java.util.Arrays.copyOfRange(literals, s, n);
        boolean slashFreeSuffix = true;
        for (byte c : suffix) slashFreeSuffix &= c != '/';
        boolean affixOnly = !literal && ((s - p == 1 && kinds[p] == DOUBLE_STAR)
                || (p == 0 && s == 3 && kinds[0] == DOUBLE_STAR && literals[1] == '/' && kinds[1] == LITERAL
                        && kinds[2] == STAR && slashFreeSuffix));
        return new PathGlob(pattern, kinds, literals, prefix, suffix, literal, affixOnly);
    }

    /**
     * Whether a path whose byte after the leading '/' is {@code secondByte} ({@link #NO_SECOND_BYTE}
     * for the path "/" itself) can match: false only when the pattern's literal prefix fixes another.
     * For the rule tables that skip, per request, the patterns a path cannot match.
     */
    boolean admitsSecondByte(int secondByte) {
        if (prefix.length < 2) {
            return !literal || secondByte == NO_SECOND_BYTE; // "/", "/**", "**/*.html" (a literal "/" only for "/")
        }
        return secondByte == (prefix[1] & 0xFF);
    }

    /** Whether a path whose last byte is {@code lastByte} can match. */
    boolean admitsLastByte(int lastByte) {
        byte[] end = literal ? prefix : suffix;
        return end.length == 0 || lastByte == (end[end.length - 1] & 0xFF);
    }

    /** A path's second byte for {@link #admitsSecondByte}: its byte after the leading '/', or NO_SECOND_BYTE for "/". */
    static int secondByte(byte[] path, int length) {
        return length > 1 ? path[1] & 0xFF : NO_SECOND_BYTE;
    }

    static final int NO_SECOND_BYTE = 256;

    /** Whether the path {@code path[0, length)} matches. */
    public boolean matches(byte[] path, int length) {
        if (literal) {
            return length == prefix.length && java.util.Arrays.equals(path, 0, length, prefix, 0, length);
        }
        if (length < prefix.length + suffix.length || !affixes(path, length)) {
            return false;
        }
        // "**/*.ext": length covers the '/' (every path starts with one). The general case is a
        // method of its own, so that this one stays small enough to be inlined where it is called.
        return affixOnly || matchesTokens(path, length);
    }

    /** One pass over the path with the set of live pattern positions. */
    private boolean matchesTokens(byte[] path, int length) {
        int[] k = kinds;
        int n = k.length;
        // alive: bit i set = the first i tokens match the path read so far.
        long alive = closure(1L, k);
        for (int c = 0; c < length && alive != 0; c++) {
            byte ch = path[c];
            long next = 0;
            for (int i = 0; i < n; i++) {
                if ((alive & 1L << i) == 0) continue;
                switch (k[i]) {
                    case LITERAL -> {
                        if (literals[i] == ch) next |= 1L << (i + 1);
                    }
                    case STAR -> {
                        if (ch != '/') next |= 1L << i; // stays on the star
                    }
                    default -> next |= 1L << i;        // ** takes anything
                }
            }
            alive = closure(next, k);
        }
        return (alive & 1L << n) != 0;
    }

    /** The literal prefix and suffix, last byte first (where paths usually differ), without a call per byte range. */
    private boolean affixes(byte[] path, int length) {
        byte[] p = prefix;
        for (int i = p.length - 1; i >= 0; i--) {
            if (path[i] != p[i]) return false;
        }
        byte[] x = suffix;
        int from = length - x.length;
        for (int i = x.length - 1; i >= 0; i--) {
            if (path[from + i] != x[i]) return false;
        }
        return true;
    }

    /** Wildcards may match nothing: a live position before one makes the position after it live too. */
    private static long closure(long alive, int[] k) {
        for (int i = 0; i < k.length; i++) {
            if ((alive & 1L << i) != 0 && k[i] != LITERAL) alive |= 1L << (i + 1);
        }
        return alive;
    }

    @Override
    public String toString() {
        return text;
    }
}
