package io.uringhttpd.contract;

import static io.uringhttpd.metrics.MetricsSchema.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.Server;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.engine.EventLoop;
import io.uringhttpd.metrics.EndpointSettings;
import io.uringhttpd.metrics.FileCacheCounters;
import io.uringhttpd.metrics.MetricsAggregator;
import io.uringhttpd.metrics.MetricsEndpoint;
import io.uringhttpd.metrics.MetricsFile;
import io.uringhttpd.metrics.SlotSnapshot;
import io.uringhttpd.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real loops publishing into a real memfd (docs/architecture.md#metrics-path): what the slot says
 * after the loop stopped is
 * the traffic that was sent, and a reader hammering the slot meanwhile never sees it torn.
 */
class LoopMetricsPublishTest {
    @TempDir
    Path dir;

    private Server start(String engine, MetricsFile metrics) throws Exception {
        Path root = Files.createDirectories(dir.resolve("www"));
        Files.write(root.resolve("small.txt"), new byte[100]);
        Files.write(root.resolve("big.bin"), new byte[3 << 20]);
        ServerConfig config = TestServer.config(engine, root, dir);
        return Server.start(config, metrics);
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void theSlotHoldsWhatTheLoopDid(String engine) throws Exception {
        if (engine.equals("io_uring")) {
            IoUringAvailability.assumeAvailable();
        }
        try (MetricsFile file = MetricsFile.create(4)) {
            Server server = start(engine, file);
            AtomicBoolean reading = new AtomicBoolean(true);
            AtomicReference<String> torn = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                long previous = 0;
                while (reading.get()) {
                    SlotSnapshot s = file.read(0);
                    if (s == null) {
                        continue;
                    }
                    long requests = s.counters()[REQUESTS_2XX] + s.counters()[REQUESTS_4XX];
                    long observed = Arrays.stream(s.histogramBuckets()[REQUEST_DURATION]).sum();
                    if (requests != observed || requests < previous) {
                        torn.set("requests " + requests + ", durations " + observed + ", before " + previous);
                    }
                    previous = requests;
                }
            });
            int small = 20;
            long bodyBytes;
            try (RawHttp.Conn c = RawHttp.open(server.port())) {
                for (int i = 0; i < small; i++) {
                    assertThat(c.send(RawHttp.get("/small.txt")).read().status()).isEqualTo(200);
                }
                assertThat(c.send(RawHttp.get("/big.bin")).read().body()).hasSize(3 << 20);
                assertThat(c.send(RawHttp.get("/missing")).read().status()).isEqualTo(404);
                // A duration runs from the read of a request's first byte: a head sent in two halves
                // 300 ms apart takes at least that long.
                String request = RawHttp.get("/small.txt");
                c.send(request.substring(0, 10));
                Thread.sleep(300);
                assertThat(c.send(request.substring(10)).read().status()).isEqualTo(200);
                bodyBytes = (small + 1) * 100L + (3 << 20);
            }
            // The tick publishes once a second: wait for one that saw all 23 responses, then stop.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                SlotSnapshot s = file.read(0);
                if (s != null && s.counters()[REQUESTS_2XX] == small + 2) {
                    break;
                }
                Thread.sleep(50);
            }
            SlotSnapshot ticked = file.read(0);
            assertThat(ticked.live()).isTrue();
            assertThat(ticked.counters()[REQUESTS_2XX]).as("published at the tick").isEqualTo(small + 2);
            EventLoop loop = server.loops().getFirst();
            server.stop();
            server.awaitLoops();
            reading.set(false);
            reader.join();
            server.close();
            assertThat(torn.get()).as("a torn or backwards read").isNull();

            SlotSnapshot s = file.read(0);
            assertThat(s.live()).as("the final publish").isFalse();
            assertThat(s.engine()).isEqualTo(engine);
            assertThat(s.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(s.tid()).isPositive();
            long[] c = s.counters();
            assertThat(c[REQUESTS_2XX]).isEqualTo(small + 2);
            assertThat(c[REQUESTS_4XX]).isEqualTo(1);
            assertThat(c[REQUESTS_1XX] + c[REQUESTS_3XX] + c[REQUESTS_5XX]).isZero();
            assertThat(c[CONNECTIONS_ACCEPTED]).isEqualTo(1);
            assertThat(c[CLOSED_PEER] + c[CLOSED_SHUTDOWN]).isEqualTo(1);
            assertThat(c[CLOSED_TIMEOUT] + c[CLOSED_ERROR] + c[CLOSED_LIMIT]).isZero();
            assertThat(s.gauges()[CONNECTIONS_ACTIVE]).isZero();
            assertThat(s.gauges()[JVM_HEAP_USED_BYTES]).as("loop 0 writes the JVM gauges").isPositive();
            long body = c[BODY_BYTES_SENDFILE] + c[BODY_BYTES_SEND_ZC] + c[BODY_BYTES_SPLICE] + c[BODY_BYTES_COPY];
            assertThat(body).as("body bytes by path").isGreaterThanOrEqualTo(bodyBytes);
            assertThat(c[RESPONSE_BYTES]).isGreaterThan(body);
            assertThat(c[RESPONSE_BYTES]).isEqualTo(loop.counters().bytesFromMemory + loop.counters().bytesFromFile);
            assertThat(c[WAKEUPS]).isEqualTo(loop.counters().wakeups).isPositive();
            // getrusage(RUSAGE_THREAD) at each publish: the loop thread's own CPU time and switches.
            assertThat(c[LOOP_CPU_USER] + c[LOOP_CPU_SYSTEM]).as("loop CPU, microseconds").isPositive()
                    .isLessThan(ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos() / 1000);
            assertThat(c[CONTEXT_SWITCHES_VOLUNTARY]).as("the loop waited in the kernel").isPositive();
            assertThat(c[WORKER_CPU_USER] + c[WORKER_CPU_SYSTEM]).as("loop 0 writes the process's CPU, which holds the loop's")
                    .isGreaterThan(c[LOOP_CPU_USER] + c[LOOP_CPU_SYSTEM]);
            long[] syscalls = new long[SYSCALL_NAMES.size()];
            int[] i = {0};
            loop.syscalls().forEach((name, value) -> {
                assertThat(name).isEqualTo(SYSCALL_NAMES.get(i[0]));
                syscalls[i[0]++] = value;
            });
            assertThat(Arrays.copyOfRange(c, SYSCALLS_FIRST, SYSCALLS_FIRST + syscalls.length))
                    .as("syscalls == the loop's SyscallCounts").isEqualTo(syscalls);
            long[] durations = s.histogramBuckets()[REQUEST_DURATION];
            assertThat(Arrays.stream(durations).sum()).as("one duration per response").isEqualTo(small + 3);
            assertThat(s.histogramSums()[REQUEST_DURATION]).isGreaterThan(0.3).isLessThan(60.0);
            double[] bounds = HISTOGRAMS.get(REQUEST_DURATION).upperBounds();
            long slow = 0;
            for (int b = 0; b < durations.length; b++) {
                slow += b == bounds.length || bounds[b] > 0.25 ? durations[b] : 0;
            }
            assertThat(slow).as("the request whose head came in two halves, 300 ms apart").isEqualTo(1);
            assertThat(Arrays.stream(s.histogramBuckets()[EVENTS_PER_WAKEUP]).sum()).isEqualTo(c[WAKEUPS]);
            long sqes = Arrays.stream(s.histogramBuckets()[SQES_PER_SUBMIT]).sum();
            if (engine.equals("io_uring")) {
                assertThat(sqes).as("one per io_uring_enter of the loop").isPositive();
            } else {
                assertThat(sqes).isZero();
            }
        }
    }

    /**
     * The open-file cache's figures reach the slot and the scrape: with room for one entry, GET
     * a, a, b is a miss, a hit, then a miss that evicts a; b replaced by a rename is dropped
     * (invalidation "created") and its next GET is a miss. One watch: the root.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void theOpenFileCacheIsPublishedAndScraped(String engine) throws Exception {
        if (engine.equals("io_uring")) {
            IoUringAvailability.assumeAvailable();
        }
        Path root = Files.createDirectories(dir.resolve("www"));
        Files.write(root.resolve("a.txt"), new byte[100]);
        Files.write(root.resolve("b.txt"), new byte[200]);
        ServerConfig config = TestServer.config(engine, root, dir, "uring-httpd.open-file-cache.entries=1");
        try (MetricsFile file = MetricsFile.create(4);
                MetricsEndpoint endpoint = MetricsEndpoint.start(new EndpointSettings("127.0.0.1", 0, "/metrics"),
                        new MetricsAggregator(file::snapshots), List::of, "0")) {
            Server server = Server.start(config, file);
            try {
                try (RawHttp.Conn c = RawHttp.open(server.port())) {
                    for (String path : List.of("/a.txt", "/a.txt", "/b.txt")) {
                        assertThat(c.send(RawHttp.get(path)).read().status()).isEqualTo(200);
                    }
                    Files.write(root.resolve("b.new"), new byte[300]);
                    Files.move(root.resolve("b.new"), root.resolve("b.txt"), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                    assertThat(c.send(RawHttp.get("/b.txt")).read().body()).hasSize(300);
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                SlotSnapshot s = file.read(0);
                while ((s == null || s.counters()[OPEN_FILE_CACHE_MISSES] < 3) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    s = file.read(0);
                }
                assertThat(s).as("a published slot").isNotNull();
                long[] c = s.counters();
                assertThat(c[OPEN_FILE_CACHE_MISSES]).as("misses").isEqualTo(3);
                int created = OPEN_FILE_CACHE_INVALIDATIONS_FIRST + FileCacheCounters.INVALIDATION_CAUSES.indexOf("created");
                assertThat(c[created]).as("invalidations by a rename").isEqualTo(1);
                assertThat(c[OPEN_FILE_CACHE_QUEUE_OVERFLOWS]).isZero();
                assertThat(s.gauges()[OPEN_FILE_CACHE_WATCHES]).as("watches").isEqualTo(1);
                assertThat(c[OPEN_FILE_CACHE_HITS]).as("hits").isEqualTo(1);
                assertThat(c[OPEN_FILE_CACHE_EVICTIONS]).as("evictions").isEqualTo(1);
                assertThat(c[OPEN_FILE_CACHE_REVALIDATIONS]).as("revalidations").isZero();
                assertThat(s.gauges()[OPEN_FILE_CACHE_ENTRIES]).as("entries").isEqualTo(1);

                HttpClient http = HttpClient.newHttpClient();
                String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                String labels = "\\{engine=\"" + engine + "\",worker=\"0\"} ";
                String engineLabels = "engine=\"" + engine + "\",worker=\"0\"} ";
                assertThat(scrape).containsPattern("(?m)^uringhttpd_open_file_cache_hits_total" + labels + "1\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_misses_total" + labels + "3\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_invalidations_total\\{cause=\"created\","
                                + engineLabels + "1\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_fallbacks_total\\{engine=\"" + engine
                                + "\",reason=\"no_inotify\",worker=\"0\"} 0\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_queue_overflows_total" + labels + "0\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_watches" + labels + "1\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_evictions_total" + labels + "1\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_revalidations_total" + labels + "0\\.0$")
                        .containsPattern("(?m)^uringhttpd_open_file_cache_entries" + labels + "1\\.0$");
            } finally {
                server.close();
            }
        }
    }

    /**
     * The compression figures reach the slot and the scrape: a 3000-byte CSS file asked for with gzip is
     * sent unencoded (a miss; the pool makes the variant), then encoded from the cache (a hit); its stale
     * sidecar is counted; a PNG without sidecars is probed once and takes no open-file cache entry.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void compressionIsPublishedAndScraped(String engine) throws Exception {
        if (engine.equals("io_uring")) {
            IoUringAvailability.assumeAvailable();
        }
        Path root = Files.createDirectories(dir.resolve("www"));
        byte[] css = CompressionContract.text(3000, 1);
        Files.write(root.resolve("a.css"), css);
        Files.write(root.resolve("a.css.br"), new byte[10]);
        Files.setLastModifiedTime(root.resolve("a.css.br"), java.nio.file.attribute.FileTime.fromMillis(0));
        Files.write(root.resolve("b.png"), new byte[500]);
        ServerConfig config = TestServer.config(engine, root, dir);
        try (MetricsFile file = MetricsFile.create(4);
                MetricsEndpoint endpoint = MetricsEndpoint.start(new EndpointSettings("127.0.0.1", 0, "/metrics"),
                        new MetricsAggregator(file::snapshots), List::of, "0")) {
            Server server = Server.start(config, file);
            try {
                long encodedBytes;
                try (RawHttp.Conn c = RawHttp.open(server.port())) {
                    RawHttp.Response first = c.send(RawHttp.request("GET", "/a.css", "Accept-Encoding: gzip, br")).read();
                    assertThat(first.body()).isEqualTo(css);
                    RawHttp.Response encoded;
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    do {
                        Thread.sleep(20);
                        encoded = c.send(RawHttp.request("GET", "/a.css", "Accept-Encoding: gzip")).read();
                    } while (encoded.header("Content-Encoding") == null && System.nanoTime() < deadline);
                    assertThat(encoded.header("Content-Encoding")).isEqualTo("gzip");
                    encodedBytes = encoded.body().length;
                    for (int i = 0; i < 3; i++) {
                        assertThat(c.send(RawHttp.request("GET", "/b.png", "Accept-Encoding: gzip")).read().status()).isEqualTo(200);
                    }
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                SlotSnapshot s = file.read(0);
                int gzip = VARIANTS_MADE_FIRST + io.uringhttpd.metrics.CompressionCounters.CODINGS.indexOf("gzip");
                while ((s == null || s.counters()[VARIANT_CACHE_HITS] < 1 || s.counters()[OPEN_FILE_CACHE_HITS] < 3)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    s = file.read(0);
                }
                assertThat(s).as("a published slot").isNotNull();
                long[] c = s.counters();
                assertThat(c[gzip]).as("gzip variants made").isEqualTo(1);
                assertThat(c[VARIANT_CACHE_HITS]).as("variant hits").isEqualTo(1);
                assertThat(c[VARIANT_CACHE_MISSES]).as("variant misses: gzip and br once each").isEqualTo(2);
                assertThat(c[COMPRESSION_CPU]).as("compression CPU ns").isPositive();
                assertThat(c[SIDECARS_STALE]).as("the br sidecar older than a.css").isPositive();
                assertThat(c[ENCODED_BODY_BYTES_FIRST + 1]).as("gzip body bytes").isEqualTo(encodedBytes);
                assertThat(c[ENCODED_BODY_BYTES_FIRST]).as("identity body bytes").isGreaterThanOrEqualTo(css.length + 3 * 500L);
                assertThat(s.gauges()[VARIANT_CACHE_MEMORY_BYTES]).as("variant bytes in memory").isPositive();
                // a.css, a.css.br (a real file, stale) and b.png; nothing for the sidecars that do not exist.
                assertThat(s.gauges()[OPEN_FILE_CACHE_ENTRIES]).as("open-file cache entries").isEqualTo(3);

                HttpClient http = HttpClient.newHttpClient();
                String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                String labels = "\\{engine=\"" + engine + "\",worker=\"0\"} ";
                assertThat(scrape).containsPattern("(?m)^uringhttpd_compression_variants_made_total\\{encoding=\"gzip\",engine=\""
                                + engine + "\",worker=\"0\"} 1\\.0$")
                        .containsPattern("(?m)^uringhttpd_encoded_body_bytes_total\\{encoding=\"gzip\",engine=\""
                                + engine + "\",worker=\"0\"} " + encodedBytes + "\\.0$")
                        .containsPattern("(?m)^uringhttpd_compression_cache_hits_total" + labels + "1\\.0$")
                        .containsPattern("(?m)^uringhttpd_compression_cache_bytes\\{engine=\"" + engine
                                + "\",store=\"disk\",worker=\"0\"} 0\\.0$")
                        .containsPattern("(?m)^uringhttpd_compression_cpu_seconds_total" + labels + "[0-9.eE-]+$")
                        .containsPattern("(?m)^uringhttpd_compression_pool_rejections_total" + labels + "0\\.0$")
                        .containsPattern("(?m)^uringhttpd_compression_sidecars_stale_total" + labels + "[1-9][0-9]*\\.0$");
            } finally {
                server.close();
            }
        }
    }

    /**
     * The site rules' responses and the requests by site reach the slot and the scrape: one
     * fallback, two redirects (one with a Host in capitals, a port and a trailing dot), one error
     * page; OPTIONS counts for its site, a request refused before its head was read for none.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void siteRulesArePublished(String engine) throws Exception {
        if (engine.equals("io_uring")) {
            IoUringAvailability.assumeAvailable();
        }
        Path root = Files.createDirectories(dir.resolve("www"));
        Files.writeString(root.resolve("index.html"), "INDEX");
        Files.writeString(root.resolve("404.html"), "GONE");
        ServerConfig config = TestServer.config(engine, root, dir, "uring-httpd.sites = [{ hosts = [s.test], root = \""
                + root + "\", try-files = [\"$uri\", \"/index.html\"], redirects = [{ from = \"/old/**\", to = \"/new/$1\" }] },"
                + " { hosts = [\"*.w.test\"], root = \"" + root + "\" }]",
                "uring-httpd.error-pages = { 404 = \"/404.html\" }");
        try (MetricsFile file = MetricsFile.create(4);
                MetricsEndpoint endpoint = MetricsEndpoint.start(new EndpointSettings("127.0.0.1", 0, "/metrics"),
                        new MetricsAggregator(file::snapshots), List::of, "0")) {
            Server server = Server.start(config, file);
            try {
                try (RawHttp.Conn c = RawHttp.open(server.port())) {
                    for (String request : List.of("GET /app/route HTTP/1.1\r\nHost: s.test\r\n\r\n",
                            "GET /old/a HTTP/1.1\r\nHost: s.test\r\n\r\n", "GET /old/b HTTP/1.1\r\nHost: S.TEST.:80\r\n\r\n",
                            "OPTIONS * HTTP/1.1\r\nHost: s.test\r\n\r\n",
                            "GET /missing HTTP/1.1\r\nHost: other\r\n\r\n",
                            "GET /index.html HTTP/1.1\r\nHost: x.w.test\r\n\r\n")) {
                        assertThat(c.send(request).read().status()).isIn(200, 204, 301, 404);
                    }
                }
                try (RawHttp.Conn c = RawHttp.open(server.port())) {
                    // Refused before its head was read: a site of none.
                    assertThat(c.send("GET /index.html HTTP/1.1\r\nHost: s.test\r\nBad Name: x\r\n\r\n").read().status())
                            .isEqualTo(400);
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                SlotSnapshot s = file.read(0);
                while ((s == null || s.counters()[REQUESTS_4XX] < 2) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    s = file.read(0);
                }
                assertThat(s).isNotNull();
                assertThat(s.counters()[SITE_TRY_FILES_FALLBACKS]).as("fallbacks").isEqualTo(1);
                assertThat(s.counters()[SITE_REDIRECTS]).as("redirects").isEqualTo(2);
                assertThat(s.counters()[SITE_ERROR_PAGES]).as("error pages").isEqualTo(1);
                assertThat(s.siteNames()).containsExactly(DEFAULT_SITE, "s.test", "*.w.test");
                assertThat(s.siteRequests()).as("requests by site").containsExactly(1, 4, 1);

                HttpClient http = HttpClient.newHttpClient();
                String scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                String labels = "\\{engine=\"" + engine + "\",site=\"";
                assertThat(scrape).containsPattern("(?m)^uringhttpd_site_requests_total" + labels + "_default\",worker=\"0\"} 1\\.0$")
                        .containsPattern("(?m)^uringhttpd_site_requests_total" + labels + "s\\.test\",worker=\"0\"} 4\\.0$")
                        .containsPattern("(?m)^uringhttpd_site_requests_total" + labels + "\\*\\.w\\.test\",worker=\"0\"} 1\\.0$")
                        .containsPattern("(?m)^uringhttpd_site_rule_responses_total\\{engine=\"" + engine
                                + "\",rule=\"redirect\",worker=\"0\"} 2\\.0$");
            } finally {
                server.close();
            }
        }
    }
}
