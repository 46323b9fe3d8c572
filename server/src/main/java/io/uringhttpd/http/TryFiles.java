package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A site's try-files, compiled: what to try for a request, in order (like nginx's try_files).
 *
 * <ul>
 * <li>{@code $uri} plus a suffix ({@code $uri}, {@code $uri.html}): that file, if it is a regular file;
 * <li>{@code $uri/}: the request path as a directory (its index, its listing, or the redirect to the
 *     path with a slash, as for any directory);
 * <li>a path ({@code /index.html}): as the last element, the file every request that got this far is
 *     answered with (an SPA's entry page); before the last, a file tried like the others;
 * <li>{@code =404} (last only): that error.
 * </ul>
 * If nothing applies, 404. The config loader has checked the syntax.
 */
final class TryFiles {
    static final int URI = 1, URI_DIRECTORY = 2, PATH = 3, STATUS = 4;

    final int[] kinds;
    /** The suffix of a URI element, the path of a PATH element (bytes), null otherwise. */
    final byte[][] bytes;
    final int[] statuses;
    /** Longest suffix, for the scratch path. */
    final int suffixBytesMax;

    private TryFiles(int[] kinds, byte[][] bytes, int[] statuses, int suffixBytesMax) {
        this.kinds = kinds;
        this.bytes = bytes;
        this.statuses = statuses;
        this.suffixBytesMax = suffixBytesMax;
    }

    /** Null for an empty list: the request path only, as without try-files. */
    static TryFiles compile(List<String> elements) {
        if (elements.isEmpty()) {
            return null;
        }
        int n = elements.size();
        int[] kinds = new int[n];
        byte[][] bytes = new byte[n][];
        int[] statuses = new int[n];
        int max = 0;
        for (int i = 0; i < n; i++) {
            String e = elements.get(i);
            if (e.startsWith("=")) {
                kinds[i] = STATUS;
                statuses[i] = Integer.parseInt(e.substring(1));
            } else if (e.equals("$uri/")) {
                kinds[i] = URI_DIRECTORY;
            } else if (e.startsWith("$uri")) {
                kinds[i] = URI;
                bytes[i] = e.substring(4).getBytes(StandardCharsets.US_ASCII);
                max = Math.max(max, bytes[i].length);
            } else {
                kinds[i] = PATH;
                bytes[i] = e.getBytes(StandardCharsets.US_ASCII);
                max = Math.max(max, bytes[i].length);
            }
        }
        return new TryFiles(kinds, bytes, statuses, max);
    }
}
