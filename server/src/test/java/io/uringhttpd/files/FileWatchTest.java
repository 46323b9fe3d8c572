package io.uringhttpd.files;

import static io.uringhttpd.files.FileService.FOUND;
import static io.uringhttpd.files.FileService.NOT_FOUND;
import static io.uringhttpd.metrics.FileCacheCounters.CREATED;
import static io.uringhttpd.metrics.FileCacheCounters.NO_INOTIFY;
import static io.uringhttpd.metrics.FileCacheCounters.OVERFLOW;
import static io.uringhttpd.metrics.FileCacheCounters.REMOTE_FS;
import static io.uringhttpd.metrics.FileCacheCounters.REVALIDATED;
import static io.uringhttpd.metrics.FileCacheCounters.WATCH_LIMIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watched open-file cache against the real kernel's inotify, with no event loop: the test
 * drains the events itself ({@link FileService#onFileEvents}), so what an undrained event does
 * (nothing) and what a drained one does are both visible, without sleeps.
 */
class FileWatchTest {
    /** Long enough that no test passes through revalidation unless it asks for it. */
    private static final long VALID_MS = 3_600_000;

    @TempDir
    Path tmp;
    Path root;
    private final List<FileService> services = new ArrayList<>();
    private final FileLookup lookup = new FileLookup();
    private final Syscalls sys = new Syscalls();

    @BeforeEach
    void createRoot() throws IOException {
        root = Files.createDirectory(tmp.resolve("www"));
        Files.writeString(root.resolve("a.txt"), "version 1");
        Files.createDirectories(root.resolve("d1"));
        Files.createDirectories(root.resolve("d2"));
        Files.createDirectories(root.resolve("d3"));
        Files.writeString(root.resolve("d1/x.txt"), "x");
        Files.writeString(root.resolve("d2/y.txt"), "y");
        Files.writeString(root.resolve("d3/z.txt"), "z");
    }

    @AfterEach
    void closeServices() {
        services.forEach(FileService::close);
    }

    private FileService service(int entriesMax, int watchesMax) {
        FileService s = new FileService(new FileSettings(root, List.of("index.html"), false, DotfilesPolicy.DENY,
                SymlinkPolicy.INSIDE_ROOT, entriesMax, VALID_MS, watchesMax, 64, MimeTypes.builtIn()), sys);
        services.add(s);
        assumeTrue(s.fileEventsFd() >= 0, "inotify is not available here");
        return s;
    }

    /** A /proc/sys value (Files.readString trusts the reported size 0 and may return one byte). */
    private static String sysctl(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
    }

    private int open(FileService s, String path, long nowMs) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        return s.open(p, p.length, nowMs, lookup);
    }

    /** The body served for a path now (small files are read into memory), or null when not found. */
    private String body(FileService s, String path, long nowMs) {
        if (open(s, path, nowMs) != FOUND) return null;
        try {
            return new String(lookup.entry.smallBody().toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } finally {
            lookup.entry.release();
        }
    }

    private void renameOver(String name, String content) throws IOException {
        Path tmpFile = root.resolve(name + ".new");
        Files.writeString(tmpFile, content);
        Files.move(tmpFile, root.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aTrustedHitMakesNoSyscallAndARenameIsSeenOnceDrained() throws IOException {
        FileService s = service(100, 100);
        assertThat(body(s, "/a.txt", 0)).isEqualTo("version 1");
        long before = sys.counts.total();
        for (int i = 0; i < 1000; i++) {
            assertThat(body(s, "/a.txt", VALID_MS * 10)).isEqualTo("version 1");
        }
        assertThat(sys.counts.total()).as("syscalls for 1000 hits, hours apart").isEqualTo(before);

        renameOver("a.txt", "version 2");
        assertThat(body(s, "/a.txt", 0)).as("before the events are read").isEqualTo("version 1");
        assertThat(s.onFileEvents()).isPositive();
        assertThat(body(s, "/a.txt", 0)).isEqualTo("version 2");
        assertThat(s.invalidations(CREATED)).isEqualTo(1);
        assertThat(s.revalidations()).isZero();
    }

    @Test
    void aDrainWithNothingQueuedReadsNothing() {
        FileService s = service(100, 100);
        assertThat(body(s, "/a.txt", 0)).isEqualTo("version 1");
        assertThat(s.onFileEvents()).isZero();
        assertThat(s.cachedEntries()).isEqualTo(1);
    }

    @Test
    void watchesFollowTheCache() throws IOException {
        FileService s = service(2, 100);
        assertThat(body(s, "/d1/x.txt", 0)).isEqualTo("x");
        assertThat(body(s, "/d2/y.txt", 0)).isEqualTo("y");
        assertThat(s.watches()).as("/, /d1/, /d2/").isEqualTo(3);
        long removed = sys.counts.inotifyRmWatch;
        assertThat(body(s, "/d3/z.txt", 0)).isEqualTo("z"); // evicts /d1/x.txt, the last entry under /d1/
        assertThat(s.watches()).as("/, /d2/, /d3/").isEqualTo(3);
        assertThat(sys.counts.inotifyRmWatch - removed).isEqualTo(1);
        assertThat(s.onFileEvents()).as("the IN_IGNORED of the removed watch").isEqualTo(1);
        assertThat(s.cachedEntries()).isEqualTo(2);

        Files.writeString(root.resolve("d1/x.txt"), "x2"); // no longer watched, no longer cached
        assertThat(s.onFileEvents()).isZero();
        Files.writeString(root.resolve("d3/z.txt"), "z2");
        assertThat(s.onFileEvents()).isPositive();
        assertThat(body(s, "/d3/z.txt", 0)).isEqualTo("z2");
    }

    @Test
    void aMissInADirectoryThatDoesNotExistYetIsDroppedWhenItIsCreated() throws IOException {
        FileService s = service(100, 100);
        assertThat(open(s, "/new/deeper/f.txt", 0)).isEqualTo(NOT_FOUND);
        assertThat(open(s, "/new/deeper/f.txt", 0)).isEqualTo(NOT_FOUND);
        assertThat(s.misses()).as("the 404 is cached").isEqualTo(1);
        Files.createDirectories(root.resolve("new/deeper"));
        Files.writeString(root.resolve("new/deeper/f.txt"), "found");
        s.onFileEvents();
        assertThat(body(s, "/new/deeper/f.txt", 0)).isEqualTo("found");
    }

    @Test
    void aRenamedParentDirectoryDropsEverythingBelowIt() throws IOException {
        Files.createDirectories(root.resolve("site/css"));
        Files.writeString(root.resolve("site/css/main.css"), "old");
        Path next = Files.createDirectories(tmp.resolve("next/css"));
        Files.writeString(next.resolve("main.css"), "new");
        FileService s = service(100, 100);
        assertThat(body(s, "/site/css/main.css", 0)).isEqualTo("old");
        Files.move(root.resolve("site"), root.resolve("site.old"));
        Files.move(tmp.resolve("next"), root.resolve("site"));
        s.onFileEvents();
        assertThat(body(s, "/site/css/main.css", 0)).isEqualTo("new");
    }

    @Test
    void aRetargetedSymlinkIsSeenAndItsTargetIsRevalidated() throws IOException {
        Files.writeString(root.resolve("d1/v1.txt"), "one");
        Files.writeString(root.resolve("d1/v2.txt"), "two");
        Files.createSymbolicLink(root.resolve("latest.txt"), Path.of("d1/v1.txt"));
        FileService s = service(100, 100);
        assertThat(body(s, "/latest.txt", 0)).isEqualTo("one");
        // ln -sfn: a new link renamed over the old one
        Files.createSymbolicLink(root.resolve("latest.tmp"), Path.of("d1/v2.txt"));
        Files.move(root.resolve("latest.tmp"), root.resolve("latest.txt"), StandardCopyOption.ATOMIC_MOVE);
        s.onFileEvents();
        assertThat(body(s, "/latest.txt", 0)).isEqualTo("two");
        // the target's own directory holds no entry of the cache: a change there is found by statx
        Files.writeString(root.resolve("d1/v2.txt"), "TWO");
        Files.setLastModifiedTime(root.resolve("d1/v2.txt"), FileTime.fromMillis(0));
        s.onFileEvents();
        assertThat(body(s, "/latest.txt", 1)).as("within open-file-cache.valid").isEqualTo("two");
        assertThat(body(s, "/latest.txt", VALID_MS + 1)).isEqualTo("TWO");
        assertThat(s.invalidations(REVALIDATED)).isEqualTo(1);
    }

    @Test
    void pastTheWatchLimitEntriesAreRevalidated() throws IOException {
        FileService s = service(100, 2);
        assertThat(body(s, "/d1/x.txt", 0)).isEqualTo("x"); // watches / and /d1/
        assertThat(body(s, "/d2/y.txt", 0)).isEqualTo("y"); // /d2/: the limit
        assertThat(s.watches()).isEqualTo(2);
        assertThat(s.fallbacks(WATCH_LIMIT)).isEqualTo(1);
        Files.writeString(root.resolve("d2/y.txt"), "y2");
        Files.writeString(root.resolve("d1/x.txt"), "x2");
        s.onFileEvents();
        assertThat(body(s, "/d1/x.txt", 1)).as("watched").isEqualTo("x2");
        assertThat(body(s, "/d2/y.txt", 1)).as("unwatched, within valid").isEqualTo("y");
        assertThat(body(s, "/d2/y.txt", VALID_MS + 1)).as("unwatched, revalidated").isEqualTo("y2");
    }

    @Test
    void aQueueOverflowEmptiesTheCache() throws IOException {
        int queued = Integer.parseInt(sysctl(Path.of("/proc/sys/fs/inotify/max_queued_events")));
        assumeTrue(queued <= 1 << 20, "max_queued_events too large to overflow in a test: " + queued);
        FileService s = service(100, 100);
        assertThat(body(s, "/a.txt", 0)).isEqualTo("version 1");
        assertThat(body(s, "/d3/z.txt", 0)).isEqualTo("z");
        Path x = Files.writeString(root.resolve("x.tmp"), "x"); // in a watched directory (the root)
        Path y = Files.writeString(root.resolve("y.tmp"), "y");
        // Alternating names: identical consecutive events would be merged into one.
        for (int i = 0; i <= queued; i++) {
            Files.setLastModifiedTime((i & 1) == 0 ? x : y, FileTime.fromMillis(i * 1000L));
        }
        Files.writeString(root.resolve("d3/z.txt"), "z2"); // lost in the overflow
        int events = s.onFileEvents();
        assertThat(s.queueOverflows()).as("overflows after %d events", events).isEqualTo(1);
        assertThat(s.invalidations(OVERFLOW)).isEqualTo(2);
        assertThat(s.cachedEntries()).isZero();
        assertThat(body(s, "/d3/z.txt", 0)).isEqualTo("z2");
    }

    @Test
    void aRootOnFuseIsRevalidated() throws Exception {
        Path source = Files.createDirectory(tmp.resolve("fuse-source"));
        Files.writeString(source.resolve("page.html"), "before");
        Path mount = Files.createDirectory(tmp.resolve("fuse-root"));
        try (var fuse = FuseMount.bind(source, mount)) {
            FileService s = new FileService(new FileSettings(mount, List.of("index.html"), false, DotfilesPolicy.DENY,
                    SymlinkPolicy.INSIDE_ROOT, 100, VALID_MS, 100, 64, MimeTypes.builtIn()), sys);
            try {
                assertThat(s.fileEventsFd()).as("no watches on a FUSE root").isEqualTo(-1);
                assertThat(s.fallbacks(REMOTE_FS)).isEqualTo(1);
                assertThat(body(s, "/page.html", 0)).isEqualTo("before");
                Files.writeString(source.resolve("page.html"), "after!"); // behind the mount's back
                assertThat(body(s, "/page.html", VALID_MS)).isEqualTo("after!");
            } finally {
                s.close();
            }
        }
    }

    @Test
    void aDirectoryOnFuseBelowALocalRootIsRevalidated() throws Exception {
        Path source = Files.createDirectory(tmp.resolve("fuse-source"));
        Files.writeString(source.resolve("page.html"), "before");
        Path mount = Files.createDirectory(root.resolve("shared"));
        try (var fuse = FuseMount.bind(source, mount)) {
            FileService s = service(100, 100);
            try {
                assertThat(body(s, "/shared/page.html", 0)).isEqualTo("before");
                assertThat(body(s, "/a.txt", 0)).isEqualTo("version 1");
                assertThat(s.fallbacks(REMOTE_FS)).isEqualTo(1);
                assertThat(s.watches()).as("the root only").isEqualTo(1);
                Files.writeString(source.resolve("page.html"), "after!");
                s.onFileEvents();
                assertThat(body(s, "/shared/page.html", 1)).as("within valid").isEqualTo("before");
                assertThat(body(s, "/shared/page.html", VALID_MS + 1)).isEqualTo("after!");
            } finally {
                s.close();
            }
        }
    }

    /** A bindfs (FUSE) mount, unmounted on close; the tests are skipped where FUSE cannot be mounted. */
    private record FuseMount(Path mount) implements AutoCloseable {
        static FuseMount bind(Path source, Path mount) throws Exception {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/bindfs")), "bindfs is not installed (Debian package bindfs)");
            // No attribute caching in the kernel's FUSE client, so a statx sees a change at once (as an
            // NFS client would after its attribute cache timeout, nfs(5) acregmin).
            Process p = new ProcessBuilder("bindfs", "-o", "attr_timeout=0,entry_timeout=0", source.toString(),
                    mount.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assumeTrue(p.waitFor() == 0, "FUSE cannot be mounted here: " + output);
            return new FuseMount(mount);
        }

        @Override
        public void close() throws Exception {
            new ProcessBuilder("fusermount", "-u", mount.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void withoutInotifyEveryEntryIsRevalidated() throws IOException {
        Path instances = Path.of("/proc/sys/fs/inotify/max_user_instances");
        assumeTrue(Files.isWritable(instances), "needs root to lower fs.inotify.max_user_instances");
        String saved = sysctl(instances);
        FileService s;
        Files.writeString(instances, "0");
        try {
            s = new FileService(new FileSettings(root, List.of("index.html"), false, DotfilesPolicy.DENY,
                    SymlinkPolicy.INSIDE_ROOT, 100, VALID_MS, 100, 64, MimeTypes.builtIn()), sys);
        } finally {
            Files.writeString(instances, saved);
        }
        services.add(s);
        assertThat(s.fileEventsFd()).isEqualTo(-1);
        assertThat(s.fallbacks(NO_INOTIFY)).isEqualTo(1);
        assertThat(body(s, "/a.txt", 0)).isEqualTo("version 1");
        renameOver("a.txt", "version 2");
        assertThat(body(s, "/a.txt", 1)).isEqualTo("version 1");
        assertThat(body(s, "/a.txt", VALID_MS)).isEqualTo("version 2");
    }
}
