package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Sends the shared traversal payload lists (see {@link TraversalContract#payloadDir}) to a server. */
final class PayloadLists {
    interface Connector {
        RawHttp.Conn connect() throws IOException;
    }

    private PayloadLists() {
    }

    /**
     * Every line of the file as a request target over raw sockets (many are not valid URIs).
     * {FILE} becomes etc/passwd; a target not starting with '/' gets one. Keep-alive connections
     * are reused; closed with RST so 20 000+ refusals leave no TIME_WAIT behind. Every response
     * must satisfy {@code contained}.
     */
    static void send(Path file, Connector connector, Predicate<RawHttp.Response> contained) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        List<String> failures = new ArrayList<>();
        int sent = 0;
        RawHttp.Conn c = null;
        try {
            for (String line : lines) {
                if (line.isBlank()) {
                    continue;
                }
                String target = line.strip().replace("{FILE}", "etc/passwd");
                if (!target.startsWith("/")) {
                    target = "/" + target;
                }
                RawHttp.Response r = null;
                for (int attempt = 0; attempt < 2 && r == null; attempt++) {
                    try {
                        if (c == null) {
                            c = connector.connect();
                        }
                        r = c.send(RawHttp.get(target)).read();
                    } catch (IOException e) {
                        // A reused keep-alive connection may have been closed meanwhile: retry once on a new one.
                        if (c != null) {
                            c.closeWithReset();
                            c = null;
                        }
                        if (attempt == 1) {
                            failures.add(target + " -> " + e);
                        }
                    }
                }
                sent++;
                if (r == null) {
                    continue;
                }
                if (!contained.test(r)) {
                    failures.add(target + " -> " + r.statusLine() + " " + r.body().length + " bytes");
                }
                if (r.hasToken("Connection", "close")) {
                    c.closeWithReset();
                    c = null;
                }
            }
        } finally {
            if (c != null) {
                c.closeWithReset();
            }
        }
        assertThat(sent).isPositive();
        assertThat(failures.size())
                .as("%d of %d payloads from %s failed; the first ones:%n%s", failures.size(), sent, file.getFileName(),
                        String.join("\n", failures.subList(0, Math.min(30, failures.size()))))
                .isZero();
    }
}
