package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The traversal payload lists against a site with try-files and a single-page-app fallback
 * ("$uri", "$uri.html", "$uri/", "/index.html") and redirects: every payload that gets past the
 * parser now answers 200 with the site's index (or a file of the root), a redirect inside the site,
 * or a refusal, never a byte from outside the root. The site is the fixture root, for Host 127.0.0.1.
 */
public abstract class SiteTraversalContract extends ServerContract {
    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.sites = [{ hosts = [\"127.0.0.1\"], root = \"" + files.root + "\","
                + " try-files = [\"$uri\", \"$uri.html\", \"$uri/\", \"/index.html\"],"
                + " redirects = [{ from = \"/dir/**\", to = \"/noindex/$1\", status = 302 }],"
                + " error-pages { 404 = \"/1k.bin\" } }]"};
    }

    private boolean isContained(RawHttp.Response r) {
        String text = r.bodyText();
        if (text.contains("root:") || text.contains(Fixtures.SECRET)) {
            return false;
        }
        String location = r.header("Location");
        if (location != null && (!location.startsWith("/") || location.startsWith("//") || location.contains("\\"))) {
            return false;
        }
        if (TraversalContract.REFUSED.contains(r.status()) || r.status() == 301 || r.status() == 302) {
            return true;
        }
        return r.status() == 200 && files.content.values().stream().anyMatch(b -> java.util.Arrays.equals(b, r.body()));
    }

    static java.util.stream.Stream<String> payloadFiles() throws IOException {
        return TraversalContract.payloadFiles();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloadFiles")
    void payloadListsNeverLeaveTheRoot(String fileName) throws IOException {
        Path dir = TraversalContract.payloadDir();
        assumeTrue(dir != null, "no " + TraversalContract.PAYLOAD_DIR + " above " + Path.of("").toAbsolutePath()
                + " (or set -Duringhttpd.traversal.dir)");
        PayloadLists.send(dir.resolve(fileName), this::connect, this::isContained);
    }

    @Test
    void theFallbackAnswersWhatTheRootDoesNotHold() throws IOException {
        for (String target : List.of("/../../etc/passwd", "/link-outside.txt", "/.hidden", "/no/such/route")) {
            RawHttp.Response r = exchange(RawHttp.get(target));
            assertThat(isContained(r)).as("%s -> %s", target, r).isTrue();
        }
        RawHttp.Response route = exchange(RawHttp.get("/no/such/route"));
        assertThat(route.status()).isEqualTo(200);
        assertThat(route.body()).isEqualTo(files.bytes("/index.html"));
    }
}
