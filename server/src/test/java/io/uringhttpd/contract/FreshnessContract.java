package io.uringhttpd.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Changes on disk are seen at once with `open-file-cache.valid=0` (revalidate on every request):
 * no stale bytes from the in-memory small-file copy, no stale fd after a rename, no stale ETag.
 * Each test works on its own files, so the order of tests does not matter.
 */
public abstract class FreshnessContract extends ServerContract {

    @Override
    protected String[] settings() {
        return new String[] {"uring-httpd.open-file-cache.valid=0"};
    }

    private RawHttp.Response get(String path) throws IOException {
        return exchange(RawHttp.get(path));
    }

    private Path write(String name, byte[] content, Instant mtime) throws IOException {
        Path p = files.root.resolve(name);
        Files.write(p, content);
        Files.setLastModifiedTime(p, FileTime.from(mtime));
        return p;
    }

    @Test
    void smallFileRewrittenInPlaceIsServedFresh() throws IOException {
        byte[] v1 = Fixtures.randomBytes(2000, 11);
        byte[] v2 = Fixtures.randomBytes(2000, 12); // same size: only mtime and content differ
        write("fresh-small.bin", v1, Fixtures.MTIME);
        RawHttp.Response first = get("/fresh-small.bin");
        assertThat(first.body()).isEqualTo(v1);
        write("fresh-small.bin", v2, Fixtures.MTIME.plusSeconds(60));
        RawHttp.Response second = get("/fresh-small.bin");
        assertThat(second.body()).as("bytes after the rewrite").isEqualTo(v2);
        assertThat(second.header("ETag")).isNotEqualTo(first.header("ETag"));
        assertThat(second.header("Last-Modified")).isEqualTo("Thu, 04 Mar 2021 05:07:07 GMT");
    }

    @Test
    void largeFileReplacedByRenameIsServedFresh() throws IOException {
        byte[] v1 = Fixtures.randomBytes(200_000, 21);
        byte[] v2 = Fixtures.randomBytes(300_000, 22);
        write("fresh-large.bin", v1, Fixtures.MTIME);
        assertThat(get("/fresh-large.bin").body()).isEqualTo(v1);
        Path tmp = write("fresh-large.tmp", v2, Fixtures.MTIME.plusSeconds(120));
        Files.move(tmp, files.root.resolve("fresh-large.bin"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        RawHttp.Response r = get("/fresh-large.bin");
        assertThat(r.header("Content-Length")).isEqualTo("300000");
        assertThat(r.body()).as("bytes after the rename").isEqualTo(v2);
    }

    @Test
    void deletedFileIs404() throws IOException {
        Path p = write("fresh-deleted.txt", "soon gone\n".getBytes(), Fixtures.MTIME);
        assertThat(get("/fresh-deleted.txt").status()).isEqualTo(200);
        Files.delete(p);
        assertThat(get("/fresh-deleted.txt").status()).isEqualTo(404);
    }

    @Test
    void createdFileIsFound() throws IOException {
        assertThat(get("/fresh-created.txt").status()).isEqualTo(404);
        write("fresh-created.txt", "here now\n".getBytes(), Fixtures.MTIME);
        RawHttp.Response r = get("/fresh-created.txt");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("here now\n");
    }

    @Test
    void conditionalAfterChangeIsNotA304() throws IOException {
        write("fresh-etag.bin", Fixtures.randomBytes(5000, 31), Fixtures.MTIME);
        String oldEtag = get("/fresh-etag.bin").header("ETag");
        byte[] v2 = Fixtures.randomBytes(5000, 32);
        write("fresh-etag.bin", v2, Fixtures.MTIME.plusSeconds(5));
        RawHttp.Response r = exchange(RawHttp.request("GET", "/fresh-etag.bin", "If-None-Match: " + oldEtag));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(v2);
    }
}
