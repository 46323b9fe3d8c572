package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Only the sys package uses restricted FFM methods or builds a segment over raw addresses:
 * everything else goes through {@link NativeMemory}, whose {@code ALL} is the one such segment.
 */
class NativeAccessConfinementTest {
    /** Restricted methods of java.lang.foreign (reinterpret, Linker, SymbolLookup.libraryLookup, ofAddress(...).reinterpret). */
    private static final Pattern RESTRICTED = Pattern.compile(
            "\\.reinterpret\\(|\\bLinker\\b|SymbolLookup|libraryLookup|@SuppressWarnings\\(\"restricted\"\\)");

    @Test
    void noFileOutsideSysUsesRestrictedMethods() throws IOException {
        Path main = Path.of("src/main/java");
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(main)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = main.relativize(f).toString();
                if (rel.startsWith("io/uringhttpd/sys/")) {
                    continue;
                }
                String text = Files.readString(f);
                if (RESTRICTED.matcher(text).find()) {
                    offenders.add(rel);
                }
            }
        }
        assertThat(offenders).as("files outside sys using restricted FFM methods").isEmpty();
    }
}
