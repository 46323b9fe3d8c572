package io.uringhttpd.http;

/**
 * The HTTP core's per-connection state: where the parser stopped inside a head
 * that has not fully arrived, and a request body being read and dropped.
 * A few hundred bytes; an engine keeps one in each connection slot.
 */
public final class ConnectionHttpState {
    final ParseState parse = new ParseState();
    final BodyDiscarder body;
    boolean inBody;

    ConnectionHttpState(int lineBytesMax, int trailerBytesMax) {
        body = new BodyDiscarder(lineBytesMax, trailerBytesMax);
    }

    /** True while a request body is still being read (the connection is mid-request). */
    public boolean inBody() {
        return inBody;
    }

    /** Forgets everything: the slot is reused for a new connection. */
    public void reset() {
        parse.reset();
        body.startContentLength(0);
        inBody = false;
    }
}
