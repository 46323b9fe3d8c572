package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Privileges;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When workers get the shared class-data archive, and when a directory is refused for it. */
class WorkerClassArchiveTest {
    @TempDir
    Path dir;

    private ServerConfig.Processes processes(String lines) throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("u.conf");
        Files.writeString(conf, "uring-httpd { root = www\n" + lines + "\n}\n");
        return ConfigLoader.load(conf, List.of()).processes();
    }

    @Test
    void aMissingDirectoryIsMadePrivateAndTheWorkersGetTheArchive() throws Exception {
        Path file = dir.resolve("archive/w.jsa");
        List<String> options = WorkerClassArchive.jvmOptions(processes("worker-class-archive = archive/w.jsa"));
        assertThat(options).containsExactly("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + file,
                "-Xlog:cds=off");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(Files.getAttribute(file.getParent(), "unix:uid")).isEqualTo(Privileges.euid());
        // The next worker finds the same directory acceptable.
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = archive/w.jsa"))).isEqualTo(options);
    }

    @Test
    void aDirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = shared/w.jsa"))).isEmpty();
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = shared/w.jsa"))).isEmpty();
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = shared/w.jsa"))).hasSize(3);
    }

    @Test
    void aLinkOrAFileIsRefused() throws Exception {
        Files.createDirectory(dir.resolve("real"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("real"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = link/w.jsa"))).isEmpty();
        Files.writeString(dir.resolve("plain"), "x");
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = plain/w.jsa"))).isEmpty();
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        assumeTrue(Privileges.euid() == 0, "needs root to give a directory away");
        Path theirs = Files.createDirectory(dir.resolve("theirs"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(theirs, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = theirs/w.jsa"))).isEmpty();
    }

    @Test
    void workersOfAnotherUserGetADirectoryOfTheirOwn() throws Exception {
        assumeTrue(Privileges.euid() == 0, "only root switches workers to another user");
        assumeTrue(Privileges.user("nobody").isPresent(), "needs the user nobody");
        Path file = dir.resolve("for-nobody/w.jsa");
        assertThat(WorkerClassArchive.jvmOptions(processes("user = nobody\nworker-class-archive = for-nobody/w.jsa")))
                .contains("-XX:SharedArchiveFile=" + file);
        assertThat(Files.getAttribute(file.getParent(), "unix:uid")).isEqualTo(Privileges.user("nobody").get().uid());
    }

    @Test
    void theMasterMapsAnArchiveThatExistsWhenItsWorkersRunAsItself() throws Exception {
        Path file = dir.resolve("archive/w.jsa");
        ServerConfig.Processes processes = processes("worker-class-archive = archive/w.jsa");
        assertThat(WorkerClassArchive.masterJvmOptions(processes)).isEmpty();   // none written yet
        WorkerClassArchive.jvmOptions(processes);
        Files.writeString(file, "written by a worker's JVM at its exit");
        assertThat(WorkerClassArchive.masterJvmOptions(processes))
                .containsExactly("-XX:SharedArchiveFile=" + file, "-Xlog:cds=off");
        assertThat(WorkerClassArchive.masterJvmOptions(processes(
                "worker-class-archive = archive/w.jsa\nmaster-java-options = [\"-Xshare:off\"]"))).isEmpty();
        if (Privileges.euid() == 0) {
            assertThat(WorkerClassArchive.masterJvmOptions(processes(
                    "worker-class-archive = archive/w.jsa\nuser = nobody"))).isEmpty();
        }
    }

    @Test
    void offOrClassDataChosenInWorkerJavaOptionsMeansNone() throws Exception {
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = off"))).isEmpty();
        assertThat(WorkerClassArchive.jvmOptions(processes(
                "worker-class-archive = a/w.jsa\nworker-java-options = [\"-XX:AOTCache=/opt/u.aot\"]"))).isEmpty();
        assertThat(WorkerClassArchive.jvmOptions(processes(
                "worker-class-archive = a/w.jsa\nworker-java-options = [\"-Xshare:off\"]"))).isEmpty();
        assertThat(Files.exists(dir.resolve("a"))).isFalse();
    }
}
