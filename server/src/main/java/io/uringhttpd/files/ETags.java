package io.uringhttpd.files;

/**
 * Strong validators {@code "<size>-<mtime ns>-<inode>"} in lowercase hex, quotes included.
 *
 * <p>Why these three: size and mtime are what nginx uses ({@code "mtime-size"}), but nginx's mtime has
 * one-second resolution, so two writes within a second that keep the size give the same ETag. statx(2) gives
 * nanosecond mtime, and the inode changes when a deploy replaces a file by rename(2) (the usual atomic
 * deploy) even if size and mtime were preserved (rsync -t, cp -p). The value is strong (RFC 9110 8.8.3):
 * the server never serves two different contents under one tag unless a file is rewritten in place with
 * the same size within the timestamp granularity — the same limit every file server has.
 * The device is left out: it is not stable across reboots for some filesystems (NFS, overlay), which would
 * needlessly invalidate client caches.
 */
final class ETags {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private ETags() {}

    static byte[] strong(long size, long mtimeNs, long inode) {
        int n = 2 + hexLength(size) + 1 + hexLength(mtimeNs) + 1 + hexLength(inode);
        byte[] out = new byte[n];
        int p = 0;
        out[p++] = '"';
        p = hex(size, out, p);
        out[p++] = '-';
        p = hex(mtimeNs, out, p);
        out[p++] = '-';
        p = hex(inode, out, p);
        out[p] = '"';
        return out;
    }

    /** mtime as one nanosecond count; fits a long until the year 2262. */
    static long nanos(long sec, int nsec) {
        return sec * 1_000_000_000L + nsec;
    }

    private static int hexLength(long v) {
        return v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 3) / 4;
    }

    private static int hex(long v, byte[] out, int p) {
        int digits = hexLength(v);
        for (int i = digits - 1; i >= 0; i--) {
            out[p + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
        return p + digits;
    }
}
