package io.uringhttpd.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A site's redirects, compiled: an exact path or a "/**" prefix, the target split around $1, and the
 * status. The first redirect that matches the request's path answers. The captured rest of the path is
 * percent-encoded into the Location like any path ({@link StaticFileHandler#percentEncodePath}), so no
 * request can put a CR, LF, backslash or "//" where the configuration did not (the loader refused
 * targets that start with "//"). Nothing is allocated per request.
 */
public final class Redirects {
    /** What the configuration says of one redirect (see ServerConfig.Redirect). */
    public record Redirect(String from, String to, int status) {}

    private final byte[][] froms;
    private final boolean[] prefixes;
    /**
     * By the byte after a path's leading '/' (index {@link PathGlob#NO_SECOND_BYTE}: the path "/"),
     * the redirects it can match, in order: a request tries those only.
     */
    private final int[][] bySecondByte;
    /** Target pieces: before the first $1, between, after the last. */
    private final byte[][][] pieces;
    private final boolean[] keepsQuery;
    private final int[] statuses;
    /** Longest fixed part of a target, for the scratch size. */
    final int targetBytesMax;

    public Redirects(List<Redirect> redirects) {
        int n = redirects.size();
        froms = new byte[n][];
        prefixes = new boolean[n];
        pieces = new byte[n][][];
        keepsQuery = new boolean[n];
        statuses = new int[n];
        int max = 0;
        for (int i = 0; i < n; i++) {
            Redirect r = redirects.get(i);
            prefixes[i] = r.from().endsWith("/**");
            String from = prefixes[i] ? r.from().substring(0, r.from().length() - 2) : r.from();
            froms[i] = from.getBytes(StandardCharsets.UTF_8);
            String[] parts = r.to().split("\\$1", -1);
            pieces[i] = new byte[parts.length][];
            int fixed = 0;
            for (int j = 0; j < parts.length; j++) {
                pieces[i][j] = parts[j].getBytes(StandardCharsets.US_ASCII);
                fixed += pieces[i][j].length;
            }
            max = Math.max(max, fixed);
            keepsQuery[i] = r.to().indexOf('?') < 0;
            statuses[i] = r.status();
        }
        targetBytesMax = max;
        bySecondByte = new int[PathGlob.NO_SECOND_BYTE + 1][];
        for (int b = 0; b < bySecondByte.length; b++) {
            List<Integer> admitted = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] f = froms[i];
                // "/x…" fixes the byte after '/'; "/**" admits every path, an exact "/" only "/" itself.
                boolean admits = f.length >= 2 ? b == (f[1] & 0xFF) : prefixes[i] || b == PathGlob.NO_SECOND_BYTE;
                if (admits) admitted.add(i);
            }
            bySecondByte[b] = admitted.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    int count() {
        return froms.length;
    }

    /** The index of the first redirect for this path, or -1. */
    int match(byte[] path, int length) {
        int[] candidates = bySecondByte[PathGlob.secondByte(path, length)];
        for (int k = 0; k < candidates.length; k++) {
            int i = candidates[k];
            byte[] f = froms[i];
            if (prefixes[i] ? length >= f.length : length == f.length) {
                int j = f.length - 1;
                while (j >= 0 && path[j] == f[j]) j--; // from the end: "/old1/", "/old2/" differ there
                if (j < 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    int status(int i) {
        return statuses[i];
    }

    boolean keepsQuery(int i) {
        return keepsQuery[i];
    }

    /**
     * Writes redirect {@code i}'s Location for {@code path} into {@code out} (the capture percent-encoded:
     * at most 3 bytes per path byte, so {@code out} holds targetBytesMax + 3 x path bytes per $1); returns
     * its length.
     */
    int location(int i, byte[] path, int length, byte[] out) {
        int captureFrom = prefixes[i] ? froms[i].length : length;
        int n = 0;
        byte[][] p = pieces[i];
        for (int j = 0; j < p.length; j++) {
            if (j > 0) {
                n = StaticFileHandler.percentEncodePath(path, captureFrom, length, out, n);
            }
            System.arraycopy(p[j], 0, out, n, p[j].length);
            n += p[j].length;
        }
        // A path target never starts with "//" (another host to a browser): the loader refuses such
        // targets and normalized paths hold no "//"; this keeps it so whatever a capture holds.
        int extra = 0;
        while (out[0] == '/' && extra + 1 < n && out[extra + 1] == '/') extra++;
        if (extra > 0) {
            System.arraycopy(out, extra, out, 0, n - extra);
            n -= extra;
        }
        return n;
    }
}
