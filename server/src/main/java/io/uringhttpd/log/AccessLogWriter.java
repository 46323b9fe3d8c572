package io.uringhttpd.log;

import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.NativeMemory;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event loop's access log: lines are formatted from the request's bytes straight into a native
 * buffer, which goes to the file in one write(2) once it holds {@code buffer-bytes}, when its oldest
 * line would be {@code flush-interval} old by the next tick (checked at each tick), at a reopen and at
 * close. To a pipe or terminal (not a regular file) the buffer goes in pieces of whole lines of at
 * most PIPE_BUF bytes, on a non-blocking descriptor.
 *
 * <p>Single-threaded: every call from the owning loop's thread (only {@link #linesLost()} may be read
 * from elsewhere: a plain long, never torn on x86_64, JLS 17.7). Nothing is allocated per line: no
 * String, no boxing; the time text is rendered into bytes at most once a second, by arithmetic.
 * (Until C2 compiles the flush, each write(2) allocates ~40 bytes: FFM's errno-capture segment,
 * measured by AccessLogNoAllocationTest and bench/alloc.sh.)
 *
 * <p>Errors never reach the request: a failed or short write drops the chunk's lost lines and
 * counts them ({@link #linesLost()}, exported as {@code uringhttpd_access_log_lines_lost_total}), and
 * the first failure of an episode logs one warning; the episode ends when a write succeeds again.
 */
public final class AccessLogWriter {
    private static final Logger log = LoggerFactory.getLogger(AccessLogWriter.class);

    /** The writer of a disabled access log: every call returns at once. */
    static final AccessLogWriter DISABLED = new AccessLogWriter();

    /**
     * Room always kept free for one line. A line cannot outgrow it: each of the three client
     * fields (request target, Referer, User-Agent) is cut at {@link #FIELD_BYTES_MAX} escaped bytes,
     * and the rest (address, time, method, status, size, quotes) takes fewer than 256 bytes.
     */
    static final int LINE_BYTES_MAX = 32 * 1024;
    static final int FIELD_BYTES_MAX = (LINE_BYTES_MAX - 256) / 3;
    /**
     * A pipe takes a write of at most this many bytes whole or not at all (pipe(7): PIPE_BUF, 4096
     * on Linux), so lines written to a pipe by several loops or workers never mix when each write
     * holds whole lines and at most this much.
     */
    static final int PIPE_BUF_BYTES = 4096;
    /** Longer method tokens are cut (the parser only names the ones it knows, all shorter). */
    private static final int METHOD_BYTES_MAX = 16;

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX_LOWER = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DASHES_OPEN = " - - [".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_1 = " HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] QUOTE_SPACE_QUOTE = "\" \"".getBytes(StandardCharsets.US_ASCII);
    /** "dd/MMM/yyyy:HH:mm:ss +hhmm" */
    private static final int TIME_BYTES = 26;

    private final boolean enabled;
    private final AccessLog owner;
    private final Syscalls sys;
    /** Kept, not only its address: an automatic arena frees the memory once the segment is unreachable. */
    private final MemorySegment memory;
    private final long buffer;
    /** Write once this many bytes are buffered (0: after every line). */
    private final int flushBytes;
    private final long flushIntervalMs;
    private final ZoneRules zone;

    private int fd = -1;
    /** The fd is a pipe, terminal or socket, not a regular file: writes go in pieces of whole lines. */
    private boolean stream;
    private int generation;
    private boolean closed;
    /** Bytes and whole lines in the buffer; the time the first of them was added. */
    private int pos;
    private int lines;
    private long oldestMs;
    private long nowMs;
    /** The gap between the last two ticks: how late the next tick may come. */
    private long tickGapMs;
    private long linesLost;
    /** This writer is in a write-error episode (its last write failed). */
    private boolean failing;

    /** The [$time_local] text of {@link #timeSecond}; offset valid in [offsetFromSec, offsetUntilSec). */
    private final byte[] timeText = new byte[TIME_BYTES];
    private long timeSecond = Long.MIN_VALUE;
    private int offsetSeconds;
    private long offsetFromSec = Long.MAX_VALUE;
    private long offsetUntilSec = Long.MIN_VALUE;

    private AccessLogWriter() {
        enabled = false;
        owner = null;
        sys = null;
        memory = null;
        buffer = 0;
        flushBytes = 0;
        flushIntervalMs = 0;
        zone = null;
        closed = true;
    }

    AccessLogWriter(AccessLog owner, Syscalls sys, int generation) throws IOException {
        this.enabled = true;
        this.owner = owner;
        this.sys = sys;
        this.generation = generation;
        AccessLogSettings s = owner.settings();
        this.flushBytes = s.bufferBytes();
        this.flushIntervalMs = s.flushIntervalMs();
        this.zone = ZoneId.systemDefault().getRules();
        this.memory = NativeMemory.allocate(Arena.ofAuto(), (long) flushBytes + LINE_BYTES_MAX);
        this.buffer = memory.address();
        this.nowMs = System.currentTimeMillis();
        fd = owner.openFile(sys);
        if (fd < 0) {
            throw new IOException("cannot open access log " + owner.path() + ": " + Errno.describe(fd));
        }
        stream = !AccessLog.isRegularFile(sys, fd);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Lines lost since open: write errors, short writes. */
    public long linesLost() {
        return linesLost;
    }

    /**
     * Every wakeup of the loop: the clock for the lines, a reopen asked since the last tick, and the
     * flush of lines that would otherwise wait longer than the flush interval. The next tick may be
     * as late as the last gap between ticks (an idle loop wakes once a second), so the buffer is
     * written when its oldest line would be older than the interval by then: under load ticks come
     * every few microseconds and the flush is on time; an idle loop writes at the tick before.
     */
    public void tick(long nowMs) {
        if (closed) {
            return;
        }
        long gap = nowMs - this.nowMs;
        tickGapMs = gap > 0 ? gap : 0;
        this.nowMs = nowMs;
        if (generation != owner.generation()) {
            reopenNow();
        }
        if (pos > 0 && nowMs - oldestMs + tickGapMs >= flushIntervalMs) {
            flush();
        }
    }

    /**
     * Appends one line, at the time of the last {@link #tick}. Client bytes are written as received
     * except that {@code "}, {@code \} and every byte outside printable ASCII become {@code \"},
     * {@code \\} and {@code \xHH} (as nginx does), so a client cannot forge lines or fields; a field
     * longer than {@link #FIELD_BYTES_MAX} escaped bytes is cut there. An absent field (length &lt; 0)
     * is written as "-".
     *
     * @param peerAddress 4 (IPv4) or 16 (IPv6) bytes in network order; length 0 is written as "-"
     * @param method      the method's name; with {@code targetLength <= 0} the request is "-"
     * @param bodyBytes   body bytes sent (not counting the head)
     */
    public void log(byte[] peerAddress, int peerAddressLength, byte[] method, long targetAddress, int targetLength,
                    int versionMinor, int status, long bodyBytes, long refererAddress, int refererLength,
                    long userAgentAddress, int userAgentLength) {
        if (closed) {
            return;
        }
        long second = Math.floorDiv(nowMs, 1000);
        if (second != timeSecond) {
            renderTime(second);
        }
        long p = buffer + pos;
        p = putAddress(p, peerAddress, peerAddressLength);
        p = put(p, DASHES_OPEN, DASHES_OPEN.length);
        p = put(p, timeText, TIME_BYTES);
        p = put(p, (byte) ']');
        p = put(p, (byte) ' ');
        p = put(p, (byte) '"');
        if (targetLength > 0 && method != null) {
            p = put(p, method, Math.min(method.length, METHOD_BYTES_MAX));
            p = put(p, (byte) ' ');
            p = escape(p, targetAddress, targetLength);
            p = put(p, HTTP_1, HTTP_1.length);
            p = put(p, (byte) ('0' + (versionMinor & 7)));
        } else {
            p = put(p, (byte) '-');
        }
        p = put(p, (byte) '"');
        p = put(p, (byte) ' ');
        p = putDecimal(p, status);
        p = put(p, (byte) ' ');
        p = putDecimal(p, bodyBytes);
        p = put(p, (byte) ' ');
        p = put(p, (byte) '"');
        p = refererLength >= 0 ? escape(p, refererAddress, refererLength) : put(p, (byte) '-');
        p = put(p, QUOTE_SPACE_QUOTE, QUOTE_SPACE_QUOTE.length);
        p = userAgentLength >= 0 ? escape(p, userAgentAddress, userAgentLength) : put(p, (byte) '-');
        p = put(p, (byte) '"');
        p = put(p, (byte) '\n');
        if (lines == 0) {
            oldestMs = nowMs;
        }
        lines++;
        pos = (int) (p - buffer);
        // pos < flushBytes before the line and the line < LINE_BYTES_MAX: it fit. Writing now
        // keeps that true for the next line.
        if (pos >= flushBytes) {
            flush();
        }
    }

    /** Writes the buffered lines and closes the file; the loop is stopping. Idempotent. */
    public void close() {
        if (closed) {
            return;
        }
        flush();
        sys.close(fd);
        fd = -1;
        closed = true;
    }

    /**
     * One write(2) of the whole buffer. A regular file takes it whole or fails (EINTR aside, which
     * is retried); a short count means the disk filled mid-chunk (write(2): ENOSPC, EFBIG). The
     * rest is not retried: a second write could land after another loop's chunk, splitting a line.
     */
    private void flush() {
        if (pos == 0) {
            return;
        }
        if (stream) {
            flushStream();
            return;
        }
        long n;
        do {
            n = sys.write(fd, buffer, pos);
        } while (n == -Errno.EINTR);
        if (n == pos) {
            succeeded();
        } else if (n < 0) {
            linesLost += lines;
            failed(Errno.describe((int) n));
        } else {
            shortWrite((int) n);
        }
        pos = 0;
        lines = 0;
    }

    /**
     * To a pipe or terminal: pieces of whole lines of at most {@link #PIPE_BUF_BYTES} (a longer line
     * alone), each one write(2), so no piece mixes with another writer's; on EAGAIN (the reader is
     * behind: the fd is non-blocking) or an error the lines not written yet are lost and counted.
     */
    private void flushStream() {
        int from = 0;
        int linesWritten = 0;
        String error = null;
        while (from < pos) {
            int limit = Math.min(pos, from + PIPE_BUF_BYTES);
            int end = -1;
            int count = 0;
            for (int i = from; i < limit; i++) {
                if (NativeMemory.getByte(buffer + i) == '\n') {
                    end = i + 1;
                    count++;
                }
            }
            if (end < 0) {   // one line longer than PIPE_BUF: alone (every line ends with '\n')
                end = limit;
                while (NativeMemory.getByte(buffer + end - 1) != '\n') {
                    end++;
                }
                count = 1;
            }
            long n;
            do {
                n = sys.write(fd, buffer + from, end - from);
            } while (n == -Errno.EINTR);
            if (n != end - from) {
                error = n < 0 ? Errno.describe((int) n) : "short write: " + n + " of " + (end - from) + " bytes";
                break;
            }
            linesWritten += count;
            from = end;
        }
        if (error == null) {
            succeeded();
        } else {
            linesLost += lines - linesWritten;
            failed(error);
        }
        pos = 0;
        lines = 0;
    }

    private void succeeded() {
        if (failing) {
            failing = false;
            if (owner.episodeEnds()) {
                log.info("access log {}: writes succeed again ({} lines lost so far by this loop)",
                        owner.path(), linesLost);
            }
        }
    }

    /** Rare path: counts the lines not written whole and ends the torn one, so the next chunk starts a line. */
    private void shortWrite(int written) {
        int whole = 0;
        for (int i = 0; i < written; i++) {
            if (NativeMemory.getByte(buffer + i) == '\n') {
                whole++;
            }
        }
        linesLost += lines - whole;
        if (NativeMemory.getByte(buffer + written - 1) != '\n') {
            NativeMemory.putByte(buffer, (byte) '\n');
            sys.write(fd, buffer, 1);
        }
        failed("short write: " + written + " of " + pos + " bytes");
    }

    private void failed(String reason) {
        if (!failing) {
            failing = true;
            if (owner.episodeStarts()) {
                log.warn("access log {}: write failed: {}; lines are dropped (counted in "
                        + "uringhttpd_access_log_lines_lost_total) until a write succeeds again: free space on its "
                        + "file system (ENOSPC), check the disk (EIO), make the reader keep up when it is a pipe "
                        + "(EAGAIN), or move the log elsewhere (access-log.path)",
                        owner.path(), reason);
            }
        }
    }

    /** Buffered lines go to the old file; then the path is opened again (it may be a new file). */
    private void reopenNow() {
        generation = owner.generation();
        flush();
        try {
            owner.createParent();
        } catch (IOException e) {
            // openFile below reports it
        }
        int newFd = owner.openFile(sys);
        if (newFd < 0) {
            log.error("cannot reopen the access log {}: {}; still writing to the file open before",
                    owner.path(), Errno.describe(newFd));
            return;
        }
        sys.close(fd);
        fd = newFd;
        stream = !AccessLog.isRegularFile(sys, fd);
        log.info("access log reopened: {}", owner.path());
    }

    // ------------------------------------------------------------------ formatting

    private static long put(long p, byte b) {
        NativeMemory.putByte(p, b);
        return p + 1;
    }

    private static long put(long p, byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            NativeMemory.putByte(p + i, bytes[i]);
        }
        return p + length;
    }

    /** {@code value} >= 0 in decimal (a negative one is written as 0: sizes and statuses are never negative). */
    private static long putDecimal(long p, long value) {
        if (value <= 0) {
            return put(p, (byte) '0');
        }
        int digits = 0;
        for (long v = value; v > 0; v /= 10) {
            digits++;
        }
        long end = p + digits;
        for (long q = end - 1; value > 0; q--) {
            NativeMemory.putByte(q, (byte) ('0' + value % 10));
            value /= 10;
        }
        return end;
    }

    private static long escape(long p, long src, int length) {
        long end = p + FIELD_BYTES_MAX;
        for (int i = 0; i < length; i++) {
            int c = NativeMemory.getByte(src + i) & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                if (p + 1 > end) {
                    break;
                }
                NativeMemory.putByte(p++, (byte) c);
            } else if (c == '"' || c == '\\') {
                if (p + 2 > end) {
                    break;
                }
                NativeMemory.putByte(p++, (byte) '\\');
                NativeMemory.putByte(p++, (byte) c);
            } else {
                if (p + 4 > end) {
                    break;
                }
                NativeMemory.putByte(p++, (byte) '\\');
                NativeMemory.putByte(p++, (byte) 'x');
                NativeMemory.putByte(p++, HEX[c >> 4]);
                NativeMemory.putByte(p++, HEX[c & 0xF]);
            }
        }
        return p;
    }

    /**
     * IPv4 dotted; IPv6 as RFC 5952 recommends (lower-case hex, no leading zeros, the longest run of
     * two or more zero groups as "::", the first of equal runs), as nginx writes it; an IPv4-mapped
     * IPv6 address ({@code ::ffff:a.b.c.d}, what a dual-stack socket reports for an IPv4 client) as
     * the IPv4 address.
     */
    static long putAddress(long p, byte[] a, int length) {
        if (length == 4) {
            return putIpv4(p, a, 0);
        }
        if (length != 16) {
            return put(p, (byte) '-');
        }
        boolean mapped = a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
        for (int i = 0; i < 10 && mapped; i++) {
            mapped = a[i] == 0;
        }
        if (mapped) {
            return putIpv4(p, a, 12);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            if (group(a, g) != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && group(a, g) == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                p = put(p, (byte) ':');
                if (g == 0) {
                    p = put(p, (byte) ':');
                }
                g += bestLength - 1;
                if (g == 7) {
                    break;
                }
                continue;
            }
            p = putHexGroup(p, group(a, g));
            if (g < 7) {
                p = put(p, (byte) ':');
            }
        }
        return p;
    }

    private static int group(byte[] a, int g) {
        return (a[2 * g] & 0xFF) << 8 | (a[2 * g + 1] & 0xFF);
    }

    private static long putHexGroup(long p, int v) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int d = (v >> shift) & 0xF;
            if (d != 0 || started || shift == 0) {
                p = put(p, HEX_LOWER[d]);
                started = true;
            }
        }
        return p;
    }

    private static long putIpv4(long p, byte[] a, int from) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                p = put(p, (byte) '.');
            }
            p = putDecimal(p, a[from + i] & 0xFF);
        }
        return p;
    }

    /**
     * "dd/MMM/yyyy:HH:mm:ss +hhmm" in the system time zone (nginx's $time_local), by arithmetic: the
     * zone's offset is looked up (allocating) only when the second leaves the span it is valid for,
     * at start and at daylight-saving changes.
     */
    private void renderTime(long second) {
        timeSecond = second;
        if (second < offsetFromSec || second >= offsetUntilSec) {
            lookUpOffset(second);
        }
        long local = second + offsetSeconds;
        long days = Math.floorDiv(local, 86_400);
        int secondOfDay = (int) Math.floorMod(local, 86_400);
        // Days since 1970-01-01 to a civil date: count in 400-year eras of 146 097 days whose
        // years start on 1 March, so that the leap day is the last day of a year.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        int dayOfEra = (int) (z - era * 146_097);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int monthFromMarch = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1;
        int month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);

        byte[] t = timeText;
        two(t, 0, day);
        t[2] = '/';
        t[3] = MONTHS[3 * (month - 1)];
        t[4] = MONTHS[3 * (month - 1) + 1];
        t[5] = MONTHS[3 * (month - 1) + 2];
        t[6] = '/';
        int y = (int) Math.floorMod(year, 10_000);
        two(t, 7, y / 100);
        two(t, 9, y % 100);
        t[11] = ':';
        two(t, 12, secondOfDay / 3600);
        t[14] = ':';
        two(t, 15, secondOfDay / 60 % 60);
        t[17] = ':';
        two(t, 18, secondOfDay % 60);
        t[20] = ' ';
        int off = offsetSeconds;
        t[21] = (byte) (off < 0 ? '-' : '+');
        off = Math.abs(off);
        two(t, 22, off / 3600);
        two(t, 24, off / 60 % 60);
    }

    private static void two(byte[] t, int at, int v) {
        t[at] = (byte) ('0' + v / 10);
        t[at + 1] = (byte) ('0' + v % 10);
    }

    private void lookUpOffset(long second) {
        Instant at = Instant.ofEpochSecond(second);
        ZoneOffset offset = zone.getOffset(at);
        offsetSeconds = offset.getTotalSeconds();
        ZoneOffsetTransition previous = zone.previousTransition(at.plusSeconds(1));
        ZoneOffsetTransition next = zone.nextTransition(at);
        offsetFromSec = previous == null ? Long.MIN_VALUE : previous.toEpochSecond();
        offsetUntilSec = next == null ? Long.MAX_VALUE : next.toEpochSecond();
    }
}
