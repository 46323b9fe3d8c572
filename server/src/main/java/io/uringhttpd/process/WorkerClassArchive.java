package io.uringhttpd.process;

import io.uringhttpd.config.ServerConfig;
import io.uringhttpd.sys.Privileges;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * <p>The JVM makes and checks the archive itself ({@code -XX:+AutoCreateSharedArchive}, JDK 19+):
 * an archive written by another JDK or for another jar is ignored and written again at the next
 * exit, without a message. Since a JVM runs the code it maps from there, the archive's directory
 * must belong to the workers' user and be writable by nobody else; otherwise workers run without
 * one, and the master says why once.
 */
final class WorkerClassArchive {
    private static final Logger log = LoggerFactory.getLogger(WorkerClassArchive.class);

    /** worker-java-options that choose the JVM's class data themselves: then they stand alone. */
    private static final List<String> OWN_CHOICE = List.of("-XX:SharedArchiveFile", "-XX:AOTCache", "-XX:AOTMode",
            "-Xshare", "-XX:ArchiveClassesAtExit", "-XX:AOTCacheOutput", "-XX:AOTConfiguration",
            "-XX:+AutoCreateSharedArchive");

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private static volatile String lastWarning;

    private WorkerClassArchive() {
    }

    /** The JVM options that give a worker the archive, or none (archive off, or not usable: logged). */
    static List<String> jvmOptions(ServerConfig.Processes processes) {
        Optional<Path> archive = processes.workerClassArchive();
        if (archive.isEmpty() || ownChoice(processes.workerJavaOptions())) {
            return List.of();
        }
        Path file = archive.get();
        Optional<String> problem = privateDirectory(file.getParent(), processes.user());
        if (problem.isPresent()) {
            String warning = "worker-class-archive " + file + ": " + problem.get()
                    + "; workers run without it (about 4 MiB more each). Give a directory of the workers' user"
                    + " that only it can write, or worker-class-archive = off";
            if (!warning.equals(lastWarning)) {
                lastWarning = warning;
                log.warn(warning);
            }
            return List.of();
        }
        // -Xlog:cds=off: writing the archive lists every class it leaves out (picocli's, compiled
        // for Java 5, cannot be archived) as a warning, ~300 lines at each worker's exit, and mapping
        // it reports that the JDK's archive was made without --enable-native-access (which only
        // turns off the archived module graph), three lines at each start. Whether it was mapped
        // shows in /proc/PID/maps.
        return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + file, "-Xlog:cds=off");
    }

    /**
     * The options with which a master maps the workers' archive too (the classes it shares with
     * them, Logback, Typesafe Config, the configuration's, then count once: about -3 MiB PSS): when
     * the archive exists and workers run as the master's own user. A master that is root and
     * switches its workers to another user never maps what that user can write. Only read: a
     * master's JVM never writes the archive (it would hold the master's classes, not a worker's),
     * and one it cannot use (written by another JDK) it ignores without a message.
     */
    static List<String> masterJvmOptions(ServerConfig.Processes processes) {
        Optional<Path> archive = processes.workerClassArchive();
        boolean switchesUser = Privileges.euid() == 0 && !processes.user().isEmpty();
        if (archive.isEmpty() || switchesUser || ownChoice(processes.masterJavaOptions())
                || ownChoice(processes.workerJavaOptions()) || !Files.isRegularFile(archive.get(), LinkOption.NOFOLLOW_LINKS)
                || privateDirectory(archive.get().getParent(), "").isPresent()) {
            return List.of();
        }
        return List.of("-XX:SharedArchiveFile=" + archive.get(), "-Xlog:cds=off");
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
