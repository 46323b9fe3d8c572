package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import io.uringhttpd.testing.TestServer;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of every contract suite: one real server per test class, started in this JVM
 * on an ephemeral port of 127.0.0.1, serving a fresh {@link Fixtures} root.
 * A second engine runs the same suites by subclassing each contract with its own {@link #engine()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServerContract {
    protected Fixtures files;
    protected TestServer server;

    /** The engine name as the config spells it: "epoll", later "io_uring". */
    protected abstract String engine();

    /** Extra `--set` overrides for this suite's server. */
    protected String[] settings() {
        return new String[0];
    }

    /**
     * Called before the server starts; an engine that may be missing (io_uring blocked by
     * seccomp, an old kernel) overrides it with an assumption so its suites skip, not fail.
     */
    protected void assumeEngineAvailable() {}

    @BeforeAll
    void startServer() throws Exception {
        assumeEngineAvailable();
        files = Fixtures.create();
        server = TestServer.start(engine(), files.root, settings());
    }

    @AfterAll
    void stopServer() throws IOException {
        Fixtures.stop(server, files);
    }

    /** Whatever a test sent, the event loop must still accept and serve a new connection. */
    @AfterEach
    void serverStillServes() throws IOException {
        RawHttp.Response r = RawHttp.exchange(port(), RawHttp.get("/index.html"));
        assertThat(r.status()).as("a fresh connection after the test").isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/index.html"));
    }

    protected int port() {
        return server.port();
    }

    /** RestAssured against this server; no redirects followed, targets sent as written. */
    protected RequestSpecification http() {
        return RestAssured.given()
                .baseUri("http://127.0.0.1")
                .port(port())
                .urlEncodingEnabled(false)
                .redirects().follow(false);
    }

    protected RawHttp.Conn connect() throws IOException {
        return RawHttp.open(port());
    }

    protected RawHttp.Response exchange(String request) throws IOException {
        return RawHttp.exchange(port(), request);
    }

    /** An error response as http.ErrorPages makes it: small HTML body whose length Content-Length states exactly. */
    protected static void assertErrorPage(RawHttp.Response r, int status) {
        assertThat(r.status()).as("status of\n%s", r).isEqualTo(status);
        assertThat(r.header("Content-Type")).as("Content-Type of\n%s", r).isNotNull().startsWith("text/html");
        assertThat(r.header("Content-Length")).as("Content-Length of\n%s", r).isEqualTo(String.valueOf(r.body().length));
        assertThat(r.body().length).as("error body size of\n%s", r).isBetween(1, 1024);
        assertThat(r.bodyText()).as("error body of\n%s", r).contains(String.valueOf(status));
    }

    /**
     * Sends a request the server must refuse: one error page with the status,
     * `Connection: close`, then EOF with nothing after the announced body.
     */
    protected RawHttp.Response assertRejectedAndClosed(String request, int status) throws IOException {
        return assertRejectedAndClosed(RawHttp.latin1(request), status);
    }

    protected RawHttp.Response assertRejectedAndClosed(byte[] request, int status) throws IOException {
        try (RawHttp.Conn c = connect()) {
            c.send(request);
            RawHttp.Response r = c.read();
            assertErrorPage(r, status);
            assertThat(r.hasToken("Connection", "close")).as("Connection: close in\n%s", r).isTrue();
            assertClosed(c);
            return r;
        }
    }

    /** The server closes the connection soon, sending nothing more. */
    protected static void assertClosed(RawHttp.Conn c) throws IOException {
        assertThat(c.closedWithin(java.time.Duration.ofSeconds(3))).as("server closed the connection").isTrue();
        assertThat(c.unexpectedBytes()).as("bytes after the last response").isZero();
    }

    /** The connection is still usable: another request on it gets 200 with the exact bytes. */
    protected void assertStillOpen(RawHttp.Conn c) throws IOException {
        RawHttp.Response r = c.send(RawHttp.get("/1k.bin")).read();
        assertThat(r.status()).as("a follow-up request on the same connection:\n%s", r).isEqualTo(200);
        assertThat(r.body()).isEqualTo(files.bytes("/1k.bin"));
    }
}
