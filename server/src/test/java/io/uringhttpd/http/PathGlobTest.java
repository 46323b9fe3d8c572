package io.uringhttpd.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Glob semantics of site rules: *, ** and literal dots over normalized paths. */
class PathGlobTest {
    @ParameterizedTest(name = "[{index}] {0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', value = {
        "/assets/**      | /assets/app.3f2a.js       | true",
        "/assets/**      | /assets/                  | true",
        "/assets/**      | /assets/a/b/c.css         | true",
        "/assets/**      | /assets                   | false",
        "/assets/**      | /assetsx/a.js             | false",
        "**/*.html       | /index.html               | true",
        "**/*.html       | /a/b/c.html               | true",
        "**/*.html       | /a/b/c.htm                | false",
        "**/*.html       | /a/b.html/c               | false",
        "/*.js           | /app.js                   | true",
        "/*.js           | /js/app.js                | false",
        "/*.js           | /appxjs                   | false",
        "/a.b            | /a.b                      | true",
        "/a.b            | /axb                      | false",
        "/about          | /about                    | true",
        "/about          | /about/                   | false",
        "/fonts/*.woff2  | /fonts/inter.woff2        | true",
        "/fonts/*.woff2  | /fonts/sub/inter.woff2    | false",
        "/**/x/**/y      | /a/x/b/c/y                | true",
        "/**/x/**/y      | /x/y                      | false",
        "/**/x/**/y      | //x//y                    | true",
        "/*/*/*          | /a/b/c                    | true",
        "/*/*/*          | /a/b                      | false",
        "**              | /anything/at/all          | true",
        "/caf*           | /café                     | true",
    })
    void matches(String pattern, String path, boolean expected) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        assertThat(PathGlob.compile(pattern).matches(p, p.length)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"assets/**", "/a***b", "'*.html'"})
    void refused(String pattern) {
        assertThatThrownBy(() -> PathGlob.compile(pattern)).isInstanceOf(IllegalArgumentException.class);
    }

    @org.junit.jupiter.api.Test
    void aLongPathAgainstManyWildcardsIsLinear() {
        PathGlob g = PathGlob.compile("/**a**a**a**a**a**a**a**b");
        byte[] p = ("/" + "a".repeat(8000)).getBytes(StandardCharsets.US_ASCII);
        assertThat(g.matches(p, p.length)).isFalse();
    }
}
