package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The top-level {@code ./uring-httpd} bash launcher: how it finds a JDK 25 and when it builds.
 * Every run sets {@code URING_HTTPD_NO_BUILD=1} or uses a copy of the launcher with a fake
 * {@code mvnw}, so no test ever starts Maven.
 */
class LauncherIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** What the launcher calls besides bash built-ins (find_jdk, feature_of, needs_build). */
    private static final List<String> TOOLS = List.of("readlink", "dirname", "sed", "head", "find", "sort");

    @TempDir
    Path dir;

    private Path bash;
    private String version;
    /** Links out of the temp folder, removed before JUnit deletes it (it warns about each one). */
    private final List<Path> links = new ArrayList<>();

    @BeforeEach
    void bash() throws IOException {
        Optional<Path> found = which("bash");
        assumeTrue(found.isPresent(), "bash is not installed: the launcher is a bash script");
        bash = found.get();
        version = "uring-httpd " + Child.jarVersion();
    }

    @AfterEach
    void removeLinks() throws IOException {
        for (Path link : links) {
            Files.deleteIfExists(link);
        }
    }

    private Path link(Path link, Path target) throws IOException {
        links.add(Files.createSymbolicLink(link, target));
        return link;
    }

    private static Optional<Path> which(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/bin", "/bin"));
        return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).findFirst();
    }

    private Child.Result launch(String name, Path launcher, Path cwd, Consumer<Map<String, String>> env, String... args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(bash.toString(), launcher.toString()));
        command.addAll(List.of(args));
        return Child.run(command, cwd, dir, name, env, TIMEOUT);
    }

    /** The real JDK 25 in JAVA_HOME; the repository's jar, never rebuilt. */
    private static Consumer<Map<String, String>> realJdk() {
        return env -> {
            env.put("JAVA_HOME", Child.javaHome().toString());
            env.put("URING_HTTPD_NO_BUILD", "1");
        };
    }

    @Test
    void versionFromTheRepositoryRoot() throws Exception {
        Child.Result r = launch("root", Path.of("./uring-httpd"), Child.repoDir(), realJdk(), "--version");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout().strip()).isEqualTo(version);
    }

    @Test
    void versionFromAnotherFolderAndThroughASymlink() throws Exception {
        Path launcher = Child.repoDir().resolve("uring-httpd");
        Child.Result r = launch("elsewhere", launcher, dir, realJdk(), "--version");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout().strip()).isEqualTo(version);

        // A link in e.g. /usr/local/bin must still find the repository (readlink -f of BASH_SOURCE).
        Path link = link(Files.createDirectory(dir.resolve("bin")).resolve("uring-httpd"), launcher);
        Child.Result viaLink = launch("symlink", link, dir, realJdk(), "--version");
        assertThat(viaLink.exit()).as("%s", viaLink).isZero();
        assertThat(viaLink.stdout().strip()).isEqualTo(version);
    }

    // ---- finding a JDK ----

    /** A JDK folder whose bin/java answers -version like OpenJDK 17 (on stderr, as java does). */
    private Path fakeJdk17(Path jvmDir) throws IOException {
        Path home = jvmDir.resolve("java-17-openjdk-amd64");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        script(java, """
                #!/bin/sh
                echo 'openjdk version "17.0.15" 2025-04-15' >&2
                echo 'OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)' >&2
                echo 'OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)' >&2
                exit 0
                """);
        return home;
    }

    private static void script(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * A PATH of links to the few tools the launcher needs, plus {@code java} when given: no JDK 25
     * can be found on it, whatever this machine has in /usr/bin.
     */
    private String toolPath(Path java) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("path-bin"));
        for (String tool : TOOLS) {
            Optional<Path> real = which(tool);
            assumeTrue(real.isPresent(), tool + " is not installed");
            // Wrappers, not links: JUnit warns about every link out of a @TempDir it deletes.
            script(bin.resolve(tool), "#!/bin/sh\nexec '" + real.get() + "' \"$@\"\n");
        }
        if (java != null) {
            script(bin.resolve("java"), "#!/bin/sh\nexec '" + java + "' \"$@\"\n");
        }
        return bin.toString();
    }

    @Test
    void onlyAJdk17AroundIsAClearErrorNamingJdk25() throws Exception {
        Path jvmDir = Files.createDirectory(dir.resolve("jvm"));
        Path jdk17 = fakeJdk17(jvmDir);
        String path = toolPath(jdk17.resolve("bin/java"));
        Path launcher = Child.repoDir().resolve("uring-httpd");

        // JAVA_HOME at the JDK 17.
        Child.Result r = launch("jdk17-home", launcher, dir, env -> {
            env.put("JAVA_HOME", jdk17.toString());
            env.put("URING_HTTPD_JVM_DIR", jvmDir.toString());
            env.put("PATH", path);
            env.put("URING_HTTPD_NO_BUILD", "1");
        }, "--version");
        assertThat(r.exit()).as("%s", r).isNotZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).as("%s", r).contains("JAVA_HOME=" + jdk17 + " is JDK 17").contains("needs a JDK 25");

        // JAVA_HOME unset: the JVM folder and PATH only hold the JDK 17.
        Child.Result unset = launch("jdk17-no-home", launcher, dir, env -> {
            env.remove("JAVA_HOME");
            env.put("URING_HTTPD_JVM_DIR", jvmDir.toString());
            env.put("PATH", path);
            env.put("URING_HTTPD_NO_BUILD", "1");
        }, "--version");
        assertThat(unset.exit()).as("%s", unset).isNotZero();
        assertThat(unset.stdout()).isEmpty();
        assertThat(unset.stderr()).as("%s", unset).contains("needs a JDK 25").contains("install");
    }

    @Test
    void picksTheJdk25FromTheJvmFolderOverAJdk17() throws Exception {
        Path jvmDir = Files.createDirectory(dir.resolve("jvm"));
        fakeJdk17(jvmDir);
        link(jvmDir.resolve("temurin-25-jdk-amd64"), Child.javaHome());
        String path = toolPath(null);

        Child.Result r = launch("jvm-dir", Child.repoDir().resolve("uring-httpd"), dir, env -> {
            env.remove("JAVA_HOME");
            env.put("URING_HTTPD_JVM_DIR", jvmDir.toString());
            env.put("PATH", path);
            env.put("URING_HTTPD_NO_BUILD", "1");
        }, "--version");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout().strip()).isEqualTo(version);
    }

    // ---- building ----

    /**
     * A copy of the repository's launcher beside a copy of the jar, a source newer than the jar
     * and a fake mvnw that only records that it ran: the real repository is never touched.
     */
    private Path staleCopy(boolean withJar) throws IOException {
        Path repo = Files.createDirectory(dir.resolve("repo"));
        Path launcher = Files.copy(Child.repoDir().resolve("uring-httpd"), repo.resolve("uring-httpd"));
        script(repo.resolve("mvnw"), """
                #!/bin/sh
                echo "$@" > "$(dirname "$0")/mvnw-ran"
                exit 1
                """);
        Path target = Files.createDirectories(repo.resolve("server/target"));
        if (withJar) {
            Files.copy(Child.jar(), target.resolve("uring-httpd.jar"));
        }
        Path newer = Files.createDirectories(repo.resolve("server/src/main/java")).resolve("Newer.java");
        Files.writeString(newer, "class Newer {}\n");
        Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
        // Everything an hour old, the jar a little younger, one source file newer than the jar.
        Instant jarTime = Instant.now().minus(Duration.ofHours(1));
        try (Stream<Path> files = Files.walk(repo)) {
            for (Path p : files.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(jarTime.minus(Duration.ofMinutes(1))));
            }
        }
        if (withJar) {
            Files.setLastModifiedTime(target.resolve("uring-httpd.jar"), FileTime.from(jarTime));
        }
        Files.setLastModifiedTime(newer, FileTime.from(Instant.now()));
        return launcher;
    }

    @Test
    void noBuildRunsAStaleJarWithoutMaven() throws Exception {
        Path launcher = staleCopy(true);
        Path marker = launcher.resolveSibling("mvnw-ran");

        Child.Result r = launch("no-build", launcher, dir, realJdk(), "--version");
        assertThat(r.exit()).as("%s", r).isZero();
        assertThat(r.stdout().strip()).isEqualTo(version);
        assertThat(r.stderr()).contains("older than the sources");
        assertThat(marker).as("mvnw must not run with URING_HTTPD_NO_BUILD=1").doesNotExist();

        // The control: the same stale copy without the variable does call (the fake) Maven.
        Child.Result build = launch("build", launcher, dir, env -> {
            env.put("JAVA_HOME", Child.javaHome().toString());
            env.remove("URING_HTTPD_NO_BUILD");
        }, "--version");
        assertThat(marker).as("the stale jar triggers a build; %s", build).exists();
        assertThat(Files.readString(marker)).contains("package");
        assertThat(build.exit()).as("%s", build).isNotZero();
        assertThat(build.stderr()).contains("build failed");
    }

    @Test
    void noBuildWithoutAJarIsAClearError() throws Exception {
        Path launcher = staleCopy(false);
        Child.Result r = launch("no-build-no-jar", launcher, dir, realJdk(), "--version");
        assertThat(r.exit()).as("%s", r).isNotZero();
        assertThat(r.stderr()).contains("uring-httpd.jar is missing and URING_HTTPD_NO_BUILD=1");
        assertThat(launcher.resolveSibling("mvnw-ran")).doesNotExist();
    }
}
