package io.uringhttpd.engine.iouring;

/**
 * What the proactor tracks per connection beside the shared {@link io.uringhttpd.engine.Connection}:
 * one phase, which operations the kernel still holds, and the buffers and pipe they use. A slot
 * is reused only when no operation is left, so no completion can ever name a buffer, pipe or fd
 * that changed owner.
 *
 * <pre>
 *                  accept
 *                    │
 *                    ▼           input buffer full of requests waiting for their responses:
 *   ┌────────────► OPEN ───────────────────────────────────────────────────► PAUSED
 *   │                │ ◄──── held input served, receive re-armed ─────────────┘  │
 *   │                │ last response (Connection: close) handed over: FIN sent    │
 *   │                ▼                                                            │
 *   │            LINGERING  (receive drains until EOF, or LINGER_MS)              │
 *   │                │                                                            │
 *   │   peer gone, error, timeout, limit, end of lingering (from any phase) ◄────┘
 *   │                ▼
 *   │             CLOSING   (shutdown(2) done, the receive cancelled; waits for inflight == 0)
 *   │                │ inflight == 0: LoopCore.release, the slot gets a new generation
 *   │                ▼
 *   └───────────── FREE
 * </pre>
 *
 * <p>Beside the phase: {@link #receiving} (a multishot RECV is armed: 0 or 1), {@link #sending}
 * (which send is in flight: at most one per connection, its buffer untouchable until the
 * completion), {@link #zcNotificationsPending}, and {@link #inflight}, every operation whose last
 * completion has not arrived (a multishot receive counts once, a SPLICE pair twice).
 */
final class ProactorState {
    /** The slot holds no connection. */
    static final int FREE = 0;
    /** Receiving requests and sending responses. */
    static final int OPEN = 1;
    /** The receive was cancelled for backpressure; buffers are held back until their requests are served. */
    static final int PAUSED = 2;
    /** Our FIN is sent; receiving only to drain the peer (a lingering close). */
    static final int LINGERING = 3;
    /** shutdown(2) done; the fd closes once the kernel holds no operation of it. */
    static final int CLOSING = 4;

    /** Nothing in flight. */
    static final int SEND_NONE = 0;
    /** A SEND of the output buffer's [outStart, outEnd). */
    static final int SEND_OUTPUT = 1;
    /** A SEND of a body part held in memory. */
    static final int SEND_PART = 2;
    /** A SEND_ZC from the mapping of a file part. */
    static final int SEND_ZC = 3;
    /** A SPLICE pair (file → pipe → socket), or the resubmitted pipe → socket half. */
    static final int SPLICE = 4;

    /** A client further ahead of its responses than the input buffer plus this many receive buffers is refused. */
    static final int HELD_BUFFERS_MAX = 8;

    int phase = FREE;
    /** Submitted operations whose last completion has not arrived. */
    int inflight;
    /** Multishot RECVs armed: 0 or 1. */
    int receiving;
    /** The send in flight ({@link #SEND_NONE} when none). */
    int sending = SEND_NONE;
    /** Bytes asked of the send in flight (a short completion is a partial write). */
    int sendLength;
    /** In the loop's list of connections with output to submit after this batch. */
    boolean dirty;

    /** Result of the file → pipe half, -1 before it completed. */
    int spliceIn;
    /** Bytes spliced into the pipe that have not reached the socket yet. */
    long pipeBytes;
    /** Index in the loop's pipe pool, -1 when none. */
    int pipe = -1;

    /** mmap of the file part being sent with SEND_ZC (0 = none); unmapped only after its last notification. */
    long mapAddress;
    long mapLength;
    /** Offset of the part's first byte inside the mapping (the mapping starts on a page boundary). */
    long mapDelta;
    /** The part the mapping serves is finished: unmap once no notification is pending. */
    boolean mapRetired;
    /** SEND_ZC results that announced a notification (F_MORE) not yet received. */
    int zcNotificationsPending;
    /**
     * The bytes of those sends, oldest at {@link #zcHead} (a ring, null until the first SEND_ZC):
     * a notification comes in send order and says whether its send's bytes were copied after all.
     */
    private int[] zcSentBytes;
    private int zcHead;

    /** Provided buffers kept back (not returned to the ring) while {@link #PAUSED}, oldest first. */
    final int[] heldBids = new int[HELD_BUFFERS_MAX];
    final int[] heldLengths = new int[HELD_BUFFERS_MAX];
    int heldCount;

    boolean closing() {
        return phase == CLOSING;
    }

    /** Received bytes are served (not while pausing, lingering or closing). */
    boolean serving() {
        return phase == OPEN || phase == PAUSED;
    }

    /** A receive should be (re-)armed when none is: open, or draining a lingering close. */
    boolean wantsReceive() {
        return phase == OPEN || phase == LINGERING;
    }

    /** A SEND_ZC result of {@code bytes} announced a notification (F_MORE). */
    void zcAwaitNotification(int bytes) {
        if (zcSentBytes == null || zcNotificationsPending == zcSentBytes.length) {
            int[] grown = new int[zcSentBytes == null ? 4 : 2 * zcSentBytes.length];
            for (int i = 0; i < zcNotificationsPending; i++) {
                grown[i] = zcSentBytes[(zcHead + i) % zcSentBytes.length];
            }
            zcSentBytes = grown;
            zcHead = 0;
        }
        zcSentBytes[(zcHead + zcNotificationsPending) % zcSentBytes.length] = bytes;
        zcNotificationsPending++;
    }

    /** The oldest pending notification arrived: returns the bytes of its send. */
    int zcNotified() {
        int bytes = zcSentBytes[zcHead];
        zcHead = (zcHead + 1) % zcSentBytes.length;
        zcNotificationsPending--;
        return bytes;
    }

    /** A new connection in this slot. */
    void open() {
        phase = OPEN;
        inflight = 0;
        receiving = 0;
        sending = SEND_NONE;
        sendLength = 0;
        dirty = false;
        spliceIn = -1;
        pipeBytes = 0;
        pipe = -1;
        mapAddress = 0;
        mapLength = 0;
        mapDelta = 0;
        mapRetired = false;
        zcNotificationsPending = 0;
        zcHead = 0;
        heldCount = 0;
    }
}
