package io.uringhttpd.http;

/**
 * The HTTP core's per-connection state: where the parser stopped inside a head that has not fully
 * arrived, and a request body being read and dropped. Both are borrowed from the loop's
 * {@link HttpStatePool} only while needed, so a connection between requests holds this object's
 * few fields alone; an engine keeps one in each connection slot.
 */
public final class ConnectionHttpState {
    private final HttpStatePool pool;
    /** A head arrived in part: where the parser stopped. Null between requests. */
    ParseState parse;
    /** A request body still being read and dropped; null when there is none. */
    BodyDiscarder body;

    ConnectionHttpState(HttpStatePool pool) {
        this.pool = pool;
    }

    /** True while a request body is still being read (the connection is mid-request). */
    public boolean inBody() {
        return body != null;
    }

    /** Gives the parser state back: its head is complete (or refused). */
    void headDone() {
        if (parse != null) {
            pool.give(parse);
            parse = null;
        }
    }

    /** Gives the body discarder back: its body is read, or cannot be. */
    void bodyDone() {
        if (body != null) {
            pool.give(body);
            body = null;
        }
    }

    /** Forgets everything: the slot is reused for a new connection. */
    public void reset() {
        headDone();
        bodyDone();
    }
}
