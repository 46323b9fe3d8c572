package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangesTest {
    private static final long SIZE = 10_000;
    private static final long GIB = 1L << 30;

    private final NativeText mem = new NativeText();
    private final ByteRanges ranges = new ByteRanges(16);

    @AfterEach
    void close() {
        mem.close();
    }

    private int parse(String value, long size) {
        return ranges.parse(mem.put(value), value.length(), size);
    }

    /** Ranges as "a-b" strings. */
    private List<String> found() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ranges.count; i++) {
            out.add(ranges.starts[i] + "-" + ranges.ends[i]);
        }
        return out;
    }

    @Test
    void singleRanges() {
        assertThat(parse("bytes=0-499", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-499");
        assertThat(parse("bytes=500-999", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("500-999");
        assertThat(ranges.totalBytes()).isEqualTo(500);
        assertThat(parse("bytes=9999-9999", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("9999-9999");
    }

    @Test
    void openEndedAndSuffixRanges() {
        assertThat(parse("bytes=9500-", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("9500-9999");
        assertThat(parse("bytes=-500", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("9500-9999");
        assertThat(parse("bytes=0-", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-9999");
    }

    @Test
    void endIsClampedToTheLastByte() {
        assertThat(parse("bytes=9000-20000", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("9000-9999");
    }

    @Test
    void suffixLargerThanTheFileMeansTheWholeFile() {
        assertThat(parse("bytes=-20000", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-9999");
    }

    @Test
    void unitIsCaseInsensitive() {
        assertThat(parse("Bytes=0-1", SIZE)).isEqualTo(1);
        assertThat(parse("BYTES=0-1", SIZE)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "items=0-1", "bytes 0-1", "bytes =0-1", "bytes", "bytes=", "bytes=,", "bytes= , ", "bytes=abc", "bytes=1", "bytes=-",
        "bytes=1-2-3", "bytes=0-1;", "bytes=0x1-2", "bytes=1 -2", "bytes=1- 2", "bytes=--1", "bytes=0-1 2-3", "bytes=+1-2",
        "bytes=5-2", "bytes=0-1,5-2", "bytes=-1-", "bytes=0-1,x", "byte=0-1", "bytesx=0-1", "",
    })
    void syntacticallyInvalidIsIgnored(String value) {
        assertThat(parse(value, SIZE)).isEqualTo(ByteRanges.NONE);
        assertThat(ranges.count).isZero();
    }

    @Test
    void absentIsIgnored() {
        assertThat(ranges.parse(0, -1, SIZE)).isEqualTo(ByteRanges.NONE);
    }

    @Test
    void unsatisfiableWhenNoRangeOverlaps() {
        assertThat(parse("bytes=10000-", SIZE)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(parse("bytes=10000-10005", SIZE)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(parse("bytes=-0", SIZE)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(parse("bytes=20000-30000, 10000-", SIZE)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(ranges.count).isZero();
    }

    @Test
    void unsatisfiableRangesAreDroppedWhenOthersRemain() {
        assertThat(parse("bytes=10000-,0-1,-0", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=0-9", "bytes=0-0", "bytes=0-", "bytes=5-", "bytes=-0", "bytes=0-9,1-", "BYTES=0-0, ,"})
    void emptyRepresentationIsUnsatisfiable(String value) {
        // RFC 9110 §14.1.2: no int-range is satisfiable for a zero-length representation: 416, bytes */0
        assertThat(parse(value, 0)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(ranges.count).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=-5", "bytes=-1", "bytes=0-9,-5", "bytes=-0,-1"})
    void emptyRepresentationWithANonZeroSuffixIsServedWhole(String value) {
        // RFC 9110 §14.1.2: such a suffix-range IS satisfiable, but selects no byte and no
        // Content-Range can state it; §14.2 lets the server ignore Range: 200 with the empty whole.
        assertThat(parse(value, 0)).isEqualTo(ByteRanges.NONE);
        assertThat(ranges.count).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=5-2", "bytes=", "bytes=abc", "items=0-1"})
    void emptyRepresentationWithAnInvalidRangeIgnoresIt(String value) {
        assertThat(parse(value, 0)).isEqualTo(ByteRanges.NONE);
    }

    @Test
    void multipleRangesKeepTheRequestedOrder() {
        // RFC 9110 §15.3.7.2: parts SHOULD be sent in the order of their range-specs.
        assertThat(parse("bytes=900-999, 0-99,500-599", SIZE)).isEqualTo(3);
        assertThat(found()).containsExactly("900-999", "0-99", "500-599");
        assertThat(ranges.totalBytes()).isEqualTo(300);
        assertThat(parse("bytes=8000-8009,0-9", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("8000-8009", "0-9");
        assertThat(parse("bytes=-10,0-9", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("9990-9999", "0-9");
        // an unsatisfiable range-spec in between is dropped; the rest keep their order
        assertThat(parse("bytes=500-599,20000-,100-199", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("500-599", "100-199");
    }

    @Test
    void aMergedRangeStandsWhereItsEarliestRangeSpecStood() {
        assertThat(parse("bytes=900-999,0-99,950-1000", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("900-1000", "0-99");
        assertThat(parse("bytes=5000-5009,700-799,0-99,100-199", SIZE)).isEqualTo(3);
        assertThat(found()).containsExactly("5000-5009", "700-799", "0-199");
        assertThat(parse("bytes=0-9,5000-5009,30-39,20-29,10-19", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("0-39", "5000-5009");
        assertThat(parse("bytes=5000-5009,30-39,0-9,20-29,10-19", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("5000-5009", "0-39");
    }

    @Test
    void orderAndMergingAgreeWithAReferenceModel() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(9110);
        for (int round = 0; round < 20_000; round++) {
            int n = 1 + random.nextInt(16);
            long size = 1 + random.nextInt(200);
            List<long[]> specs = new ArrayList<>();
            StringBuilder value = new StringBuilder("bytes=");
            for (int i = 0; i < n; i++) {
                long a = random.nextInt(220);
                long b = a + random.nextInt(30);
                value.append(i == 0 ? "" : ",").append(a).append('-').append(b);
                if (a < size) {
                    specs.add(new long[] {a, Math.min(b, size - 1), i});
                }
            }
            List<String> expected = reference(specs);
            int r = parse(value.toString(), size);
            if (expected.isEmpty()) {
                assertThat(r).as(value + " of " + size).isEqualTo(ByteRanges.UNSATISFIABLE);
            } else {
                assertThat(r).as(value + " of " + size).isEqualTo(expected.size());
                assertThat(found()).as(value + " of " + size).containsExactlyElementsOf(expected);
            }
        }
    }

    /** Merge touching ranges until none touch; each result ordered by its earliest spec index. */
    private static List<String> reference(List<long[]> specs) {
        List<long[]> groups = new ArrayList<>();
        for (long[] s : specs) {
            groups.add(s.clone());
        }
        boolean merged = true;
        while (merged) {
            merged = false;
            outer:
            for (int i = 0; i < groups.size(); i++) {
                for (int j = i + 1; j < groups.size(); j++) {
                    long[] x = groups.get(i);
                    long[] y = groups.get(j);
                    if (y[0] <= x[1] + 1 && x[0] <= y[1] + 1) {
                        x[0] = Math.min(x[0], y[0]);
                        x[1] = Math.max(x[1], y[1]);
                        x[2] = Math.min(x[2], y[2]);
                        groups.remove(j);
                        merged = true;
                        break outer;
                    }
                }
            }
        }
        groups.sort(java.util.Comparator.comparingLong(g -> g[2]));
        List<String> out = new ArrayList<>();
        for (long[] g : groups) {
            out.add(g[0] + "-" + g[1]);
        }
        return out;
    }

    @Test
    void overlappingAndAdjacentRangesCoalesce() {
        assertThat(parse("bytes=500-700,601-999", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("500-999");
        assertThat(parse("bytes=500-600,601-999", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("500-999");
        assertThat(parse("bytes=500-600,602-999", SIZE)).isEqualTo(2);
        assertThat(parse("bytes=-1,0-0", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("9999-9999", "0-0");
        assertThat(parse("bytes=100-200,0-1000,50-60,-9000", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-9999");
        assertThat(parse("bytes=10-20,15-16,0-5", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("10-20", "0-5");
    }

    @Test
    void repeatedWholeRangesCannotAmplify() {
        assertThat(parse("bytes=0-,0-,0-,0-,0-,0-,0-,0-", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-9999");
    }

    @Test
    void moreRangesThanTheCapMeansWholeRepresentation() {
        ByteRanges three = new ByteRanges(3);
        String ok = "bytes=0-0,2-2,4-4";
        String tooMany = "bytes=0-0,2-2,4-4,6-6";
        assertThat(three.parse(mem.put(ok), ok.length(), SIZE)).isEqualTo(3);
        assertThat(three.parse(mem.put(tooMany), tooMany.length(), SIZE)).isEqualTo(ByteRanges.NONE);
        assertThat(three.count).isZero();
    }

    @Test
    void emptyListElementsAreSkipped() {
        assertThat(parse("bytes=0-1,,4-5, ,", SIZE)).isEqualTo(2);
        assertThat(found()).containsExactly("0-1", "4-5");
    }

    @Test
    void representationsBeyondFourGibibytes() {
        long size = 5 * GIB;
        assertThat(parse("bytes=4294967296-4294967300", size)).isEqualTo(1);
        assertThat(found()).containsExactly("4294967296-4294967300");
        assertThat(parse("bytes=-1", size)).isEqualTo(1);
        assertThat(found()).containsExactly((size - 1) + "-" + (size - 1));
        assertThat(parse("bytes=5000000000-", size)).isEqualTo(1);
        assertThat(found()).containsExactly("5000000000-" + (size - 1));
        assertThat(parse("bytes=5368709120-", size)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(parse("bytes=0-4294967295,4294967296-", size)).isEqualTo(1);
        assertThat(ranges.totalBytes()).isEqualTo(size);
    }

    @Test
    void hugeNumbersSaturateInsteadOfWrapping() {
        assertThat(parse("bytes=99999999999999999999999-", SIZE)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(parse("bytes=0-99999999999999999999999", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-9999");
        assertThat(parse("bytes=-99999999999999999999999", SIZE)).isEqualTo(1);
        assertThat(found()).containsExactly("0-9999");
        assertThat(parse("bytes=9223372036854775807-", Long.MAX_VALUE)).isEqualTo(ByteRanges.UNSATISFIABLE);
        assertThat(parse("bytes=9223372036854775806-", Long.MAX_VALUE)).isEqualTo(1);
        assertThat(parse("bytes=0-1,9223372036854775806-", Long.MAX_VALUE)).isEqualTo(2);
    }
}
