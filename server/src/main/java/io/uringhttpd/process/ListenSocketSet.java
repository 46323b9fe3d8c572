package io.uringhttpd.process;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.config.ServerConfig.ListenAddress;
import io.uringhttpd.engine.ListenSockets;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The master's listen sockets: for each configured address, one SO_REUSEPORT socket per event
 * loop of the whole server (slot = worker x loops-per-worker + loop), kept open across worker
 * respawns and reloads. They must outlive the workers: closing a reuseport listener resets the
 * connections queued on it (net.ipv4.tcp_migrate_req is 0 by default), while a socket whose
 * worker is being replaced just queues new connections until the next worker accepts them.
 *
 * <p>Only the master's control thread uses it.
 */
final class ListenSocketSet implements AutoCloseable {
    private final Syscalls sys = new Syscalls();
    private final int backlog;
    /** fds by slot, per address as configured; -1 = not open. */
    private final Map<ListenAddress, int[]> fds = new HashMap<>();
    /** The port each address is bound to (differs from the configured one only for port 0). */
    private final Map<ListenAddress, Integer> ports = new HashMap<>();

    ListenSocketSet(int backlog) {
        this.backlog = backlog;
    }

    /**
     * Opens whatever {@code config} needs that is not open yet. On failure nothing opened by this
     * call stays open, and the exception names the address.
     */
    void ensure(ServerConfig config) throws IOException {
        int slots = config.loopsTotal();
        List<int[]> opened = new ArrayList<>();   // {address index in config, slot}
        try {
            for (int a = 0; a < config.listen().size(); a++) {
                ListenAddress address = config.listen().get(a);
                int[] bySlot = fds.computeIfAbsent(address, k -> new int[0]);
                if (bySlot.length < slots) {
                    int old = bySlot.length;
                    bySlot = Arrays.copyOf(bySlot, slots);
                    Arrays.fill(bySlot, old, slots, -1);
                    fds.put(address, bySlot);
                }
                for (int slot = 0; slot < slots; slot++) {
                    if (bySlot[slot] >= 0) {
                        continue;
                    }
                    InetSocketAddress where = address.toSocketAddress();
                    Integer port = ports.get(address);
                    if (port != null) {
                        // Port 0 asked for any port: every socket of the address joins the one chosen first.
                        where = new InetSocketAddress(where.getAddress(), port);
                    }
                    int fd = ListenSockets.openOne(sys, where, backlog);
                    bySlot[slot] = fd;
                    opened.add(new int[] {a, slot});
                    ports.putIfAbsent(address, sys.localPort(fd));
                }
            }
        } catch (IOException e) {
            for (int[] o : opened) {
                ListenAddress address = config.listen().get(o[0]);
                int[] bySlot = fds.get(address);
                sys.close(bySlot[o[1]]);
                bySlot[o[1]] = -1;
            }
            forgetEmpty();
            throw e;
        }
    }

    /** The fds of one worker, [loop][address] as the worker's event loops take them. */
    int[][] forWorker(ServerConfig config, int worker) {
        int loops = config.loopsPerWorker();
        int[][] out = new int[loops][config.listen().size()];
        for (int loop = 0; loop < loops; loop++) {
            for (int a = 0; a < config.listen().size(); a++) {
                out[loop][a] = fds.get(config.listen().get(a))[worker * loops + loop];
            }
        }
        return out;
    }

    /** The addresses of {@code config} with the ports actually bound (port 0 resolved). */
    List<ListenAddress> bound(ServerConfig config) {
        List<ListenAddress> out = new ArrayList<>();
        for (ListenAddress a : config.listen()) {
            out.add(new ListenAddress(a.host(), ports.getOrDefault(a, a.port())));
        }
        return out;
    }

    /**
     * Closes the sockets none of {@code configs} uses (an address dropped or workers reduced by a
     * reload), once no worker that could still accept on them is alive.
     */
    void retainOnly(Collection<ServerConfig> configs) {
        Map<ListenAddress, Integer> needed = new HashMap<>();
        for (ServerConfig c : configs) {
            for (ListenAddress a : c.listen()) {
                needed.merge(a, c.loopsTotal(), Math::max);
            }
        }
        for (Map.Entry<ListenAddress, int[]> e : fds.entrySet()) {
            int keep = needed.getOrDefault(e.getKey(), 0);
            int[] bySlot = e.getValue();
            for (int slot = keep; slot < bySlot.length; slot++) {
                if (bySlot[slot] >= 0) {
                    sys.close(bySlot[slot]);
                    bySlot[slot] = -1;
                }
            }
        }
        forgetEmpty();
    }

    private void forgetEmpty() {
        fds.entrySet().removeIf(e -> Arrays.stream(e.getValue()).allMatch(fd -> fd < 0));
        ports.keySet().retainAll(fds.keySet());
    }

    int openCount() {
        int n = 0;
        for (int[] bySlot : fds.values()) {
            for (int fd : bySlot) {
                n += fd >= 0 ? 1 : 0;
            }
        }
        return n;
    }

    @Override
    public void close() {
        retainOnly(List.of());
    }
}
