package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tables by a path's second and last byte only skip rules a path cannot match: header rules and
 * redirects answer exactly what trying every rule in order would, over patterns of every shape
 * (literal, prefix, suffix, "/", "**", "/**") and paths that hit and miss each of them.
 */
class RuleTablesTest {
    private static final List<String> PATTERNS = List.of("/assets/**", "**/*.html", "/*.js", "/a.b", "/about",
            "/fonts/*.woff2", "/**/x/**/y", "/*/*/*", "**", "/caf*", "/", "/**", "/*", "**.css", "/a", "/a/**",
            "/assets1/**", "/assets2/**", "**/*.bin", "/x*y", "/**z");
    private static final List<String> PATHS = List.of("/", "/a", "/a/", "/a/b", "/a/b/c", "/a.b", "/axb", "/about",
            "/about/", "/assets", "/assets/", "/assets/app.3f2a.js", "/assets1/x", "/assets2/", "/assetsx/a.js",
            "/index.html", "/a/b/c.html", "/a/b/c.htm", "/app.js", "/js/app.js", "/fonts/inter.woff2", "/x/y",
            "/a/x/b/c/y", "/café", "/x.css", "/y.css", "/1k.bin", "/d/1k.bin", "/xy", "/xzy", "/z", "/zz",
            "/b/z", "//", "/%");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void headerRulesMatchWhatEveryGlobSays() {
        List<HeaderRules.Rule> rules = new ArrayList<>();
        for (String p : PATTERNS) {
            rules.add(new HeaderRules.Rule(List.of(p), Map.of("X-P", "1"), List.of(), List.of(2)));
        }
        // And rules of several patterns each.
        rules.add(new HeaderRules.Rule(List.of("/assets/**", "**/*.html"), Map.of("X-Q", "1"), List.of(), List.of(2)));
        rules.add(new HeaderRules.Rule(List.of("/", "/a"), Map.of("X-Q", "1"), List.of(), List.of(2)));
        HeaderRules all = HeaderRules.compile(rules);
        for (String path : PATHS) {
            byte[] p = bytes(path);
            long expected = 0;
            for (int i = 0; i < rules.size(); i++) {
                for (String pattern : rules.get(i).match()) {
                    if (PathGlob.compile(pattern).matches(p, p.length)) expected |= 1L << i;
                }
            }
            assertThat(Long.toBinaryString(all.match(p, p.length))).as(path).isEqualTo(Long.toBinaryString(expected));
        }
    }

    /** Fields set by several matching rules come from the last; one rule naming a field twice (in two cases) writes it once. */
    @Test
    void writtenFieldsComeFromTheLastRuleEachOnce() {
        Map<String, String> twice = new java.util.LinkedHashMap<>();
        twice.put("cache-control", "b");
        twice.put("CACHE-CONTROL", "c");
        Map<String, String> first = new java.util.LinkedHashMap<>();
        first.put("X-A", "1");
        first.put("Cache-Control", "a");
        HeaderRules rules = HeaderRules.compile(List.of(
                new HeaderRules.Rule(List.of("/**"), first, List.of(), List.of(2)),
                new HeaderRules.Rule(List.of("**/*.css"), twice, List.of(), List.of(2, 4)),
                new HeaderRules.Rule(List.of("/none"), Map.of("X-N", "1"), List.of("server"), List.of(2))));
        try (NativeText mem = new NativeText()) {
            long out = mem.allocate(512).address();
            HeadWriter head = new HeadWriter();
            for (var c : List.of(new Object[] {"/a.css", 200, "cache-control: b\r\nX-A: 1\r\n"},
                    new Object[] {"/a.css", 404, "cache-control: b\r\n"},
                    new Object[] {"/a.js", 200, "X-A: 1\r\nCache-Control: a\r\n"},
                    new Object[] {"/a.js", 301, ""})) {
                byte[] p = bytes((String) c[0]);
                long matched = rules.match(p, p.length);
                head.wrap(out, 512);
                rules.write(matched, (Integer) c[1], head);
                assertThat(NativeText.read(out, head.finish())).as(c[0] + " " + c[1]).isEqualTo(c[2]);
                assertThat(rules.removals(matched, (Integer) c[1])).isZero();
            }
            byte[] none = bytes("/none");
            assertThat(rules.removals(rules.match(none, none.length), 200)).isEqualTo(HeaderRules.REMOVE_SERVER);
            assertThat(rules.removals(rules.match(none, none.length), 404)).isZero();
        }
    }

    @Test
    void redirectsAnswerTheFirstThatMatches() {
        List<String> froms = List.of("/old/**", "/about", "/a/b/**", "/a", "/assets1/**", "/**", "/", "/x/**");
        // Every order of a few: the first match wins, a catch-all included.
        for (int shift = 0; shift < froms.size(); shift++) {
            List<Redirects.Redirect> redirects = new ArrayList<>();
            List<String> order = new ArrayList<>();
            for (int i = 0; i < froms.size(); i++) {
                String from = froms.get((i + shift) % froms.size());
                order.add(from);
                redirects.add(new Redirects.Redirect(from, "/new", 301));
            }
            Redirects compiled = new Redirects(redirects);
            for (String path : List.of("/old/", "/old/a/b", "/old", "/about", "/about/", "/a/b/", "/a/b", "/a",
                    "/a/", "/assets1/x", "/", "/x/", "/y", "/olde/")) {
                byte[] p = bytes(path);
                int expected = -1;
                for (int i = 0; i < order.size() && expected < 0; i++) {
                    String from = order.get(i);
                    boolean prefix = from.endsWith("/**");
                    String fixed = prefix ? from.substring(0, from.length() - 2) : from;
                    if (prefix ? path.startsWith(fixed) : path.equals(fixed)) expected = i;
                }
                assertThat(compiled.match(p, p.length)).as(order + " " + path).isEqualTo(expected);
            }
        }
    }
}
