package io.uringhttpd.process;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Headless Chromium (Debian's package chromium), driven through its DevTools protocol over the
 * JDK's WebSocket client: navigate, evaluate JavaScript, take a screenshot, and keep what the page
 * logged (console errors, Content-Security-Policy violations, uncaught exceptions).
 */
final class Chromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Child process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonPath>> pending = new ConcurrentHashMap<>();
    /** What the page logged at warning level or above, and uncaught exceptions. */
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private Chromium(Child process, WebSocket.Builder builder, URI page) {
        this.process = process;
        this.socket = builder.buildAsync(page, new Listener()).join();
    }

    /** Starts Chromium with a window of {@code width} x {@code height}, its profile in {@code dir}. */
    static Chromium start(Path dir, int width, int height) throws Exception {
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        Child process = Child.start(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank"),
                dir, dir, "chromium", env -> {});
        // Chromium writes the port it took, then the browser's path, into its profile.
        Path activePort = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.exists(activePort) || Files.readAllLines(activePort).size() < 2) {
            if (System.nanoTime() > deadline || !process.process.isAlive()) {
                process.close();
                throw new IOException("Chromium did not start: " + process.output());
            }
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readAllLines(activePort).getFirst().strip());
        HttpClient http = HttpClient.newHttpClient();
        String targets = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        List<Map<String, Object>> pages = JsonPath.from(targets).getList("findAll { it.type == 'page' }");
        String ws = (String) pages.getFirst().get("webSocketDebuggerUrl");
        Chromium c = new Chromium(process, http.newWebSocketBuilder(), URI.create(ws));
        c.call("Runtime.enable", "{}");
        c.call("Log.enable", "{}");
        c.call("Page.enable", "{}");
        return c;
    }

    /** A DevTools command; its result, or an exception with the protocol's error. */
    JsonPath call(String method, String paramsJson) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonPath> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + paramsJson + "}", true).join();
        JsonPath r = reply.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (r.get("error") != null) {
            throw new IOException(method + ": " + r.getString("error.message"));
        }
        return r;
    }

    void navigate(String url) throws Exception {
        call("Page.navigate", "{\"url\":" + json(url) + "}");
    }

    /** Evaluates {@code expression} in the page; its value as a string (JSON.stringify what is not one). */
    String evaluate(String expression) throws Exception {
        JsonPath r = call("Runtime.evaluate", "{\"expression\":" + json(expression) + ",\"returnByValue\":true}");
        if (r.get("result.exceptionDetails") != null) {
            throw new IOException("evaluate " + expression + ": " + r.getString("result.exceptionDetails.text"));
        }
        Object value = r.get("result.result.value");
        return value == null ? null : value.toString();
    }

    /** Waits until {@code condition} (a JavaScript expression) is true in the page. */
    void await(String condition, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        // try/catch in the page: while it loads, document.body may not be there yet.
        while (!"true".equals(evaluate("(() => { try { return Boolean(" + condition + "); } catch (e) { return false; } })()"))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("not true within " + timeout + ": " + condition + "; page problems: " + problems);
            }
            Thread.sleep(200);
        }
    }

    /** The whole page as a PNG. */
    byte[] screenshot() throws Exception {
        JsonPath r = call("Page.captureScreenshot", "{\"format\":\"png\",\"captureBeyondViewport\":true}");
        return Base64.getDecoder().decode(r.getString("result.data"));
    }

    static String json(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    @Override
    public void close() {
        socket.abort();
        process.close();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                JsonPath m = JsonPath.from(message.toString());
                message.setLength(0);
                Integer id = m.get("id");
                if (id != null) {
                    CompletableFuture<JsonPath> reply = pending.remove(id);
                    if (reply != null) {
                        reply.complete(m);
                    }
                } else {
                    event(m);
                }
            }
            webSocket.request(1);
            return null;
        }

        private void event(JsonPath m) {
            String method = m.getString("method");
            if ("Log.entryAdded".equals(method)) {
                String level = m.getString("params.entry.level");
                if ("error".equals(level) || "warning".equals(level)) {
                    problems.add(level + ": " + m.getString("params.entry.text") + " (" + m.getString("params.entry.url") + ")");
                }
            } else if ("Runtime.consoleAPICalled".equals(method)) {
                String type = m.getString("params.type");
                if ("error".equals(type) || "warning".equals(type)) {
                    problems.add("console." + type + ": " + m.getString("params.args[0].value"));
                }
            } else if ("Runtime.exceptionThrown".equals(method)) {
                problems.add("exception: " + m.getString("params.exceptionDetails.exception.description"));
            }
        }
    }

    /** The problems logged so far, for a message. */
    List<String> problems() {
        return new ArrayList<>(problems);
    }
}
