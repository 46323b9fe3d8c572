package io.uringhttpd.process;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Privileges;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The class-data archive the workers share (uring-httpd.worker-class-archive): a dynamic CDS
 * archive of the classes a worker loads beyond the JDK's own archive (the server, Typesafe Config,
 * Logback, the foreign-function glue), written by a worker's JVM when it exits and mapped by the
 * next workers at the same address, so its pages are the same page-cache pages in every worker
 * instead of each worker's own metaspace: about -4 MiB PSS per worker (docs/architecture.md,
 * "Class data").
 *
 * <p>The JVM writes the archive when the file is missing ({@code -XX:+AutoCreateSharedArchive},
 * JDK 19+) and checks it when mapping it, but it does not write again an archive made for an
 * earlier build of the jar (JDK 25: "shared class paths mismatch", and the file stays as it was).
 * So the file is named after the class path, the JDK and each jar's size and modification time
 * (what the JVM checks): a new build or JDK gets a new name, which its first workers write as
 * they exit; the master removes the files of earlier builds of the same installation. Since a
 * JVM runs the code it maps from there, the directory must belong to the workers' user and be
 * writable by nobody else; otherwise workers run without an archive, and the master says why once.
 */
final class WorkerClassArchive {
    private static final Logger log = LoggerFactory.getLogger(WorkerClassArchive.class);

    /** worker-java-options that choose the JVM's class data themselves: then they stand alone. */
    private static final List<String> OWN_CHOICE = List.of("-XX:SharedArchiveFile", "-XX:AOTCache", "-XX:AOTMode",
            "-Xshare", "-XX:ArchiveClassesAtExit", "-XX:AOTCacheOutput", "-XX:AOTConfiguration",
            "-XX:+AutoCreateSharedArchive");

    /**
     * Writing the archive lists every class it leaves out (picocli's, compiled for Java 5, cannot be
     * archived) as a warning, ~300 lines at each worker's exit; mapping it reports that the JDK's
     * archive was made without --enable-native-access (which only turns off the archived module
     * graph), and an archive the JVM cannot use is one more warning: all on stdout, which stays
     * free for command output. Whether an archive was mapped shows in /proc/PID/maps.
     */
    private static final List<String> QUIET = List.of("-Xlog:cds*=off", "-Xlog:aot*=off");

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private static volatile String lastWarning;

    private WorkerClassArchive() {
    }

    /** The JVM options that give a worker the archive, or none (archive off, or not usable: logged). */
    static List<String> jvmOptions(ServerConfig.Processes processes) {
        Optional<Path> dir = processes.workerClassArchiveDir();
        if (dir.isEmpty() || ownChoice(processes.workerJavaOptions())) {
            return List.of();
        }
        Optional<String> problem = privateDirectory(dir.get(), processes.user());
        if (problem.isPresent()) {
            String warning = "worker-class-archive " + dir.get() + ": " + problem.get()
                    + "; workers run without a class archive (about 4 MiB more each). Give a directory of the"
                    + " workers' user that only it can write, or worker-class-archive = off";
            if (!warning.equals(lastWarning)) {
                lastWarning = warning;
                log.warn(warning);
            }
            return List.of();
        }
        String name = fileName(System.getProperty("java.class.path"));
        removeEarlierBuilds(dir.get(), name);
        return options(List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + dir.get().resolve(name)));
    }

    /**
     * The options with which a master maps the workers' archive too (the classes it shares with
     * them, Logback, Typesafe Config, the configuration's, then count once: about -2 MiB PSS): when
     * this build's archive exists and workers run as the master's own user. A master that is root
     * and switches its workers to another user never maps what that user can write. Only read: a
     * master's JVM never writes the archive (it would hold the master's classes, not a worker's).
     */
    static List<String> masterJvmOptions(ServerConfig.Processes processes) {
        Optional<Path> dir = processes.workerClassArchiveDir();
        boolean switchesUser = Privileges.euid() == 0 && !processes.user().isEmpty();
        if (dir.isEmpty() || switchesUser || ownChoice(processes.masterJavaOptions())
                || ownChoice(processes.workerJavaOptions())) {
            return List.of();
        }
        Path file = dir.get().resolve(fileName(System.getProperty("java.class.path")));
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || privateDirectory(dir.get(), "").isPresent()) {
            return List.of();
        }
        return options(List.of("-XX:SharedArchiveFile=" + file));
    }

    private static List<String> options(List<String> archive) {
        return Stream.concat(archive.stream(), QUIET.stream()).toList();
    }

    /**
     * worker-INSTALL-BUILD.jsa: INSTALL names the class path and the JDK's home (another
     * installation on the machine has files of its own), BUILD the JDK's version and each class
     * path file's size and modification time.
     */
    static String fileName(String classPath) {
        String install = classPath + "\0" + System.getProperty("java.home");
        StringBuilder build = new StringBuilder(System.getProperty("java.vm.version"));
        for (String entry : classPath.split(File.pathSeparator)) {
            try {
                BasicFileAttributes a = Files.readAttributes(Path.of(entry), BasicFileAttributes.class);
                build.append('\0').append(a.size()).append('\0').append(a.lastModifiedTime().toMillis());
            } catch (IOException | RuntimeException e) {
                build.append("\0?");
            }
        }
        return "worker-" + hex(install.hashCode()) + "-" + hex(build.toString().hashCode()) + ".jsa";
    }

    private static String hex(int hash) {
        return String.format("%08x", hash);
    }

    /** Removes the archives of earlier builds of this installation: nothing will map them again. */
    private static void removeEarlierBuilds(Path dir, String current) {
        String prefix = current.substring(0, current.lastIndexOf('-') + 1);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*.jsa")) {
            for (Path f : files) {
                if (!f.getFileName().toString().equals(current)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            log.debug("cannot remove earlier class archives in {}: {}", dir, e.toString());
        }
    }

    static boolean ownChoice(List<String> workerJavaOptions) {
        for (String option : workerJavaOptions) {
            for (String own : OWN_CHOICE) {
                if (option.startsWith(own)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Makes {@code dir} if missing (mode 0700, handed to {@code user} when this process is root and
     * workers switch to it) and checks it is a directory, not a link, owned by the workers' user and
     * writable by no one else. Empty when it is; else what is wrong.
     */
    private static Optional<String> privateDirectory(Path dir, String user) {
        int uid = Privileges.euid();
        int gid = -1;
        if (uid == 0 && !user.isEmpty()) {
            Optional<Privileges.Account> account = Privileges.user(user);
            if (account.isEmpty()) {
                return Optional.of("no user " + user);
            }
            uid = account.get().uid();
            gid = account.get().gid();
        }
        try {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                if (gid >= 0) {
                    Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
                }
            } catch (FileAlreadyExistsException e) {
                // checked below, like one made here
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(dir + " is not a directory");
            }
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != uid) {
                return Optional.of(dir + " belongs to uid " + owner + ", workers run as uid " + uid);
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
                return Optional.of(dir + " is writable by others (" + PosixFilePermissions.toString(mode) + ")");
            }
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("cannot make or read " + dir + ": " + e);
        }
    }
}
