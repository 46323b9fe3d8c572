package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sites chosen by host, and try-files. The default site is the fixture root; "app" (hosts app.test and
 * *.app.test) is a single-page app with clean URLs ("$uri", "$uri.html", "$uri/", "/index.html");
 * "docs" (docs.test) tries "$uri", "$uri.html" and answers 404 otherwise ("=404").
 */
public abstract class SitesContract extends ServerContract {
    private Path sites;

    @Override
    protected String[] settings() {
        try {
            sites = Files.createTempDirectory("uring-httpd-sites");
            Path app = Files.createDirectories(sites.resolve("app"));
            Files.writeString(app.resolve("index.html"), "APP INDEX");
            Files.writeString(app.resolve("about.html"), "APP ABOUT");
            Files.writeString(app.resolve("app.js"), "APP JS");
            Files.createDirectories(app.resolve("guide"));
            Files.writeString(app.resolve("guide/index.html"), "APP GUIDE");
            Files.createDirectories(app.resolve("evil.example"));
            Files.writeString(app.resolve(".env"), "SECRET=1");
            Files.createDirectories(app.resolve("assets/legacy"));
            Files.writeString(app.resolve("assets/app.3f2a.js"), "HASHED");
            Files.writeString(app.resolve("assets/legacy/old.js"), "LEGACY");
            Files.createDirectories(app.resolve("fonts"));
            Files.writeString(app.resolve("fonts/inter.woff2"), "FONT");
            Path docs = Files.createDirectories(sites.resolve("docs"));
            Files.writeString(docs.resolve("index.html"), "DOCS INDEX");
            Files.writeString(docs.resolve("intro.html"), "DOCS INTRO");
            Files.writeString(docs.resolve("404.html"), "DOCS NOT FOUND");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String[] {"uring-httpd.sites = [{ hosts = [app.test, \"*.app.test\"], root = \"" + sites.resolve("app")
                + "\", error-pages { 403 = \"/missing-403.html\" }, try-files = [\"$uri\", \"$uri.html\", \"$uri/\", \"/index.html\"], headers = ["
                + "{ match = \"/assets/**\", set { Cache-Control = \"public, max-age=31536000, immutable\" } },"
                + "{ match = \"**/*.html\", expires = 0 },"
                + "{ match = [\"/fonts/*.woff2\", \"/fonts/*.woff\"], set { Access-Control-Allow-Origin = \"*\" } },"
                + "{ match = \"**\", set { X-Content-Type-Options = nosniff }, remove = [Server], status = [2xx, 3xx, 4xx] },"
                + "{ match = \"/assets/legacy/**\", set { Cache-Control = no-store }, remove = [ETag, Last-Modified] }] },"
                + " { hosts = [docs.test], root = \"" + sites.resolve("docs") + "\", try-files = [\"$uri\", \"$uri.html\", \"$uri/\", \"=404\"],"
                + " redirects = [{ from = \"/old/**\", to = \"/new/$1\", status = 308 }, { from = \"/about-us\", to = \"/intro\" },"
                + " { from = \"/ext/**\", to = \"https://example.org/$1\", status = 302 }, { from = \"/q\", to = \"/intro?from=q\" }],"
                + " error-pages { 404 = \"/404.html\", 500 = \"/none.html\" } }]"};
    }

    @AfterAll
    void deleteSites() throws IOException {
        if (sites != null) {
            try (Stream<Path> paths = Files.walk(sites)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private RawHttp.Response get(String host, String target) throws IOException {
        return exchange("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    }

    /** Host header value | target | the body expected (the site is told by its files). */
    @ParameterizedTest(name = "[{index}] Host: {0} GET {1}")
    @CsvSource(delimiter = '|', value = {
        "app.test          | /             | APP INDEX",
        "APP.Test:8080     | /             | APP INDEX",
        "app.test.         | /about        | APP ABOUT",
        "www.app.test      | /app.js       | APP JS",
        "a.b.app.test      | /app.js       | APP JS",
        "docs.test         | /             | DOCS INDEX",
        "docs.test:1       | /intro        | DOCS INTRO",
    })
    void theHostPicksTheSite(String host, String target, String body) throws IOException {
        RawHttp.Response r = get(host, target);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo(body);
    }

    @Test
    void otherHostsGetTheDefaultSite() throws IOException {
        for (String host : List.of("127.0.0.1", "app.test.evil", "xapp.test", "app.test..", "[::1]:8080", "")) {
            RawHttp.Response r = get(host, "/index.html");
            assertThat(r.status()).as("Host: %s", host).isEqualTo(200);
            assertThat(r.body()).as("Host: %s", host).isEqualTo(files.bytes("/index.html"));
        }
        RawHttp.Response http10 = exchange("GET /index.html HTTP/1.0\r\n\r\n");
        assertThat(http10.body()).isEqualTo(files.bytes("/index.html"));
    }

    @Test
    void anAbsoluteFormTargetPicksTheSiteOverTheHostHeader() throws IOException {
        RawHttp.Response r = exchange("GET http://docs.test/intro HTTP/1.1\r\nHost: app.test\r\n\r\n");
        assertThat(r.bodyText()).isEqualTo("DOCS INTRO");
    }

    @Test
    void singlePageAppRoutesGetItsIndex() throws IOException {
        for (String route : List.of("/settings/profile", "/users/42", "/missing.js", "/deep/a/b/c")) {
            RawHttp.Response r = get("app.test", route);
            assertThat(r.status()).as(route).isEqualTo(200);
            assertThat(r.bodyText()).as(route).isEqualTo("APP INDEX");
            assertThat(r.header("Content-Type")).startsWith("text/html");
        }
        // A HEAD and a conditional request apply to the file the rule picked.
        RawHttp.Response first = get("app.test", "/settings");
        RawHttp.Response again = exchange("GET /settings HTTP/1.1\r\nHost: app.test\r\nIf-None-Match: "
                + first.header("ETag") + "\r\n\r\n");
        assertThat(again.status()).isEqualTo(304);
    }

    @Test
    void cleanUrlsAndDirectories() throws IOException {
        assertThat(get("app.test", "/about").bodyText()).isEqualTo("APP ABOUT");
        assertThat(get("app.test", "/about.html").bodyText()).isEqualTo("APP ABOUT");
        RawHttp.Response dir = get("app.test", "/guide");
        assertThat(dir.status()).isEqualTo(301);
        assertThat(dir.header("Location")).isEqualTo("/guide/");
        assertThat(get("app.test", "/guide/").bodyText()).isEqualTo("APP GUIDE");
    }

    @Test
    void aFinalStatusAnswersWhatNothingElseDid() throws IOException {
        assertThat(get("docs.test", "/intro").bodyText()).isEqualTo("DOCS INTRO");
        for (String target : List.of("/nothing", "/intro/")) {
            RawHttp.Response r = get("docs.test", target);
            assertThat(r.status()).as(target).isEqualTo(404);
            assertThat(r.bodyText()).as("its error page").isEqualTo("DOCS NOT FOUND");
        }
    }

    @Test
    void aDirectoryRedirectNeverLeavesTheSite() throws IOException {
        for (String target : List.of("//evil.example", "/./evil.example", "/x/../evil.example", "/%2Fevil.example")) {
            RawHttp.Response r = get("app.test", target);
            if (r.status() == 301) {
                assertThat(r.header("Location")).as(target).isEqualTo("/evil.example/");
            } else {
                assertThat(r.status()).as("%s -> %s", target, r).isIn(200, 400, 404);
            }
            assertThat(r.headerList()).noneMatch(h -> h[1].contains("\r") || h[1].contains("\n"));
        }
    }

    @Test
    void hostileTargetsStayInsideTheSite() throws IOException {
        for (String target : List.of("/../../etc/passwd", "/..%2f..%2f..%2fetc/passwd", "/.env", "/.env.html",
                "/%2e%2e/%2e%2e/etc/passwd", "/..\\..\\etc\\passwd", "/app.js%00.html", "/about%2F..%2F..%2Fsecret")) {
            RawHttp.Response r = get("app.test", target);
            String body = new String(r.body(), StandardCharsets.ISO_8859_1);
            assertThat(body).as(target).doesNotContain("SECRET").doesNotContain("root:").doesNotContain(Fixtures.SECRET);
            if (r.status() == 200) {
                assertThat(body).as(target).isIn("APP INDEX", "APP ABOUT", "APP JS");
            }
        }
    }
    @Test
    void headerRulesByPath() throws IOException {
        RawHttp.Response hashed = get("app.test", "/assets/app.3f2a.js");
        assertThat(hashed.headers("Cache-Control")).containsExactly("public, max-age=31536000, immutable");
        assertThat(hashed.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(hashed.header("Server")).as("removed").isNull();
        assertThat(hashed.header("Access-Control-Allow-Origin")).isNull();
        assertThat(hashed.header("ETag")).isNotNull();

        RawHttp.Response legacy = get("app.test", "/assets/legacy/old.js");
        assertThat(legacy.headers("Cache-Control")).as("the later rule wins").containsExactly("no-store");
        assertThat(legacy.header("ETag")).isNull();
        assertThat(legacy.header("Last-Modified")).isNull();
        assertThat(legacy.header("Accept-Ranges")).isEqualTo("bytes");

        assertThat(get("app.test", "/about.html").headers("Cache-Control")).containsExactly("max-age=0");
        assertThat(get("app.test", "/about").header("Cache-Control")).as("the path asked for decides, not the file").isNull();
        assertThat(get("app.test", "/fonts/inter.woff2").header("Access-Control-Allow-Origin")).isEqualTo("*");

        // A 304 carries the rules' fields; a 404 gets the rules that name 4xx only.
        RawHttp.Response notModified = exchange("GET /assets/app.3f2a.js HTTP/1.1\r\nHost: app.test\r\nIf-None-Match: "
                + hashed.header("ETag") + "\r\n\r\n");
        assertThat(notModified.status()).isEqualTo(304);
        assertThat(notModified.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
        RawHttp.Response missing = get("app.test", "/assets/missing.js");
        assertThat(missing.status()).as("try-files ends with /index.html").isEqualTo(200);
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response head = c.send("HEAD /assets/app.3f2a.js HTTP/1.1\r\nHost: app.test\r\n\r\n").readHead();
            assertThat(head.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
        }

        // Another site, and the default one, have none of these.
        assertThat(get("docs.test", "/intro").header("X-Content-Type-Options")).isNull();
        assertThat(get("docs.test", "/intro").header("Server")).isNotNull();
        assertThat(get("127.0.0.1", "/index.html").header("X-Content-Type-Options")).isNull();
        RawHttp.Response docs404 = get("docs.test", "/nothing");
        assertThat(docs404.header("X-Content-Type-Options")).isNull();
    }

    @Test
    void headerRulesApplyToErrorsWhenTheyNameTheirClass() throws IOException {
        RawHttp.Response options = exchange("OPTIONS /about HTTP/1.1\r\nHost: app.test\r\n\r\n");
        assertThat(options.status()).isEqualTo(204);
        RawHttp.Response dir = get("app.test", "/guide");
        assertThat(dir.status()).isEqualTo(301);
        assertThat(dir.header("X-Content-Type-Options")).isEqualTo("nosniff");
        RawHttp.Response forbidden = exchange("GET /about HTTP/1.1\r\nHost: app.test\r\nRange: bytes=999-\r\n\r\n");
        assertThat(forbidden.status()).isEqualTo(416);
        assertThat(forbidden.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(forbidden.header("Server")).isNull();
    }
    @Test
    void redirects() throws IOException {
        RawHttp.Response moved = get("docs.test", "/old/a/b.html?x=1&y=2");
        assertThat(moved.status()).isEqualTo(308);
        assertThat(moved.header("Location")).isEqualTo("/new/a/b.html?x=1&y=2");
        assertThat(get("docs.test", "/old/").header("Location")).isEqualTo("/new/");
        assertThat(get("docs.test", "/old").status()).as("not below /old/").isEqualTo(404);
        RawHttp.Response exact = get("docs.test", "/about-us");
        assertThat(exact.status()).isEqualTo(301);
        assertThat(exact.header("Location")).isEqualTo("/intro");
        assertThat(get("docs.test", "/about-us/x").status()).isEqualTo(404);
        RawHttp.Response ext = get("docs.test", "/ext/a%20b");
        assertThat(ext.status()).isEqualTo(302);
        assertThat(ext.header("Location")).isEqualTo("https://example.org/a%20b");
        assertThat(get("docs.test", "/q?ignored=1").header("Location")).as("a target with its own query").isEqualTo("/intro?from=q");
        assertThat(get("app.test", "/old/x").status()).as("another site's redirects do not apply").isEqualTo(200);
    }

    @Test
    void aRedirectLocationCannotBeSteered() throws IOException {
        for (String target : List.of("/old/%0d%0aSet-Cookie:%20x=1", "/old/%5C%5Cevil.example", "/old/%2F%2Fevil.example",
                "/old//evil.example", "/old/..%2F..%2F%2F%2Fevil.example", "/old/%E2%80%A8x")) {
            RawHttp.Response r = get("docs.test", target);
            if (r.status() == 400) {
                continue;
            }
            assertThat(r.status()).as(target).isEqualTo(308);
            String location = r.header("Location");
            assertThat(location).as(target).startsWith("/new/").doesNotContain("\\").doesNotContain("\r").doesNotContain("\n")
                    .doesNotStartWith("//");
            assertThat(r.header("Set-Cookie")).isNull();
        }
    }

    @Test
    void errorPagesAnswerWithTheErrorStatus() throws IOException {
        RawHttp.Response missing = get("docs.test", "/nothing");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.bodyText()).isEqualTo("DOCS NOT FOUND");
        assertThat(missing.header("Content-Type")).startsWith("text/html");
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response head = c.send("HEAD /nothing HTTP/1.1\r\nHost: docs.test\r\n\r\n").readHead();
            assertThat(head.status()).isEqualTo(404);
            assertThat(head.header("Content-Length")).isEqualTo("14");
            assertStillOpen(c);
        }
        // The app's 403 page does not exist: the built-in page.
        RawHttp.Response forbidden = get("app.test", "/evil.example/");
        assertErrorPage(forbidden, 403);
        // The default site has no error pages.
        assertErrorPage(get("127.0.0.1", "/no-such-file"), 404);
    }
}
