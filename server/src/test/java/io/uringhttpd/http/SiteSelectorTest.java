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
        assertThat(new SiteSelector.Memo(selector).select(mem.put(host), host.length())).as("memo").isEqualTo(site);
    }

    /**
     * A loop's memo answers what the selector would, host after host: values of one length that
     * differ in the first word, the middle, or only in the last byte (the overlapping tail word),
     * by case or port, shorter than a word, and longer than the memo keeps.
     */
    @org.junit.jupiter.api.Test
    void theMemoAnswersWhatTheSelectorWould() {
        List<String> hosts = List.of("example.com", "example.com", "EXAMPLE.com", "example.com", "example.con",
                "exbmple.com", "example.com:80", "example.com:81", "example.com:81", "api.example.com",
                "apx.example.com", "fr.eu.example.com", "fr.eu.example.cox", "a.test", "other.test", "other.tesu",
                "x".repeat(60) + ".example.com", "y".repeat(60) + ".example.com", "eu.example.com", "eu.example.com.",
                "", "other.test", "127.0.0.1:18081", "127.0.0.1:18081", "www.example.com", "www.example.com");
        SiteSelector.Memo memo = new SiteSelector.Memo(selector);
        for (int round = 0; round < 3; round++) {
            for (String host : hosts) {
                long address = mem.put(host);
                assertThat(memo.select(address, host.length())).as(host).isEqualTo(selector.select(address, host.length()));
            }
        }
        SiteSelector.Memo none = new SiteSelector.Memo(new SiteSelector(List.of()));
        assertThat(none.select(mem.put("example.com"), 11)).isZero();
    }
}
