package io.uringhttpd.engine;

/**
 * What an event loop needs to know from the configuration, resolved once.
 *
 * @param bufferBytes size of each pooled input/output buffer: it must hold the
 *        longest request head the limits allow, and a response head plus a small cached body
 */
public record LoopSettings(
        int connectionsMax,
        long headerReadTimeoutMs,
        long keepaliveIdleTimeoutMs,
        long sendTimeoutMs,
        int bufferBytes,
        long sendfileChunkBytes) {
}
