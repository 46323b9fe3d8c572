package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConditionalsTest {
    private static final byte[] ETAG = "\"5f3-65a1b2c3-1a2b\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WEAK_ETAG = "W/\"5f3-65a1b2c3-1a2b\"".getBytes(StandardCharsets.US_ASCII);
    private static final long MTIME = 784_111_777L; // Sun, 06 Nov 1994 08:49:37 GMT

    private final NativeText mem = new NativeText();

    @AfterEach
    void close() {
        mem.close();
    }

    private boolean inm(String value, byte[] etag) {
        return Conditionals.ifNoneMatch(mem.put(value), value.length(), etag);
    }

    private boolean im(String value, byte[] etag) {
        return Conditionals.ifMatch(mem.put(value), value.length(), etag);
    }

    private boolean ims(String value, long mtime) {
        return Conditionals.ifModifiedSince(mem.put(value), value.length(), mtime);
    }

    private boolean ius(String value, long mtime) {
        return Conditionals.ifUnmodifiedSince(mem.put(value), value.length(), mtime);
    }

    private boolean ifRange(String value, byte[] etag, long mtime) {
        return Conditionals.ifRange(mem.put(value), value.length(), etag, mtime);
    }

    @Test
    void ifNoneMatchStrongEqualTagMatches() {
        assertThat(inm("\"5f3-65a1b2c3-1a2b\"", ETAG)).isTrue();
        assertThat(inm("\"5f3-65a1b2c3-1a2c\"", ETAG)).isFalse();
        assertThat(inm("\"5f3-65a1b2c3-1a2\"", ETAG)).isFalse();
    }

    @Test
    void ifNoneMatchUsesWeakComparison() {
        assertThat(inm("W/\"5f3-65a1b2c3-1a2b\"", ETAG)).isTrue();
        assertThat(inm("\"5f3-65a1b2c3-1a2b\"", WEAK_ETAG)).isTrue();
        assertThat(inm("W/\"5f3-65a1b2c3-1a2b\"", WEAK_ETAG)).isTrue();
    }

    @Test
    void ifNoneMatchLists() {
        assertThat(inm("\"a\", \"5f3-65a1b2c3-1a2b\"", ETAG)).isTrue();
        assertThat(inm("\"a\",W/\"5f3-65a1b2c3-1a2b\" ,\"b\"", ETAG)).isTrue();
        assertThat(inm("\"a\", \"b\"", ETAG)).isFalse();
        assertThat(inm("\"a\",, ,\"5f3-65a1b2c3-1a2b\",", ETAG)).isTrue();
    }

    @Test
    void ifNoneMatchStarMatchesAnyRepresentation() {
        assertThat(inm("*", ETAG)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"5f3-65a1b2c3-1a2b", "\"5f3-65a1b2c3-1a2b", "\"a\" \"5f3-65a1b2c3-1a2b\"",
        "\"5f3-65a1b2c3-1a2b\", junk", "*, \"5f3-65a1b2c3-1a2b\"", "w/\"5f3-65a1b2c3-1a2b\"", "W/5f3", ",", "\"a b\"", ""})
    void malformedIfNoneMatchNeverMatches(String value) {
        assertThat(inm(value, ETAG)).isFalse();
    }

    @Test
    void absentIfNoneMatchDoesNotMatch() {
        assertThat(Conditionals.ifNoneMatch(0, -1, ETAG)).isFalse();
    }

    private FieldLines lines(String... values) {
        FieldLines f = new FieldLines();
        for (String v : values) {
            f.add(mem.put(v), v.length());
        }
        return f;
    }

    @Test
    void ifNoneMatchOverSeveralLinesIsOneList() {
        // RFC 9110 §5.3: "a" on one line and our tag on the next mean "a", ours.
        assertThat(Conditionals.ifNoneMatch(lines("\"nope\"", "\"5f3-65a1b2c3-1a2b\""), ETAG)).isTrue();
        assertThat(Conditionals.ifNoneMatch(lines("\"5f3-65a1b2c3-1a2b\"", "\"nope\""), ETAG)).isTrue();
        assertThat(Conditionals.ifNoneMatch(lines("\"a\", \"b\"", "W/\"5f3-65a1b2c3-1a2b\""), ETAG)).isTrue();
        assertThat(Conditionals.ifNoneMatch(lines("\"a\"", "\"b\""), ETAG)).isFalse();
        // empty lines are empty list elements (§5.6.1.2), neither an error nor a match
        assertThat(Conditionals.ifNoneMatch(lines("", "\"5f3-65a1b2c3-1a2b\"", ","), ETAG)).isTrue();
        assertThat(Conditionals.ifNoneMatch(lines("", ""), ETAG)).isFalse();
        // one line behaves as the single-value form
        assertThat(Conditionals.ifNoneMatch(lines("*"), ETAG)).isTrue();
        assertThat(Conditionals.ifNoneMatch(lines("W/\"5f3-65a1b2c3-1a2b\""), ETAG)).isTrue();
        assertThat(Conditionals.ifNoneMatch(lines(), ETAG)).isFalse();
    }

    @Test
    void aMalformedLineSpoilsTheWholeList() {
        // "*" is only valid as the whole field value (If-None-Match = "*" / #entity-tag)
        assertThat(Conditionals.ifNoneMatch(lines("*", "\"5f3-65a1b2c3-1a2b\""), ETAG)).isFalse();
        assertThat(Conditionals.ifNoneMatch(lines("\"5f3-65a1b2c3-1a2b\"", "*"), ETAG)).isFalse();
        assertThat(Conditionals.ifNoneMatch(lines("\"5f3-65a1b2c3-1a2b\"", "junk"), ETAG)).isFalse();
        assertThat(Conditionals.ifMatch(lines("\"5f3-65a1b2c3-1a2b\"", "*"), ETAG)).isFalse();
    }

    @Test
    void ifMatchOverSeveralLinesIsOneList() {
        assertThat(Conditionals.ifMatch(lines("\"x\"", "\"5f3-65a1b2c3-1a2b\""), ETAG)).isTrue();
        assertThat(Conditionals.ifMatch(lines("\"x\"", "\"y\""), ETAG)).isFalse();
        // strong comparison on every line
        assertThat(Conditionals.ifMatch(lines("\"x\"", "W/\"5f3-65a1b2c3-1a2b\""), ETAG)).isFalse();
        assertThat(Conditionals.ifMatch(lines("\"x\"", "\"5f3-65a1b2c3-1a2b\""), WEAK_ETAG)).isFalse();
        assertThat(Conditionals.ifMatch(lines("*"), ETAG)).isTrue();
        assertThat(Conditionals.ifMatch(lines(), ETAG)).isTrue(); // absent: the condition holds
    }

    @Test
    void ifMatchUsesStrongComparison() {
        assertThat(im("\"5f3-65a1b2c3-1a2b\"", ETAG)).isTrue();
        assertThat(im("\"x\", \"5f3-65a1b2c3-1a2b\"", ETAG)).isTrue();
        assertThat(im("W/\"5f3-65a1b2c3-1a2b\"", ETAG)).isFalse();
        assertThat(im("\"5f3-65a1b2c3-1a2b\"", WEAK_ETAG)).isFalse();
        assertThat(im("\"x\"", ETAG)).isFalse();
        assertThat(im("*", ETAG)).isTrue();
        assertThat(Conditionals.ifMatch(0, -1, ETAG)).isTrue();
    }

    @Test
    void ifModifiedSince() {
        assertThat(ims("Sun, 06 Nov 1994 08:49:37 GMT", MTIME)).isTrue();       // same second: not modified
        assertThat(ims("Mon, 07 Nov 1994 08:49:37 GMT", MTIME)).isTrue();       // later date: not modified
        assertThat(ims("Sat, 05 Nov 1994 08:49:37 GMT", MTIME)).isFalse();      // modified since
        assertThat(ims("Sunday, 06-Nov-94 08:49:37 GMT", MTIME)).isTrue();
        assertThat(ims("Sun Nov  6 08:49:37 1994", MTIME)).isTrue();
    }

    @Test
    void invalidIfModifiedSinceIsIgnored() {
        assertThat(ims("yesterday", MTIME)).isFalse();
        assertThat(ims("Sun, 06 Nov 1994 08:49:37 CET", MTIME)).isFalse();
        assertThat(Conditionals.ifModifiedSince(0, -1, MTIME)).isFalse();
    }

    @Test
    void ifUnmodifiedSince() {
        assertThat(ius("Sun, 06 Nov 1994 08:49:37 GMT", MTIME)).isTrue();
        assertThat(ius("Sat, 05 Nov 1994 08:49:37 GMT", MTIME)).isFalse();
        assertThat(ius("not a date", MTIME)).isTrue();
        assertThat(Conditionals.ifUnmodifiedSince(0, -1, MTIME)).isTrue();
    }

    @Test
    void ifRangeWithStrongEtag() {
        assertThat(ifRange("\"5f3-65a1b2c3-1a2b\"", ETAG, MTIME)).isTrue();
        assertThat(ifRange("\"other\"", ETAG, MTIME)).isFalse();
        assertThat(ifRange("W/\"5f3-65a1b2c3-1a2b\"", ETAG, MTIME)).isFalse();   // a weak tag never matches
        assertThat(ifRange("\"5f3-65a1b2c3-1a2b\"", WEAK_ETAG, MTIME)).isFalse();
        assertThat(ifRange("\"5f3-65a1b2c3-1a2b\", \"x\"", ETAG, MTIME)).isFalse(); // one tag only
        assertThat(ifRange("\"5f3-65a1b2c3-1a2b", ETAG, MTIME)).isFalse();
    }

    @Test
    void ifRangeWithDate() {
        assertThat(ifRange("Sun, 06 Nov 1994 08:49:37 GMT", ETAG, MTIME)).isTrue();
        assertThat(ifRange("Sun, 06 Nov 1994 08:49:38 GMT", ETAG, MTIME)).isFalse(); // exact match only
        assertThat(ifRange("Sun, 06 Nov 1994 08:49:36 GMT", ETAG, MTIME)).isFalse();
        assertThat(ifRange("garbage", ETAG, MTIME)).isFalse();
        assertThat(ifRange("", ETAG, MTIME)).isFalse();
    }

    @Test
    void absentIfRangeLetsTheRangeApply() {
        assertThat(Conditionals.ifRange(0, -1, ETAG, MTIME)).isTrue();
    }
}
