package io.uringhttpd.engine;

import io.uringhttpd.sys.Syscalls;

/**
 * A loop's listening sockets, in listen-address order: the fds it owns (closed when it retires
 * or stops: in a worker they are copies, the master keeps the sockets) and their ports.
 */
public final class Listeners {
    private final Syscalls sys;
    private final int[] fds;
    private final int[] ports;

    public Listeners(Syscalls sys, int[] fds) {
        this.sys = sys;
        this.fds = fds.clone();
        this.ports = new int[fds.length];
        for (int i = 0; i < fds.length; i++) {
            ports[i] = sys.localPort(fds[i]);
        }
    }

    public int count() {
        return fds.length;
    }

    /** The fd of listener {@code i}, or -1 once closed. */
    public int fd(int i) {
        return fds[i];
    }

    /** Ports, in listen-address order (useful with port 0). */
    public int[] ports() {
        return ports.clone();
    }

    /** Listeners still open (a retiring loop ends only when none is left). */
    public int open() {
        int n = 0;
        for (int fd : fds) {
            if (fd >= 0) {
                n++;
            }
        }
        return n;
    }

    public void close(int i) {
        if (fds[i] >= 0) {
            sys.close(fds[i]);
            fds[i] = -1;
        }
    }

    public void closeAll() {
        for (int i = 0; i < fds.length; i++) {
            close(i);
        }
    }
}
