package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nothing outside the root is ever served. The fixture root sits four levels below decoy
 * files holding {@link Fixtures#SECRET}, and the real /etc/passwd holds "root:".
 */
public abstract class TraversalContract extends ServerContract {
    /** Refusals a server may give to an escaping target; 200 never. */
    static final Set<Integer> REFUSED = Set.of(400, 403, 404);

    /** Where the shared payload lists live, relative to an ancestor of the working directory. */
    static final String PAYLOAD_DIR = "shared/testdata/traversal";

    private static void assertNothingLeaked(String target, RawHttp.Response r) {
        assertThat(r.status()).as("status for %s:\n%s", target, r).isIn(REFUSED);
        assertThat(r.bodyText()).as("body for %s", target).doesNotContain("root:").doesNotContain(Fixtures.SECRET);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/../etc/passwd",
        "/../../../../../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/.%2e/.%2e/.%2e/.%2e/.%2e/etc/passwd",
        "/..%2f..%2f..%2f..%2f..%2fetc/passwd",
        "/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
        "/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afetc/passwd",
        "/%e0%80%ae%e0%80%ae/etc/passwd",
        "/%252e%252e/%252e%252e/%252e%252e/%252e%252e/etc/passwd",
        "/%25%32%65%25%32%65/etc/passwd",
        "/..\\..\\..\\..\\..\\etc\\passwd",
        "/%5c..%5c..%5c..%5c..%5c..%5cetc/passwd",
        "/..%5c..%5c..%5c..%5c..%5cetc%5cpasswd",
        "/dir/../../../../../etc/passwd",
        "/dir/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/./.././../../../../etc/passwd",
        "/..;/..;/..;/..;/etc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "/..%00/etc/passwd",
        "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
        "/....//....//....//etc/passwd",
        "/..%c0%af..%c0%af..%c0%afetc/passwd",
        "/..%u2216..%u2216etc/passwd",
    })
    void traversalNeverLeavesTheRoot(String target) throws IOException {
        assertNothingLeaked(target, exchange(RawHttp.get(target)));
    }

    @Test
    void traversalInAbsoluteFormNeverLeavesTheRoot() throws IOException {
        String request = "GET http://127.0.0.1/../../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        assertNothingLeaked("absolute-form", exchange(request));
    }

    @Test
    void dotSegmentsInsideTheRootAreResolved() throws IOException {
        for (String target : List.of("/dir/../index.html", "/dir/./file.txt", "/noindex/sub/../../dir/file.txt")) {
            RawHttp.Response r = exchange(RawHttp.get(target));
            assertThat(r.status()).as("GET %s", target).isEqualTo(200);
        }
        assertThat(exchange(RawHttp.get("/dir/../index.html")).body()).isEqualTo(files.bytes("/index.html"));
    }

    @Test
    void symlinkInsideTheRootIsServed() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/link-inside.bin"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
        RawHttp.Response viaDir = exchange(RawHttp.get("/link-dir/file.txt"));
        assertThat(viaDir.status()).isEqualTo(200);
        assertThat(viaDir.body()).isEqualTo(files.bytes("/dir/file.txt"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/link-outside.txt", "/link-outside-relative.txt", "/link-outdir/etc/passwd",
        "/link-outdir/", "/link-outdir", "/link-dir/../link-outside.txt"})
    void symlinkLeavingTheRootIsRefused(String target) throws IOException {
        RawHttp.Response r = exchange(RawHttp.get(target));
        assertThat(r.status()).as("GET %s:\n%s", target, r).isIn(403, 404);
        assertThat(r.bodyText()).doesNotContain(Fixtures.SECRET).doesNotContain("root:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/.hidden", "/.git/config", "/.git/", "/noindex/.secret", "/%2ehidden", "/dir/../.hidden",
        "/.%68idden"})
    void dotfilesAre404(String target) throws IOException {
        RawHttp.Response r = exchange(RawHttp.get(target));
        assertErrorPage(r, 404);
        assertThat(r.bodyText()).doesNotContain(Fixtures.SECRET);
    }

    @Test
    void headOfEscapingTargetLeaksNoSize() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("HEAD", "/link-outside.txt", "Connection: close")).readHead();
            assertThat(r.status()).isIn(403, 404);
            String secretSize = String.valueOf(Files.size(files.outsideSecret));
            assertThat(r.header("Content-Length")).isNotEqualTo(secretSize);
        }
    }

    // ---- the shared payload lists ----

    /**
     * A payload may legitimately resolve inside the root ("/.?/etc/passwd" is "/." plus a query:
     * the root index). So: refused, redirected, or 200 with the exact bytes of a file of the root;
     * and never the decoys' or /etc/passwd's content.
     */
    private boolean isContained(RawHttp.Response r) {
        String text = r.bodyText();
        if (text.contains("root:") || text.contains(Fixtures.SECRET)) {
            return false;
        }
        if (REFUSED.contains(r.status()) || r.status() == 301) {
            return true;
        }
        return r.status() == 200 && files.content.values().stream().anyMatch(b -> java.util.Arrays.equals(b, r.body()));
    }

    static Path payloadDir() {
        String configured = System.getProperty("uringhttpd.traversal.dir");
        if (configured != null) {
            return Files.isDirectory(Path.of(configured)) ? Path.of(configured) : null;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve(PAYLOAD_DIR);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** The payload files, or one placeholder that makes the test skip (visibly) when the folder is missing. */
    static Stream<String> payloadFiles() throws IOException {
        Path dir = payloadDir();
        if (dir == null) {
            return Stream.of(MISSING);
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
            return names.isEmpty() ? Stream.of(MISSING) : names.stream();
        }
    }

    private static final String MISSING = "(no " + PAYLOAD_DIR + ")";

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloadFiles")
    void payloadListsNeverLeaveTheRoot(String fileName) throws IOException {
        assumeTrue(!fileName.equals(MISSING), "no " + PAYLOAD_DIR + " above " + Path.of("").toAbsolutePath()
                + " (or set -Duringhttpd.traversal.dir)");
        sendPayloads(payloadDir().resolve(fileName));
    }

    private void sendPayloads(Path file) throws IOException {
        PayloadLists.send(file, this::connect, this::isContained);
    }
}
