package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Randomized differential checks against slow, obviously-correct reference models written with
 * Strings, plus checks at every position of the 8-byte SWAR words the parser scans with.
 */
class ParserPropertiesTest {
    private final NativeText mem = new NativeText();
    private final RequestParser parser = new RequestParser(HttpLimits.defaults());
    private final Request req = parser.newRequest();

    @AfterEach
    void close() {
        mem.close();
    }

    private int parse(String raw) {
        return parser.parse(mem.put(raw), raw.length(), new ParseState(), req);
    }

    private String path() {
        return new String(req.path, 0, req.pathLength, StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ target model

    private static final String[] TOKENS = {
        "a", "b", "/", "/", "/", ".", ".", "..", "%", "2", "e", "E", "f", "F", "?", "\\", "~",
        "%2e", "%2E", "%2f", "%2F", "%25", "%00", "%41", "%c3%a9", "%C3", "%a9", "%80", "%ed%a0%80", "%f0%9f%98%80",
        "%c0%ae", "%e0%80%ae", "\u00c3\u00a9", "\u00c3", "#", "\u007f", "%G", "%%",
    };

    /** Reference: the decoded, normalized path, or null for 400. */
    private static String reference(String target) {
        for (char c : target.toCharArray()) {
            if (c < 0x21 || c == 0x7F || c == '#') {
                return null;
            }
        }
        int q = target.indexOf('?');
        String raw = q < 0 ? target : target.substring(0, q);
        ByteBuffer decoded = ByteBuffer.allocate(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int h = Character.digit(raw.charAt(i + 1), 16);
                int l = Character.digit(raw.charAt(i + 2), 16);
                if (h < 0 || l < 0 || (h | l) == 0) {
                    return null;
                }
                decoded.put((byte) (h << 4 | l));
                i += 2;
            } else {
                decoded.put((byte) c);
            }
        }
        decoded.flip();
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(decoded.duplicate());
        } catch (CharacterCodingException e) {
            return null;
        }
        byte[] bytes = new byte[decoded.remaining()];
        decoded.get(bytes);
        String path = new String(bytes, StandardCharsets.ISO_8859_1);
        String[] segments = path.split("/", -1);
        Deque<String> stack = new ArrayDeque<>();
        for (String s : segments) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (stack.isEmpty()) {
                    return null;
                }
                stack.removeLast();
            } else {
                stack.addLast(s);
            }
        }
        String last = segments[segments.length - 1];
        boolean slash = last.isEmpty() || last.equals(".") || last.equals("..");
        if (stack.isEmpty()) {
            return "/";
        }
        return "/" + String.join("/", stack) + (slash ? "/" : "");
    }

    @Test
    void targetDecodingMatchesTheReferenceModel() {
        SplittableRandom random = new SplittableRandom(2025);
        int accepted = 0;
        for (int i = 0; i < 30_000; i++) {
            StringBuilder t = new StringBuilder("/");
            int n = random.nextInt(1, 14);
            for (int k = 0; k < n; k++) {
                t.append(TOKENS[random.nextInt(TOKENS.length)]);
            }
            String target = t.toString();
            String expected = reference(target);
            int r = parse("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
            if (expected == null) {
                assertThat(r).as(target).isEqualTo(RequestParser.BAD_REQUEST);
            } else {
                accepted++;
                assertThat(r).as(target).isPositive();
                assertThat(path()).as(target).isEqualTo(expected);
                assertThat(req.pathEndsWithSlash).as(target).isEqualTo(expected.endsWith("/"));
                int q = target.indexOf('?');
                assertThat(req.queryLength).as(target).isEqualTo(q < 0 ? 0 : target.length() - q);
            }
        }
        assertThat(accepted).isGreaterThan(3_000);
    }

    // ------------------------------------------------------------------ field value model

    @Test
    void fieldValuesMatchTheReferenceModel() {
        SplittableRandom random = new SplittableRandom(9110);
        char[] alphabet = {'a', 'Z', '0', ' ', ' ', '\t', ':', ',', ';', '"', '\u00e9', '\u00ff', '\u0080', '\u0000', '\u0001',
            '\u001f', '\u007f', '\u000b', '~', '!'};
        for (int i = 0; i < 30_000; i++) {
            StringBuilder v = new StringBuilder();
            int n = random.nextInt(0, 40);
            boolean valid = true;
            for (int k = 0; k < n; k++) {
                char c = random.nextInt(8) == 0 ? alphabet[random.nextInt(alphabet.length)] : alphabet[random.nextInt(12)];
                valid &= c == '\t' || (c >= 0x20 && c != 0x7F);
                v.append(c);
            }
            String value = v.toString();
            int r = parse("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent:" + value + "\r\n\r\n");
            if (valid) {
                assertThat(r).as("[%s]", value).isPositive();
                assertThat(NativeText.read(req.userAgentAddress, req.userAgentLength)).as("[%s]", value)
                    .isEqualTo(value.strip().replaceAll("^[ \t]+|[ \t]+$", ""));
            } else {
                assertThat(r).as("[%s]", value).isEqualTo(RequestParser.BAD_REQUEST);
            }
        }
    }

    // ------------------------------------------------------------------ SWAR word positions

    @ParameterizedTest
    @ValueSource(chars = {'\u0000', '\u0001', '\u001f', '\u007f', '\n', '\r'})
    void badByteAnywhereInALongValueIsFound(char bad) {
        for (int at = 0; at < 24; at++) {
            StringBuilder value = new StringBuilder("v".repeat(24));
            value.setCharAt(at, bad);
            String raw = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + value + "\r\n\r\n";
            // a CR or LF inside is a bare CR or a bare LF, last in the value too
            assertThat(parse(raw)).as("at %d", at).isEqualTo(RequestParser.BAD_REQUEST);
        }
    }

    @Test
    void htabAndObsTextAnywhereInALongValueAreFine() {
        for (int at = 0; at < 24; at++) {
            for (char ok : new char[] {'\t', '\u0080', '\u00ff', ' '}) {
                StringBuilder value = new StringBuilder("v".repeat(24));
                value.setCharAt(at, ok);
                assertThat(parse("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: " + value + "\r\n\r\n")).isPositive();
                String expected = value.toString().strip().replaceAll("^[ \t]+|[ \t]+$", "");
                assertThat(NativeText.read(req.userAgentAddress, req.userAgentLength)).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(chars = {'\u0000', '\u0001', '\t', '\u007f', '#', '\r', '\n'})
    void badByteAnywhereInALongTargetIsFound(char bad) {
        for (int at = 1; at < 24; at++) {
            StringBuilder target = new StringBuilder("/" + "t".repeat(23));
            target.setCharAt(at, bad);
            assertThat(parse("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")).as("at %d", at)
                .isEqualTo(RequestParser.BAD_REQUEST);
        }
    }

    @Test
    void spaceAnywhereInALongTargetEndsIt() {
        for (int at = 2; at < 24; at++) {
            StringBuilder target = new StringBuilder("/" + "t".repeat(23));
            target.setCharAt(at, ' ');
            // "GET /tt t… HTTP/1.1": the version is then "t… HTTP/1.1", which is malformed
            assertThat(parse("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(RequestParser.BAD_REQUEST);
        }
    }
}
