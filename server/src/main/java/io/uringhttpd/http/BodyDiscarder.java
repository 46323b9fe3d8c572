package io.uringhttpd.http;

import static io.uringhttpd.http.Chars.CR;
import static io.uringhttpd.http.Chars.HEX;
import static io.uringhttpd.http.Chars.HTAB;
import static io.uringhttpd.http.Chars.LF;
import static io.uringhttpd.http.Chars.SP;

/**
 * Reads a request body and drops it, so that a keep-alive connection finds the next request right
 * after it (a GET with a body must never have its body parsed as a request). Content-Length bodies
 * and chunked bodies (RFC 9112 §7.1): chunk sizes in hex with an overflow check, chunk extensions and
 * trailer fields skipped. Resumable across calls; nothing allocated. One per connection.
 *
 * <p>Stricter than the head parser on purpose: chunk framing lines must end in CRLF. A bare LF or a
 * bare CR there is refused (400), because lenient chunk parsing is where request smuggling between
 * two HTTP implementations lives (each would split the stream differently).
 */
public final class BodyDiscarder {
    /** Chunked framing error: answer 400 and close. */
    public static final int MALFORMED = -400;

    private static final int DONE = 0, LENGTH = 1, SIZE_START = 2, SIZE = 3, EXT = 4, SIZE_LF = 5, DATA = 6,
        DATA_CR = 7, DATA_LF = 8, TRAILER_START = 9, TRAILER = 10, TRAILER_LF = 11, END_LF = 12, FAILED = 13;

    private final int lineBytesMax;
    private final int trailerBytesMax;
    private int state = DONE;
    private long remaining;
    private long chunkSize;
    private int lineBytes;
    private int trailerBytes;
    private long bodyBytes;

    /**
     * @param lineBytesMax    longest chunk-size line (size plus extensions) and longest trailer line
     * @param trailerBytesMax bytes of the whole trailer section
     */
    public BodyDiscarder(int lineBytesMax, int trailerBytesMax) {
        if (lineBytesMax < 3 || trailerBytesMax < 2) {
            throw new IllegalArgumentException("lineBytesMax >= 3 and trailerBytesMax >= 2 required");
        }
        this.lineBytesMax = lineBytesMax;
        this.trailerBytesMax = trailerBytesMax;
    }

    /** Starts on the body that {@code request} announces (none: complete at once). */
    public void start(Request request) {
        if (request.chunked) {
            startChunked();
        } else {
            startContentLength(Math.max(0, request.contentLength));
        }
    }

    public void startContentLength(long length) {
        bodyBytes = 0;
        remaining = length;
        state = length > 0 ? LENGTH : DONE;
    }

    public void startChunked() {
        bodyBytes = 0;
        remaining = 0;
        state = SIZE_START;
    }

    /** The whole body (for chunked: up to the CRLF after the trailers) has been consumed. */
    public boolean isComplete() {
        return state == DONE;
    }

    /** Body data bytes seen so far (chunk data only, not framing): lets the caller cap what it is willing to read. */
    public long bodyBytes() {
        return bodyBytes;
    }

    /**
     * Consumes body bytes from {@code [address, address+length)}, never past the body's end.
     *
     * @return bytes consumed ({@code >= 0}; the rest belongs to the next request once
     *     {@link #isComplete()}), or {@link #MALFORMED}
     */
    public int discard(long address, int length) {
        int p = 0;
        while (p < length) {
            switch (state) {
                case DONE:
                    return p;
                case FAILED:
                    return MALFORMED;
                case LENGTH:
                case DATA: {
                    int take = (int) Math.min(remaining, length - p);
                    p += take;
                    remaining -= take;
                    bodyBytes += take;
                    if (remaining == 0) {
                        state = state == LENGTH ? DONE : DATA_CR;
                    }
                    break;
                }
                case SIZE_START: {
                    int h = HEX[Mem.u8(address + p)];
                    if (h < 0) {
                        return fail();
                    }
                    chunkSize = h;
                    lineBytes = 1;
                    p++;
                    state = SIZE;
                    break;
                }
                case SIZE: {
                    byte b = Mem.get(address + p);
                    int h = HEX[b & 0xFF];
                    if (h >= 0) {
                        if (chunkSize > (Long.MAX_VALUE >>> 4)) {
                            return fail(); // would overflow a long
                        }
                        chunkSize = chunkSize << 4 | h;
                    } else if (b == ';' || b == SP || b == HTAB) {
                        state = EXT; // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): skipped
                    } else if (b == CR) {
                        state = SIZE_LF;
                    } else {
                        return fail();
                    }
                    if (++lineBytes > lineBytesMax) {
                        return fail();
                    }
                    p++;
                    break;
                }
                case EXT: {
                    byte b = Mem.get(address + p);
                    if (b == CR) {
                        state = SIZE_LF;
                    } else if (isCtl(b)) {
                        return fail(); // includes a bare LF
                    }
                    if (++lineBytes > lineBytesMax) {
                        return fail();
                    }
                    p++;
                    break;
                }
                case SIZE_LF:
                    if (Mem.get(address + p) != LF) {
                        return fail();
                    }
                    p++;
                    if (chunkSize == 0) {
                        trailerBytes = 0;
                        state = TRAILER_START;
                    } else {
                        remaining = chunkSize;
                        state = DATA;
                    }
                    break;
                case DATA_CR:
                    if (Mem.get(address + p) != CR) {
                        return fail();
                    }
                    p++;
                    state = DATA_LF;
                    break;
                case DATA_LF:
                    if (Mem.get(address + p) != LF) {
                        return fail();
                    }
                    p++;
                    state = SIZE_START;
                    break;
                case TRAILER_START: {
                    byte b = Mem.get(address + p);
                    if (++trailerBytes > trailerBytesMax) {
                        return fail();
                    }
                    p++;
                    if (b == CR) {
                        state = END_LF;
                    } else if (isCtl(b) || b == SP) {
                        return fail(); // bare LF, obs-fold, NUL…
                    } else {
                        lineBytes = 1;
                        state = TRAILER;
                    }
                    break;
                }
                case TRAILER: {
                    byte b = Mem.get(address + p);
                    if (++trailerBytes > trailerBytesMax || ++lineBytes > lineBytesMax) {
                        return fail();
                    }
                    if (b == CR) {
                        state = TRAILER_LF;
                    } else if (isCtl(b)) {
                        return fail();
                    }
                    p++;
                    break;
                }
                case TRAILER_LF:
                case END_LF:
                    if (Mem.get(address + p) != LF || ++trailerBytes > trailerBytesMax) {
                        return fail();
                    }
                    p++;
                    state = state == END_LF ? DONE : TRAILER_START;
                    break;
                default:
                    throw new IllegalStateException("discarder state " + state);
            }
        }
        return state == FAILED ? MALFORMED : p;
    }

    private int fail() {
        state = FAILED;
        return MALFORMED;
    }

    /** CTL other than HTAB (CR is handled before this is asked). */
    private static boolean isCtl(byte b) {
        return (b >= 0 && b < 0x20 && b != HTAB) || b == 0x7F;
    }
}
