package io.uringhttpd.engine;

import io.uringhttpd.http.ConnectionHttpState;
import io.uringhttpd.http.ResponsePlan;
import io.uringhttpd.sys.NativeMemory;
import io.uringhttpd.sys.Sockaddr;
import io.uringhttpd.sys.SocketConstants;

/**
 * One slot of a loop's connection table: everything the loop knows about a
 * connection, in one place (like nginx's ngx_connection_t).
 *
 * <p>Slots are reused. {@link #generation} is bumped on close and travels with
 * every kernel event (epoll data, io_uring user_data), so an event queued for
 * the previous owner of a slot or fd is recognised as stale and dropped.
 *
 * <p>Buffers are borrowed from the loop's {@link BufferPool} only while needed:
 * an idle keep-alive connection owns no buffer.
 */
public final class Connection {
    public final int slot;
    public int generation;
    /** Socket fd, or -1 when the slot is free. */
    public int fd = -1;

    /** Owned input buffer address (0 = none; the loop's scratch buffer is used instead). */
    public long inAddress;
    public int inStart;
    public int inEnd;

    /** Owned output buffer address (0 = none). Bytes [outStart, outEnd) are still to be sent. */
    public long outAddress;
    public int outStart;
    public int outEnd;

    /** A response whose body could not be sent at once; null when none. Its parts run from pendingPart. */
    public ResponsePlan pending;
    public int pendingPart;
    /** Bytes of part {@link #pendingPart} already sent. */
    public long pendingPartSent;

    /** When to give up on this connection (ms, loop clock); its meaning depends on the state. */
    public long deadlineMs;
    /** The loop clock when the first byte of the current request head arrived (0 = no partial head). */
    public long headStartedMs;
    /** System.nanoTime() when the first byte of the request now being read was read (0: none). */
    public long requestStartNs;
    /** Responses produced but not yet handed to the kernel in full, and the start of the oldest. */
    public int unsentResponses;
    public long unsentStartNs;
    /** Why the connection is being closed: a LoopCounters.CLOSE_* reason (peer unless set). */
    public int closeReason;

    public boolean closeAfterSend;
    public boolean peerClosed;
    /** Reading stopped before EAGAIN (output backpressure or a per-wakeup bound): read again later. */
    public boolean inputPending;
    /** Our side is shut down (SHUT_WR); reading and discarding until the peer closes too. */
    public boolean lingering;
    /** In the loop's ready queue (has work to continue without a new kernel event). */
    public boolean queued;

    public long requests;
    /** Peer address for the access log: IPv4/IPv6 bytes and port, filled from accept4's sockaddr. */
    public final byte[] peerAddress = new byte[16];
    public int peerAddressLength;
    public int peerPort;

    public final ConnectionHttpState http;

    public Connection(int slot, ConnectionHttpState http) {
        this.slot = slot;
        this.http = http;
    }

    /** Epoll data / io_uring user_data payload: generation in the high half, slot in the low half. */
    public long token() {
        return ((long) generation << 32) | (slot & 0xFFFF_FFFFL);
    }

    public static int slotOf(long token) {
        return (int) token;
    }

    public static int generationOf(long token) {
        return (int) (token >>> 32);
    }

    public boolean hasUnsentOutput() {
        return pending != null || outEnd > outStart;
    }

    /**
     * The deadline of a connection waiting for its client (nothing left to send): the
     * header-read timeout counted from the first byte of a partial head (a slowloris client
     * trickling a head gets no extension), else the keep-alive idle timeout (the header-read
     * one before the first request). Both engines use this one policy.
     */
    public void setWaitingDeadline(LoopSettings settings, long nowMs) {
        if (inEnd > inStart || http.inBody()) {
            deadlineMs = (headStartedMs != 0 ? headStartedMs : nowMs) + settings.headerReadTimeoutMs();
        } else {
            headStartedMs = 0;
            deadlineMs = nowMs + (requests == 0 ? settings.headerReadTimeoutMs() : settings.keepaliveIdleTimeoutMs());
        }
    }

    /**
     * Nothing in progress: no partial request head, no request body being read, nothing left to
     * send, not closing. Such a connection waits for its client's next request (a retiring loop
     * closes it after the idle grace). The proactor also checks its own in-flight operations.
     */
    public boolean idle() {
        return inEnd == inStart && !http.inBody() && !hasUnsentOutput() && !lingering && !closeAfterSend;
    }

    /** Fills the peer address for the access log from a struct sockaddr_in/sockaddr_in6 at {@code sockaddr}. */
    public void recordPeer(long sockaddr) {
        int family = Sockaddr.family(sockaddr);
        peerPort = Sockaddr.port(sockaddr);
        if (family == SocketConstants.AF_INET) {
            for (int i = 0; i < 4; i++) {
                peerAddress[i] = NativeMemory.getByte(sockaddr + 4 + i);
            }
            peerAddressLength = 4;
        } else if (family == SocketConstants.AF_INET6) {
            for (int i = 0; i < 16; i++) {
                peerAddress[i] = NativeMemory.getByte(sockaddr + 8 + i);
            }
            peerAddressLength = 16;
        }
    }

    /**
     * A request's bytes were consumed: returns when the read that brought its first byte returned,
     * and forgets it when no input is left (the next request starts with the next read; pipelined
     * ones left in the buffer keep the start of the read that brought them).
     */
    public long requestConsumed(boolean inputLeft) {
        long startNs = requestStartNs;
        if (!inputLeft) {
            requestStartNs = 0;
        }
        return startNs;
    }

    /** Bytes arrived: the read that brings a request's first byte starts its clock. */
    public void inputRead() {
        if (requestStartNs == 0) {
            requestStartNs = System.nanoTime();
        }
    }

    /**
     * A response was produced for a request whose clock started at {@code requestStartNs}
     * (0: durations are not recorded, metrics are off).
     */
    public void responseQueued(long requestStartNs) {
        if (requestStartNs != 0 && unsentResponses++ == 0) {
            unsentStartNs = requestStartNs;
        }
    }

    /** Everything produced so far has been handed to the kernel: records the durations. */
    public void responsesHandedOver(LoopCounters counters) {
        if (unsentResponses > 0) {
            counters.responsesSent(unsentResponses, System.nanoTime() - unsentStartNs);
            unsentResponses = 0;
        }
    }

    /** Prepares a free slot for a new socket. */
    public void open(int fd, long nowMs) {
        this.fd = fd;
        inAddress = 0;
        inStart = inEnd = 0;
        outAddress = 0;
        outStart = outEnd = 0;
        pending = null;
        pendingPart = 0;
        pendingPartSent = 0;
        headStartedMs = 0;
        requestStartNs = 0;
        unsentResponses = 0;
        unsentStartNs = 0;
        closeReason = LoopCounters.CLOSE_PEER;
        deadlineMs = nowMs;
        closeAfterSend = false;
        peerClosed = false;
        inputPending = false;
        lingering = false;
        queued = false;
        requests = 0;
        peerAddressLength = 0;
        peerPort = 0;
        http.reset();
    }
}
