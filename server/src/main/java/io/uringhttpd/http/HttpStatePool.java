package io.uringhttpd.http;

import java.util.Arrays;

/**
 * One loop's spare parser states and body discarders. A connection holds one only while it needs
 * it: a {@link ParseState} while a head has arrived in part, a {@link BodyDiscarder} while a
 * request body is being read and dropped. Between requests (most connections, most of the time)
 * it holds neither: an idle keep-alive connection keeps ~0.45 KiB less heap (docs/architecture.md, "The seam between HTTP and the engines").
 * Grows to the most ever held at once, then allocates nothing. Confined to the loop's thread.
 */
final class HttpStatePool {
    private final int lineBytesMax;
    private final int trailerBytesMax;
    private ParseState[] parses = new ParseState[8];
    private int parseCount;
    private BodyDiscarder[] bodies = new BodyDiscarder[8];
    private int bodyCount;

    HttpStatePool(int lineBytesMax, int trailerBytesMax) {
        this.lineBytesMax = lineBytesMax;
        this.trailerBytesMax = trailerBytesMax;
    }

    /** A state at the start of a head. */
    ParseState takeParse() {
        return parseCount > 0 ? parses[--parseCount] : new ParseState();
    }

    void give(ParseState state) {
        state.reset();
        if (parseCount == parses.length) {
            parses = Arrays.copyOf(parses, parseCount * 2);
        }
        parses[parseCount++] = state;
    }

    BodyDiscarder takeBody() {
        return bodyCount > 0 ? bodies[--bodyCount] : new BodyDiscarder(lineBytesMax, trailerBytesMax);
    }

    void give(BodyDiscarder body) {
        body.startContentLength(0);
        if (bodyCount == bodies.length) {
            bodies = Arrays.copyOf(bodies, bodyCount * 2);
        }
        bodies[bodyCount++] = body;
    }
}
