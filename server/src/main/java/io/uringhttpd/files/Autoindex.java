package io.uringhttpd.files;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Renders a directory listing page. Setup-path code: allocates freely.
 *
 * <p>File names come from the file system and are attacker-controlled wherever uploads exist, so every
 * name is HTML-escaped in text and percent-encoded in the href. Percent-encoding everything but RFC 3986
 * unreserved characters also keeps a name like {@code javascript:alert(1)} or {@code a:b} from being read
 * as a URL scheme, and {@code ?}/{@code #} from cutting the link short.
 */
final class Autoindex {
    /** One listed name; size is ignored for directories. */
    record Item(String name, boolean directory, long size, long mtimeEpochSec) {}

    private static final DateTimeFormatter MTIME =
            DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private Autoindex() {}

    /** Directories first, then by name (code point order), like nginx's autoindex. */
    static final Comparator<Item> ORDER =
            Comparator.comparing((Item i) -> !i.directory()).thenComparing(Item::name);

    static byte[] render(String dirPath, List<Item> items) {
        return render(dirPath, items, false);
    }

    /** @param truncated whether the directory held more names than were read (a note says so) */
    static byte[] render(String dirPath, List<Item> items, boolean truncated) {
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(ORDER);
        String title = escapeHtml(dirPath);
        StringBuilder sb = new StringBuilder(512 + sorted.size() * 160);
        sb.append("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Index of ").append(title)
                .append("</title>\n<style>td{padding:0 1em 0 0}td.s{text-align:right}</style>\n</head>\n<body>\n<h1>Index of ")
                .append(title).append("</h1>\n<table>\n<tr><th>Name</th><th>Last modified</th><th>Size</th></tr>\n");
        if (!dirPath.equals("/")) {
            sb.append("<tr><td><a href=\"../\">../</a></td><td></td><td class=\"s\">-</td></tr>\n");
        }
        for (Item item : sorted) {
            String slash = item.directory() ? "/" : "";
            sb.append("<tr><td><a href=\"").append(encodeHref(item.name())).append(slash).append("\">")
                    .append(escapeHtml(item.name())).append(slash).append("</a></td><td>")
                    .append(MTIME.format(Instant.ofEpochSecond(item.mtimeEpochSec()))).append("</td><td class=\"s\">")
                    .append(item.directory() ? "-" : Long.toString(item.size())).append("</td></tr>\n");
        }
        sb.append("</table>\n");
        if (truncated) {
            sb.append("<p>Only the first ").append(sorted.size()).append(" entries (in directory order) are listed.</p>\n");
        }
        sb.append("</body>\n</html>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String escapeHtml(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (rep == null && sb == null) continue;
            if (sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (rep == null) sb.append(c);
            else sb.append(rep);
        }
        return sb == null ? s : sb.toString();
    }

    /** Percent-encodes the UTF-8 bytes of a single path segment, keeping only RFC 3986 unreserved characters. */
    static String encodeHref(String segment) {
        byte[] b = segment.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length * 3);
        for (byte x : b) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.write(c);
            } else {
                out.write('%');
                out.write(HEX[c >>> 4]);
                out.write(HEX[c & 0xf]);
            }
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
