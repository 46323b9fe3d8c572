package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads 206 responses, single-part or multipart/byteranges (RFC 9110 14.6), into parts. */
public final class Ranges {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");
    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(\"([^\"]+)\"|([^;\\s]+))");

    private Ranges() {}

    /** One byte range of the representation; end inclusive, as in Content-Range. */
    public record Part(long start, long end, long total, String contentType, byte[] bytes) {
        public String range() {
            return start + "-" + end;
        }
    }

    /** The parts of a 206: one for a single range, several for multipart/byteranges. */
    public static List<Part> parts(RawHttp.Response r) throws IOException {
        assertThat(r.status()).as("expected 206:\n%s", r).isEqualTo(206);
        String type = r.header("Content-Type");
        assertThat(type).isNotNull();
        if (type.toLowerCase(Locale.ROOT).startsWith("multipart/byteranges")) {
            assertThat(r.header("Content-Range")).as("a multipart 206 has no top-level Content-Range").isNull();
            return multipart(r.body(), boundary(type));
        }
        Part p = part(r.header("Content-Range"), type, r.body());
        return List.of(p);
    }

    static String boundary(String contentType) {
        Matcher m = BOUNDARY.matcher(contentType);
        assertThat(m.find()).as("boundary parameter in %s", contentType).isTrue();
        return m.group(2) != null ? m.group(2) : m.group(3);
    }

    private static Part part(String contentRange, String type, byte[] bytes) {
        assertThat(contentRange).as("Content-Range").isNotNull();
        Matcher m = CONTENT_RANGE.matcher(contentRange);
        assertThat(m.matches()).as("Content-Range syntax: %s", contentRange).isTrue();
        long start = Long.parseLong(m.group(1));
        long end = Long.parseLong(m.group(2));
        long total = Long.parseLong(m.group(3));
        assertThat(end).isGreaterThanOrEqualTo(start).isLessThan(total);
        assertThat((long) bytes.length).as("bytes in part %s", contentRange).isEqualTo(end - start + 1);
        return new Part(start, end, total, type, bytes);
    }

    /**
     * multipart body: [CRLF] "--" boundary CRLF headers CRLF CRLF data CRLF "--" boundary … "--" boundary "--" [CRLF].
     * The data length is taken from each part's Content-Range, so random bytes cannot confuse the parser.
     */
    static List<Part> multipart(byte[] body, String boundary) throws IOException {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int pos = 0;
        if (startsWith(body, pos, "\r\n".getBytes(StandardCharsets.ISO_8859_1))) {
            pos += 2; // an empty preamble line, as nginx and Apache send
        }
        expect(body, pos, delimiter, "first boundary");
        pos += delimiter.length;
        List<Part> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, pos, "--".getBytes(StandardCharsets.ISO_8859_1))) {
                pos += 2;
                int rest = body.length - pos;
                assertThat(rest == 0 || (rest == 2 && body[pos] == '\r' && body[pos + 1] == '\n'))
                        .as("only CRLF may follow the closing boundary (%d bytes follow)", rest).isTrue();
                return parts;
            }
            expect(body, pos, "\r\n".getBytes(StandardCharsets.ISO_8859_1), "CRLF after boundary");
            pos += 2;
            int headEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            assertThat(headEnd).as("end of part headers").isGreaterThanOrEqualTo(0);
            String contentRange = null;
            String contentType = null;
            for (String line : new String(body, pos, headEnd - pos, StandardCharsets.ISO_8859_1).split("\r\n")) {
                int colon = line.indexOf(':');
                assertThat(colon).as("part header line %s", line).isPositive();
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Range")) {
                    contentRange = value;
                } else if (name.equalsIgnoreCase("Content-Type")) {
                    contentType = value;
                }
            }
            pos = headEnd + 4;
            assertThat(contentRange).as("Content-Range of part %d", parts.size() + 1).isNotNull();
            Matcher m = CONTENT_RANGE.matcher(contentRange);
            assertThat(m.matches()).as("Content-Range syntax: %s", contentRange).isTrue();
            int length = Math.toIntExact(Long.parseLong(m.group(2)) - Long.parseLong(m.group(1)) + 1);
            assertThat(pos + length).as("part data inside the body").isLessThanOrEqualTo(body.length);
            parts.add(part(contentRange, contentType, Arrays.copyOfRange(body, pos, pos + length)));
            pos += length;
            expect(body, pos, "\r\n".getBytes(StandardCharsets.ISO_8859_1), "CRLF before boundary");
            pos += 2;
            expect(body, pos, delimiter, "boundary after part " + parts.size());
            pos += delimiter.length;
        }
    }

    private static void expect(byte[] body, int pos, byte[] what, String name) {
        assertThat(startsWith(body, pos, what))
                .as("%s at offset %d: expected '%s', found '%s'", name, pos, new String(what, StandardCharsets.ISO_8859_1),
                        new String(body, pos, Math.max(0, Math.min(40, body.length - pos)), StandardCharsets.ISO_8859_1))
                .isTrue();
    }

    private static boolean startsWith(byte[] body, int pos, byte[] prefix) {
        if (pos + prefix.length > body.length) {
            return false;
        }
        return Arrays.equals(body, pos, pos + prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] body, byte[] what, int from) {
        outer:
        for (int i = from; i <= body.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (body[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
