package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A site's header rules, compiled at load: path globs, the status classes they apply to, and their
 * field lines pre-rendered as bytes ("Cache-Control: max-age=60\r\n"), so a response only matches
 * and copies. At most 64 rules per site (one bit each), 64 distinct field names.
 *
 * <p>Per request, {@link #match} is computed once from the request's path; per response,
 * {@link #removals} and {@link #write} filter it by the status. All matching rules apply; a field
 * set by several of them comes from the last (rules are written from the last one back, each field
 * once). Nothing is allocated.
 */
public final class HeaderRules {
    public static final int REMOVE_SERVER = 1, REMOVE_ETAG = 2, REMOVE_LAST_MODIFIED = 4, REMOVE_ACCEPT_RANGES = 8;
    public static final int RULES_MAX = 64;

    /** What the configuration says of one rule (see ServerConfig.HeaderRule). */
    public record Rule(List<String> match, Map<String, String> set, List<String> remove, List<Integer> statusClasses) {}

    private static final HeaderRules NONE = new HeaderRules(new PathGlob[0][], new int[0], new byte[0][][], new long[0][], new int[0]);

    private final PathGlob[][] globs;
    /** Bit c set: applies to status class c (2..5). */
    private final int[] classes;
    private final byte[][][] lines;
    /** Per line, its field's bit (fields numbered in order of first appearance). */
    private final long[][] fields;
    private final int[] removes;
    /**
     * Bit i: rule i has a pattern a path can match with this byte after its leading '/'
     * (index {@link PathGlob#NO_SECOND_BYTE}: the path "/"), and with this last byte. Matching tries
     * only the rules in both: with "/assets/**" and "**&#47;*.html", a request for /app.js tries none.
     */
    private final long[] bySecondByte = new long[PathGlob.NO_SECOND_BYTE + 1];
    private final long[] byLastByte = new long[256];
    /** By status / 100 (0-9): the rules that apply to that class, and those of them that remove fields. */
    private final long[] rulesByClass = new long[10];
    private final long[] removingRulesByClass = new long[10];

    private HeaderRules(PathGlob[][] globs, int[] classes, byte[][][] lines, long[][] fields, int[] removes) {
        this.globs = globs;
        this.classes = classes;
        this.lines = lines;
        this.fields = fields;
        this.removes = removes;
        for (int i = 0; i < globs.length; i++) {
            for (int c = 0; c < rulesByClass.length; c++) {
                if ((classes[i] & 1 << c) != 0) {
                    rulesByClass[c] |= 1L << i;
                    if (removes[i] != 0) removingRulesByClass[c] |= 1L << i;
                }
            }
            for (PathGlob g : globs[i]) {
                for (int b = 0; b < bySecondByte.length; b++) {
                    if (g.admitsSecondByte(b)) bySecondByte[b] |= 1L << i;
                }
                for (int b = 0; b < byLastByte.length; b++) {
                    if (g.admitsLastByte(b)) byLastByte[b] |= 1L << i;
                }
            }
        }
    }

    public static HeaderRules compile(List<Rule> rules) {
        if (rules.isEmpty()) {
            return NONE;
        }
        if (rules.size() > RULES_MAX) {
            throw new IllegalArgumentException("at most " + RULES_MAX + " header rules per site, got " + rules.size());
        }
        int n = rules.size();
        PathGlob[][] globs = new PathGlob[n][];
        int[] classes = new int[n];
        byte[][][] lines = new byte[n][][];
        long[][] fields = new long[n][];
        int[] removes = new int[n];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Rule r = rules.get(i);
            globs[i] = r.match().stream().map(PathGlob::compile).toArray(PathGlob[]::new);
            for (int c : r.statusClasses()) classes[i] |= 1 << c;
            List<byte[]> ruleLines = new ArrayList<>();
            List<Long> ruleFields = new ArrayList<>();
            long ruleSets = 0;
            for (Map.Entry<String, String> f : r.set().entrySet()) {
                String lower = f.getKey().toLowerCase(Locale.ROOT);
                int id = names.indexOf(lower);
                if (id < 0) {
                    names.add(lower);
                    id = names.size() - 1;
                    if (id >= 64) throw new IllegalArgumentException("at most 64 field names per site's header rules");
                }
                if ((ruleSets & 1L << id) != 0) {
                    continue; // the same field in other case within one rule: its first line only
                }
                ruleSets |= 1L << id;
                ruleLines.add((f.getKey() + ": " + f.getValue() + "\r\n").getBytes(StandardCharsets.US_ASCII));
                ruleFields.add(1L << id);
            }
            lines[i] = ruleLines.toArray(byte[][]::new);
            fields[i] = ruleFields.stream().mapToLong(Long::longValue).toArray();
            for (String name : r.remove()) {
                removes[i] |= switch (name.toLowerCase(Locale.ROOT)) {
                    case "server" -> REMOVE_SERVER;
                    case "etag" -> REMOVE_ETAG;
                    case "last-modified" -> REMOVE_LAST_MODIFIED;
                    case "accept-ranges" -> REMOVE_ACCEPT_RANGES;
                    default -> throw new IllegalArgumentException("cannot remove " + name);
                };
            }
        }
        return new HeaderRules(globs, classes, lines, fields, removes);
    }

    /** Bit i: rule i matches this path. */
    long match(byte[] path, int length) {
        long candidates = bySecondByte[PathGlob.secondByte(path, length)] & byLastByte[path[length - 1] & 0xFF];
        long matched = 0;
        for (long c = candidates; c != 0; c &= c - 1) {
            int i = Long.numberOfTrailingZeros(c);
            for (PathGlob g : globs[i]) {
                if (g.matches(path, length)) {
                    matched |= 1L << i;
                    break;
                }
            }
        }
        return matched;
    }

    /** The REMOVE_* bits of the matched rules that apply to {@code status}. */
    int removals(long matched, int status) {
        long applicable = matched & removingRulesByClass[status / 100];
        int bits = 0;
        for (long m = applicable; m != 0; m &= m - 1) {
            bits |= removes[Long.numberOfTrailingZeros(m)];
        }
        return bits;
    }

    /** Appends the field lines of the matched rules that apply to {@code status}. */
    void write(long matched, int status, HeadWriter head) {
        long applicable = matched & rulesByClass[status / 100];
        if (applicable == 0) {
            return;
        }
        if ((applicable & applicable - 1) == 0) { // one rule: its lines, each field once by construction
            byte[][] ls = lines[Long.numberOfTrailingZeros(applicable)];
            for (int j = 0; j < ls.length; j++) {
                head.bytes(ls[j]);
            }
            return;
        }
        long written = 0;
        for (long m = applicable; m != 0; ) {
            int i = 63 - Long.numberOfLeadingZeros(m); // the last rule first: its fields win
            m &= ~(1L << i);
            byte[][] ls = lines[i];
            for (int j = 0; j < ls.length; j++) {
                if ((written & fields[i][j]) == 0) {
                    head.bytes(ls[j]);
                    written |= fields[i][j];
                }
            }
        }
    }
}
