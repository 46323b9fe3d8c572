package io.uringhttpd.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared traversal corpus thrown at FileService directly, raw and percent-decoded once and twice, but
 * NOT normalized: this is the layer below the http decoder, so it must hold on its own. Whatever is FOUND
 * must lie inside the root. The root sits a few levels deep with decoy etc/passwd and win.ini files above it.
 */
class TraversalTest {
    private static final Path CORPUS = Path.of("/work/shared/testdata/traversal");

    @TempDir Path tmp;

    @Test
    void corpusNeverEscapesTheRoot() throws IOException {
        assumeTrue(Files.isDirectory(CORPUS), "traversal corpus not present: " + CORPUS);
        Path root = Files.createDirectories(tmp.resolve("a/b/c/www"));
        Files.writeString(root.resolve("index.html"), "inside");
        for (Path level = root.getParent(); level.startsWith(tmp); level = level.getParent()) {
            Files.createDirectories(level.resolve("etc"));
            Files.writeString(level.resolve("etc/passwd"), "decoy");
            Files.createDirectories(level.resolve("WINDOWS"));
            Files.writeString(level.resolve("WINDOWS/win.ini"), "decoy");
        }
        Path realRoot = root.toRealPath();
        List<Path> files;
        try (Stream<Path> s = Files.list(CORPUS)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        int checked = 0;
        for (SymlinkPolicy symlinks : SymlinkPolicy.values()) {
            try (FileService service = new FileService(new FileSettings(root, List.of("index.html"), false,
                    DotfilesPolicy.ALLOW, symlinks, 1000, 60_000, 10_000, 0, MimeTypes.builtIn()))) {
                FileLookup lookup = new FileLookup();
                for (Path file : files) {
                    for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                        String payload = line.replace("{FILE}", "etc/passwd");
                        byte[] raw = payload.getBytes(StandardCharsets.ISO_8859_1);
                        byte[] once = percentDecode(raw);
                        for (byte[] candidate : new byte[][] {raw, once, percentDecode(once)}) {
                            // always one more '/' in front: "/../x" and "//etc/passwd" both get tried
                            byte[] path = prefixSlash(candidate);
                            int status = service.open(path, path.length, 0, lookup);
                            if (status == FileService.FOUND) {
                                Path target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + lookup.entry.fd()));
                                assertThat(target).as(payload + " under " + symlinks).startsWith(realRoot);
                                lookup.entry.release();
                            }
                            checked++;
                        }
                    }
                }
            }
        }
        assertThat(checked).isGreaterThan(60_000);
    }

    private static byte[] prefixSlash(byte[] b) {
        byte[] out = new byte[b.length + 1];
        out[0] = '/';
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    /** Lenient decoder: valid %XX become bytes (NUL included), anything else is kept as is. */
    private static byte[] percentDecode(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
                out.write(hex(in[i + 1]) << 4 | hex(in[i + 2]));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }
}
