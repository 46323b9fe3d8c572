package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Host value → site: exact names, wildcards (longest first), case, port, trailing dot, literals. */
class SiteSelectorTest {
    private final NativeText mem = new NativeText();
    private final SiteSelector selector = new SiteSelector(List.of(
            List.of("example.com", "www.example.com"),
            List.of("*.example.com"),
            List.of("*.eu.example.com", "other.test")));

    @AfterEach
    void free() {
        mem.close();
    }

    @ParameterizedTest(name = "[{index}] Host: \"{0}\" -> site {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "example.com          | 1",
        "EXAMPLE.com          | 1",
        "example.com:8080     | 1",
        "example.com.         | 1",
        "example.com.:443     | 1",
        "www.example.com      | 1",
        "api.example.com      | 2",
        "a.b.example.com      | 2",
        "fr.eu.example.com    | 3",
        "eu.example.com       | 2",
        "other.test           | 3",
        "xexample.com         | 0",
        ".example.com         | 0",
        "example.com.evil     | 0",
        "''                   | 0",
        "'[::1]:8080'         | 0",
        "127.0.0.1            | 0",
        ":8080                | 0",
        "example.com..        | 0",
    })
    void select(String host, int site) {
        assertThat(selector.select(mem.put(host), host.length())).isEqualTo(site);
    }
}
