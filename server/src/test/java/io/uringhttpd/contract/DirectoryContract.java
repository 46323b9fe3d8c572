package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Directories with autoindex off (the default): redirect, index file, 403. */
public abstract class DirectoryContract extends ServerContract {

    /** Location may be absolute (http://host:port/dir/) or a path: compare the path-and-query. */
    static String locationTarget(String location) {
        assertThat(location).as("Location").isNotNull();
        return location.replaceFirst("^https?://[^/]+", "");
    }

    @ParameterizedTest
    @CsvSource({
        "/dir,             /dir/",
        "/dir?a=b,         /dir/?a=b",
        "/dir?a=b&c=%20d,  /dir/?a=b&c=%20d",
        "/noindex,         /noindex/",
        "/noindex/sub,     /noindex/sub/",
        "/link-dir,        /link-dir/",
    })
    void directoryWithoutSlashIs301ToSlash(String target, String expected) throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.get(target)).read();
            assertThat(r.status()).as("response to %s:\n%s", target, r).isEqualTo(301);
            assertThat(locationTarget(r.header("Location"))).isEqualTo(expected);
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(r.body().length));
            assertStillOpen(c);
        }
    }

    @Test
    void restAssuredSeesTheRedirect() {
        io.restassured.response.Response r = http().get("/dir?a=b");
        assertThat(r.statusCode()).isEqualTo(301);
        assertThat(locationTarget(r.header("Location"))).isEqualTo("/dir/?a=b");
        io.restassured.response.Response followed = io.restassured.RestAssured.given()
                .baseUri("http://127.0.0.1").port(port()).get("/dir");
        assertThat(followed.statusCode()).isEqualTo(200);
        assertThat(followed.asByteArray()).isEqualTo(files.bytes("/dir/index.html"));
    }

    @Test
    void redirectKeepsAnEncodedName() throws IOException {
        // The Location path must stay a valid, equivalent URI: an escape in the request stays escaped.
        RawHttp.Response r = exchange(RawHttp.get("/%64ir"));
        assertThat(r.status()).isEqualTo(301);
        assertThat(locationTarget(r.header("Location"))).isIn("/dir/", "/%64ir/");
    }

    @Test
    void directoryWithSlashServesItsIndex() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/dir/"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(StaticFilesContract.mediaType(r.header("Content-Type"))).isEqualTo("text/html;charset=utf-8");
        assertThat(r.body()).isEqualTo(files.bytes("/dir/index.html"));
    }

    @Test
    void rootServesItsIndex() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
    }

    @Test
    void indexWithQueryIsServed() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/dir/?x=1"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/dir/index.html"));
    }

    @Test
    void headOfDirectoryIndex() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.request("HEAD", "/dir/")).readHead();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(files.bytes("/dir/index.html").length));
            assertStillOpen(c);
        }
    }

    @Test
    void directoryWithoutIndexIs403() throws IOException {
        try (RawHttp.Conn c = connect()) {
            RawHttp.Response r = c.send(RawHttp.get("/noindex/")).read();
            assertErrorPage(r, 403);
            assertThat(r.bodyText()).doesNotContain("a.txt");
            assertStillOpen(c);
        }
    }

    @Test
    void fileWithTrailingSlashIsNotFound() throws IOException {
        // /1k.bin/ names a directory that does not exist (ENOTDIR): never the file.
        RawHttp.Response r = exchange(RawHttp.get("/1k.bin/"));
        assertThat(r.status()).isEqualTo(404);
    }

    @Test
    void fileInsideDirectoryIsServed() throws IOException {
        RawHttp.Response r = exchange(RawHttp.get("/noindex/a.txt"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/noindex/a.txt"));
    }
}
