package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.uringhttpd.config.ConfigLoader;
import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Privileges;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When workers (and the master) get the shared class-data archive, under which name, and when a directory is refused. */
class WorkerClassArchiveTest {
    private static final List<String> QUIET = List.of("-Xlog:cds*=off", "-Xlog:aot*=off");

    @TempDir
    Path dir;

    private ServerConfig.Processes processes(String lines) throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path conf = dir.resolve("u.conf");
        Files.writeString(conf, "uring-httpd { root = www\n" + lines + "\n}\n");
        return ConfigLoader.load(conf, List.of()).processes();
    }

    private Path thisBuildsFile(String archiveDir) {
        return dir.resolve(archiveDir).resolve(WorkerClassArchive.fileName(System.getProperty("java.class.path")));
    }

    @Test
    void aMissingDirectoryIsMadePrivateAndTheWorkersGetThisBuildsArchive() throws Exception {
        List<String> options = WorkerClassArchive.jvmOptions(processes("worker-class-archive = archive"));
        assertThat(options).containsExactly("-XX:+AutoCreateSharedArchive",
                "-XX:SharedArchiveFile=" + thisBuildsFile("archive"), QUIET.get(0), QUIET.get(1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("archive")))).isEqualTo("rwx------");
        assertThat(Files.getAttribute(dir.resolve("archive"), "unix:uid")).isEqualTo(Privileges.euid());
        // The next worker finds the same directory acceptable.
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = archive"))).isEqualTo(options);
    }

    @Test
    void aNewBuildOfTheJarGetsANewNameAndTheEarlierBuildsArchiveGoes() throws Exception {
        Path jar = Files.writeString(dir.resolve("u.jar"), "a jar");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000));
        String before = WorkerClassArchive.fileName(jar.toString());
        assertThat(before).matches("worker-[0-9a-f]{8}-[0-9a-f]{8}\\.jsa");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(2_000_000));
        String rebuilt = WorkerClassArchive.fileName(jar.toString());
        assertThat(rebuilt).isNotEqualTo(before);
        // The same installation (class path, JDK): only the build part differs.
        assertThat(rebuilt.substring(0, 16)).isEqualTo(before.substring(0, 16));
        assertThat(WorkerClassArchive.fileName(dir.resolve("elsewhere.jar").toString()).substring(0, 16))
                .isNotEqualTo(before.substring(0, 16));

        Path archive = thisBuildsFile("archive");
        String install = archive.getFileName().toString().substring(0, 16);
        WorkerClassArchive.jvmOptions(processes("worker-class-archive = archive"));
        Path earlier = Files.writeString(dir.resolve("archive").resolve(install + "-00000000.jsa"), "an earlier build");
        Path otherInstall = Files.writeString(dir.resolve("archive/worker-00000000-00000000.jsa"), "another install");
        WorkerClassArchive.jvmOptions(processes("worker-class-archive = archive"));
        assertThat(earlier).doesNotExist();
        assertThat(otherInstall).exists();
    }

    @Test
    void aDirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = shared"))).isEmpty();
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = shared"))).isEmpty();
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = shared"))).hasSize(4);
    }

    @Test
    void aLinkOrAFileIsRefused() throws Exception {
        Files.createDirectory(dir.resolve("real"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("real"));
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = link"))).isEmpty();
        Files.writeString(dir.resolve("plain"), "x");
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = plain"))).isEmpty();
    }

    @Test
    void aDirectoryOfAnotherUserIsRefused() throws Exception {
        assumeTrue(Privileges.euid() == 0, "needs root to give a directory away");
        Path theirs = Files.createDirectory(dir.resolve("theirs"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(theirs, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = theirs"))).isEmpty();
    }

    @Test
    void workersOfAnotherUserGetADirectoryOfTheirOwn() throws Exception {
        assumeTrue(Privileges.euid() == 0, "only root switches workers to another user");
        assumeTrue(Privileges.user("nobody").isPresent(), "needs the user nobody");
        assertThat(WorkerClassArchive.jvmOptions(processes("user = nobody\nworker-class-archive = for-nobody")))
                .contains("-XX:SharedArchiveFile=" + thisBuildsFile("for-nobody"));
        assertThat(Files.getAttribute(dir.resolve("for-nobody"), "unix:uid")).isEqualTo(Privileges.user("nobody").get().uid());
    }

    @Test
    void theMasterMapsThisBuildsArchiveWhenItExistsAndItsWorkersRunAsItself() throws Exception {
        ServerConfig.Processes processes = processes("worker-class-archive = archive");
        assertThat(WorkerClassArchive.masterJvmOptions(processes)).isEmpty();   // none written yet
        WorkerClassArchive.jvmOptions(processes);
        Files.writeString(thisBuildsFile("archive"), "written by a worker's JVM at its exit");
        assertThat(WorkerClassArchive.masterJvmOptions(processes))
                .containsExactly("-XX:SharedArchiveFile=" + thisBuildsFile("archive"), QUIET.get(0), QUIET.get(1));
        assertThat(WorkerClassArchive.masterJvmOptions(processes(
                "worker-class-archive = archive\nmaster-java-options = [\"-Xshare:off\"]"))).isEmpty();
        if (Privileges.euid() == 0) {
            assertThat(WorkerClassArchive.masterJvmOptions(processes("worker-class-archive = archive\nuser = nobody"))).isEmpty();
        }
    }

    @Test
    void offOrClassDataChosenInWorkerJavaOptionsMeansNone() throws Exception {
        assertThat(WorkerClassArchive.jvmOptions(processes("worker-class-archive = off"))).isEmpty();
        assertThat(WorkerClassArchive.jvmOptions(processes(
                "worker-class-archive = a\nworker-java-options = [\"-XX:AOTCache=/opt/u.aot\"]"))).isEmpty();
        assertThat(WorkerClassArchive.jvmOptions(processes(
                "worker-class-archive = a\nworker-java-options = [\"-Xshare:off\"]"))).isEmpty();
        assertThat(Files.exists(dir.resolve("a"))).isFalse();
    }
}
