package io.uringhttpd.contract;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Raw HTTP/1.1 over a real socket, for what RestAssured cannot send or observe:
 * malformed requests, pipelining, exact framing, connection closes.
 * Requests are written as ISO-8859-1 so every byte 0x00-0xff can be sent as is.
 */
public final class RawHttp {
    /** Generous: the server answers in microseconds; this only bounds a hung test. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final int HEAD_BYTES_MAX = 64 * 1024;

    private RawHttp() {}

    public static Conn open(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) READ_TIMEOUT.toMillis());
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        return new Conn(socket);
    }

    /** One request on a fresh connection, one response (GET framing), then close. */
    public static Response exchange(int port, String request) throws IOException {
        try (Conn c = open(port)) {
            return c.send(request).read();
        }
    }

    /** A minimal valid HTTP/1.1 request line plus Host. */
    public static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    public static String request(String method, String target, String... headerLines) {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    public static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A parsed response. Header names keep their case; lookups ignore it. */
    public record Response(String statusLine, int status, List<String[]> headerList, byte[] body) {
        /** First value of the header, or null. */
        public String header(String name) {
            for (String[] h : headerList) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (String[] h : headerList) {
                if (h[0].equalsIgnoreCase(name)) {
                    values.add(h[1]);
                }
            }
            return values;
        }

        /** True when a comma-separated header (Connection, Allow…) carries the token, case-insensitive. */
        public boolean hasToken(String name, String token) {
            for (String value : headers(name)) {
                for (String t : value.split(",")) {
                    if (t.trim().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
            return false;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(statusLine);
            for (String[] h : headerList) {
                sb.append("\n").append(h[0]).append(": ").append(h[1]);
            }
            sb.append("\n[").append(body.length).append(" body bytes]");
            if (body.length > 0 && body.length <= 512) {
                sb.append("\n").append(bodyText());
            }
            return sb.toString();
        }
    }

    /** One client connection. */
    public static final class Conn implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        /** Bytes that arrived while waiting for EOF in {@link #closedWithin}. */
        private int unexpectedBytes;

        Conn(Socket socket) throws IOException {
            this(socket, new BufferedInputStream(socket.getInputStream(), 64 * 1024), socket.getOutputStream());
        }

        private Conn(Socket socket, InputStream in, OutputStream out) {
            this.socket = socket;
            this.in = in;
            this.out = out;
        }

        public Socket socket() {
            return socket;
        }

        public Conn send(String ascii) throws IOException {
            return send(latin1(ascii));
        }

        public Conn send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            return this;
        }

        /** Reads one response to a request whose response may carry a body (GET, POST…). */
        public Response read() throws IOException {
            return read(false);
        }

        /** Reads one response to a HEAD request: never a body, whatever Content-Length says. */
        public Response readHead() throws IOException {
            return read(true);
        }

        public Response read(boolean headRequest) throws IOException {
            byte[] head = readHeadBytes();
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            String statusLine = lines[0];
            if (!statusLine.matches("HTTP/1\\.[01] \\d{3}( .*)?")) {
                throw new IOException("malformed status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed response header line: " + line);
                }
                headers.add(new String[] {line.substring(0, colon), line.substring(colon + 1).trim()});
            }
            Response noBody = new Response(statusLine, status, headers, new byte[0]);
            if (headRequest || status / 100 == 1 || status == 204 || status == 304) {
                return noBody;
            }
            String te = noBody.header("Transfer-Encoding");
            if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
                return new Response(statusLine, status, headers, readChunked());
            }
            String cl = noBody.header("Content-Length");
            if (cl != null) {
                long length = Long.parseLong(cl.trim());
                if (length > Integer.MAX_VALUE - 8) {
                    throw new IOException("body too large for a test read: " + length);
                }
                return new Response(statusLine, status, headers, readExactly((int) length));
            }
            return new Response(statusLine, status, headers, in.readAllBytes());
        }

        private byte[] readExactly(int length) throws IOException {
            byte[] bytes = in.readNBytes(length);
            if (bytes.length != length) {
                throw new EOFException("connection closed after " + bytes.length + " of " + length + " body bytes");
            }
            return bytes;
        }

        private byte[] readHeadBytes() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
            int state = 0; // how many bytes of CR LF CR LF have been matched
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed before a complete response head ("
                            + buf.size() + " bytes received: " + buf.toString(StandardCharsets.ISO_8859_1) + ")");
                }
                buf.write(b);
                if (buf.size() > HEAD_BYTES_MAX) {
                    throw new IOException("response head over " + HEAD_BYTES_MAX + " bytes");
                }
                if (b == '\r') {
                    state = (state == 2) ? 3 : 1;
                } else if (b == '\n' && (state == 1 || state == 3)) {
                    state++;
                } else {
                    state = 0;
                }
            }
            byte[] all = buf.toByteArray();
            return java.util.Arrays.copyOf(all, all.length - 4);
        }

        private byte[] readChunked() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine();
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailer fields are ignored
                    }
                    return body.toByteArray();
                }
                body.write(readExactly(size));
                readLine();
            }
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new EOFException("EOF inside chunked body");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        /**
         * Waits for the server to close. True when EOF (or a reset, which also ends the
         * connection) arrives within the time; false on timeout. Bytes arriving meanwhile
         * are counted in {@link #unexpectedBytes()}.
         */
        public boolean closedWithin(Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] scratch = new byte[8192];
            int previousTimeout = socket.getSoTimeout();
            try {
                while (true) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                    if (leftMs <= 0) {
                        return false;
                    }
                    socket.setSoTimeout((int) Math.max(1, leftMs));
                    int n;
                    try {
                        n = in.read(scratch);
                    } catch (SocketTimeoutException e) {
                        return false;
                    } catch (SocketException e) {
                        return true; // connection reset: closed
                    }
                    if (n < 0) {
                        return true;
                    }
                    unexpectedBytes += n;
                }
            } finally {
                if (!socket.isClosed()) {
                    socket.setSoTimeout(previousTimeout);
                }
            }
        }

        public int unexpectedBytes() {
            return unexpectedBytes;
        }

        /** Everything until EOF (e.g. a whole pipelined exchange that ends with Connection: close). */
        public byte[] readUntilEof() throws IOException {
            return in.readAllBytes();
        }

        public InputStream input() {
            return in;
        }

        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        /** Close with RST instead of FIN so that neither side keeps a TIME_WAIT entry (bulk tests). */
        public void closeWithReset() {
            try {
                socket.setSoLinger(true, 0);
            } catch (SocketException ignored) {
                // already closed
            }
            close();
        }

        @Override
        public void close() {
            if (socket == null) {
                return;
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /** Splits a byte stream holding several responses (e.g. read until EOF) into responses. */
    public static List<Response> parseAll(byte[] stream, boolean... headFlags) throws IOException {
        List<Response> responses = new ArrayList<>();
        java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(stream);
        Conn c = new Conn(null, in, OutputStream.nullOutputStream());
        int i = 0;
        while (in.available() > 0) {
            boolean head = i < headFlags.length && headFlags[i];
            responses.add(c.read(head));
            i++;
        }
        return responses;
    }
}
