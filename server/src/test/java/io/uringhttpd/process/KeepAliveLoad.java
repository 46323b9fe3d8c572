package io.uringhttpd.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Steady load for the engine comparisons: threads each sending GET /favicon.png on keep-alive
 * connections of 200 requests, until closed. Many connections, so SO_REUSEPORT hashes some to
 * each worker and both engines get traffic.
 */
final class KeepAliveLoad implements AutoCloseable {
    private final int port;
    private final long length;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> clients = new ArrayList<>();

    KeepAliveLoad(int port, int threads) throws IOException {
        this.port = port;
        this.length = Files.size(Child.repoDir().resolve("www/favicon.png"));
        for (int i = 0; i < threads; i++) {
            clients.add(Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    try {
                        burst(200);
                    } catch (IOException e) {
                        // retried with a new connection
                    }
                }
            }));
        }
    }

    /** {@code count} GETs of /favicon.png on one keep-alive connection. */
    private void burst(int count) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] request = "GET /favicon.png HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < count && running.get(); i++) {
                out.write(request);
                int crlf = 0;
                while (crlf < 4) {
                    int b = in.read();
                    if (b < 0) {
                        throw new IOException("EOF");
                    }
                    crlf = (b == '\r' || b == '\n') ? crlf + 1 : 0;
                }
                if (in.readNBytes((int) length).length != length) {
                    throw new IOException("short body");
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : clients) {
            t.join(10_000);
        }
    }
}
