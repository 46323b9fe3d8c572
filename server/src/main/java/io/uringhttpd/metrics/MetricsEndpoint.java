package io.uringhttpd.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Prometheus endpoint ({@code metrics { enabled, listen, path }}), served by the master (by the
 * single process when master = off) on the JDK's HTTP server, one daemon thread: far from the
 * event loops, which never see a scrape. Micrometer's Prometheus registry renders both the loops'
 * series ({@link LoopSeriesCollector}) and this JVM's own (Micrometer's binders, labelled
 * {@code worker="master"}, or the worker index of a single process).
 *
 * <p>Content negotiation as Prometheus does it: OpenMetrics 1.0 when the Accept header asks for
 * {@code application/openmetrics-text}, else the text format 0.0.4. Beside the configured path,
 * the engine page ({@link EnginePage}: / and its files) and its data, /metrics.json
 * ({@link MetricsJson}). Only GET and HEAD: other methods get 405 with Allow, other paths 404.
 */
public final class MetricsEndpoint implements AutoCloseable {
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_FORMAT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** The engine page's data: the same aggregated slots as counters and histograms, in JSON. */
    static final String JSON_PATH = "/metrics.json";

    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final HttpServer http;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final String path;
    private final MetricsAggregator aggregator;
    private final Supplier<List<WorkerStatus>> workers;

    private MetricsEndpoint(EndpointSettings config, MetricsAggregator aggregator, Supplier<List<WorkerStatus>> workers,
            String processLabel) throws IOException {
        this.path = config.path();
        this.aggregator = aggregator;
        this.workers = workers;
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("worker", processLabel);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        registry.getPrometheusRegistry().register(new LoopSeriesCollector(aggregator));
        InetSocketAddress address = config.address();
        try {
            http = HttpServer.create(address, 16);
        } catch (IOException e) {
            registry.close();
            gcMetrics.close();
            throw new IOException("cannot listen for metrics on " + config.listen(config.port()) + ": " + e.getMessage()
                    + " (metrics.listen; metrics.enabled = false turns the endpoint off)", e);
        }
        executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("metrics-http").unstarted(r));
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * Listens on {@code config.host()}:{@code config.port()} and serves {@code config.path()}.
     *
     * @param workers      the worker processes now, for the engine page's workers table
     * @param processLabel the {@code worker} label of this JVM's own series ("master", or "0" for a single process)
     * @throws IOException when the address cannot be bound (the message names the key)
     */
    public static MetricsEndpoint start(EndpointSettings config, MetricsAggregator aggregator,
            Supplier<List<WorkerStatus>> workers, String processLabel) throws IOException {
        MetricsEndpoint endpoint = new MetricsEndpoint(config, aggregator, workers, processLabel);
        if (config.path().equals("/")) {
            log.info("metrics on http://{}/", config.listen(endpoint.port()));
        } else {
            log.info("metrics on http://{}{}; engine page on http://{}/", config.listen(endpoint.port()), config.path(),
                    config.listen(endpoint.port()));
        }
        return endpoint;
    }

    /** The bound port (the configured one, or the kernel's choice for port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String requestPath = exchange.getRequestURI().getPath();
            // The configured path wins: metrics.path = "/" (or "/metrics.json") keeps Prometheus there.
            boolean prometheus = requestPath.equals(path);
            boolean json = !prometheus && requestPath.equals(JSON_PATH);
            Optional<EnginePage.Asset> asset = prometheus || json ? Optional.empty() : EnginePage.asset(requestPath);
            if (!prometheus && !json && asset.isEmpty()) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            if (asset.isPresent()) {
                exchange.getResponseHeaders().set("Content-Security-Policy", EnginePage.CONTENT_SECURITY_POLICY);
                exchange.getResponseHeaders().set("Cache-Control", "no-cache");
                send(exchange, method, asset.get().contentType(), asset.get().bytes());
                return;
            }
            if (json) {
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                send(exchange, method, "application/json", MetricsJson.render(System.currentTimeMillis(),
                        workers.get(), aggregator.collect()).getBytes(StandardCharsets.UTF_8));
                return;
            }
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            String contentType = accept != null && accept.contains("application/openmetrics-text")
                    ? OPENMETRICS_FORMAT : TEXT_FORMAT;
            ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
            registry.scrape(body, contentType);
            send(exchange, method, contentType, body.toByteArray());
        } catch (RuntimeException e) {
            log.warn("metrics request failed", e);
            throw e;
        }
    }

    private static void send(HttpExchange exchange, String method, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if (method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        gcMetrics.close();
        registry.close();
    }
}
