package io.uringhttpd.engine;

/**
 * What an event loop holds at one moment ({@link EventLoop#resources()}): read from another
 * thread it is a racy snapshot, exact once the loop is quiet (tests wait for that).
 *
 * @param fds                fds the loop owns: connection sockets, listen sockets, its wake-up
 *                           eventfd, its epoll fd or ring, both ends of each pipe
 * @param connections        connections open (slots in use)
 * @param buffersInUse       pooled buffers lent to connections
 * @param pipesInUse         pipes lent to connections (io_uring's splice)
 * @param pipesPooled        pipes kept for reuse
 * @param receiveBuffersHeld provided receive buffers held back from the kernel (io_uring)
 * @param sparePlans         response plans kept for reuse
 */
public record LoopResources(int fds, int connections, long buffersInUse, int pipesInUse, int pipesPooled,
                            int receiveBuffersHeld, int sparePlans) {
    /** Nothing held for any connection: what is left when every peer has gone. */
    public boolean nothingForConnections() {
        return connections == 0 && buffersInUse == 0 && pipesInUse == 0 && receiveBuffersHeld == 0;
    }
}
