package io.uringhttpd.engine.iouring;

/**
 * What the proactor tracks per connection beside the shared {@link io.uringhttpd.engine.Connection}:
 * the operations the kernel still holds. A slot is reused only when none is left, so no
 * completion can ever name a buffer, pipe or fd that changed owner.
 */
final class ProactorState {
    /** Submitted operations whose last completion has not arrived (a multishot recv counts once). */
    int inflight;
    boolean recvArmed;
    /** One SEND in flight at most: its buffer must stay untouched until the completion. */
    boolean sendInFlight;
    int sendLength;
    /** The send in flight comes from a body part (not from the output buffer). */
    boolean sendFromPart;
    /** A SPLICE pair (file → pipe → socket) is in flight. */
    boolean splicing;
    int spliceRequested;
    /** Result of the file → pipe half, -1 before it completed. */
    int spliceIn;
    /** Bytes spliced into the pipe that have not reached the socket yet. */
    long pipeBytes;
    /** Index in the loop's pipe pool, -1 when none. */
    int pipe = -1;
    boolean dirty;
    boolean closing;
    /** The send in flight is a SEND_ZC from {@link #mapAddress}. */
    boolean sendZc;
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
    /**
     * Provided buffers kept back (not returned to the ring) because the connection's input
     * buffer was full of requests waiting for their responses: the receive is paused meanwhile.
     */
    final int[] heldBids = new int[HELD_BUFFERS_MAX];
    final int[] heldLengths = new int[HELD_BUFFERS_MAX];
    int heldCount;
    /** The multishot receive was cancelled for backpressure: re-arm once the held input is served. */
    boolean recvPaused;

    /** A client further ahead of its responses than the input buffer plus this many receive buffers is refused. */
    static final int HELD_BUFFERS_MAX = 8;

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

    void reset() {
        inflight = 0;
        recvArmed = false;
        sendInFlight = false;
        sendLength = 0;
        sendFromPart = false;
        splicing = false;
        spliceRequested = 0;
        spliceIn = -1;
        pipeBytes = 0;
        pipe = -1;
        dirty = false;
        closing = false;
        sendZc = false;
        mapAddress = 0;
        mapLength = 0;
        mapDelta = 0;
        mapRetired = false;
        zcNotificationsPending = 0;
        zcHead = 0;
        heldCount = 0;
        recvPaused = false;
    }
}
