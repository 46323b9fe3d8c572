package io.uringhttpd.engine;

/**
 * What only an engine knows, for the {@link LoopCore} that runs the policies both engines share
 * (as nginx's event modules are a small table of operations under an engine-agnostic core).
 * Every method runs on the loop's thread.
 */
public interface EngineOps {
    /** On the loop's thread, before its first turn (io_uring: the ring is created here, SINGLE_ISSUER binds it to this thread). */
    void start();

    /** One turn of the loop: wait for readiness or completions, then handle them. */
    void runOnce();

    /**
     * Nothing in progress on the connection, the engine's own operations included (the proactor
     * also waits for what the kernel still holds). Asked only while the loop retires.
     */
    boolean idle(Connection c);

    /** The connection is already on its way out: no timeout, no second close. */
    boolean closing(Connection c);

    /**
     * Ends the connection (its {@link Connection#closeReason} is set): at once, or as soon as
     * the kernel holds nothing of it any more; either way {@link LoopCore#release} ends it.
     */
    void close(Connection c);

    /** Retirement began: stop accepting (what is already in a listen backlog is still served). */
    void stopAccepting();

    /** Accepts again after {@link LoopCore#pauseAccepting} (descriptors have been freed). */
    void resumeAccepting();

    /** The engine's own fds (its epoll fd or ring, pipes), for {@link EventLoop#resources()}. */
    int ownFds();

    default int pipesInUse() {
        return 0;
    }

    default int pipesPooled() {
        return 0;
    }

    /** Receive buffers held back from the kernel for connections (the proactor's backpressure). */
    default int receiveBuffersHeld() {
        return 0;
    }

    /** The loop ends: close everything the engine holds (connections through {@link LoopCore#release}; the core closes the listeners after). */
    void closeEverything();
}
