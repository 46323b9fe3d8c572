package io.uringhttpd.process;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code docker} command line, as a user types it: each call runs {@code docker ARGS} to its
 * end within a timeout and returns its exit status and output (stdout and stderr together).
 */
final class DockerCli {
    private DockerCli() {
    }

    record Result(int exit, String output) {
        Result orFail(String what) {
            if (exit != 0) {
                fail("%s: docker exited %d: %s", what, exit, output);
            }
            return this;
        }
    }

    static Result docker(Duration timeout, List<String> args) throws IOException, InterruptedException {
        return run(timeout, null, prepend("docker", args));
    }

    static Result docker(Duration timeout, String... args) throws IOException, InterruptedException {
        return docker(timeout, List.of(args));
    }

    static Result run(Duration timeout, Path cwd, List<String> command) throws IOException, InterruptedException {
        return run(timeout, cwd, command, Map.of());
    }

    /** {@code command} in {@code cwd} (null: the current folder) with {@code env} added, output captured in a file. */
    static Result run(Duration timeout, Path cwd, List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("docker-cli", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().putAll(env);
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                fail("%s did not end within %s: %s", command, timeout, Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * Why no Docker engine can be used here, or null when {@code docker info} answers. The CI
     * script installs Debian's docker.io and starts dockerd; a developer's machine may have neither.
     */
    static String unavailableBecause() throws InterruptedException {
        try {
            Result info = docker(Duration.ofSeconds(30), "info", "--format", "{{.ServerVersion}}");
            return info.exit() == 0 ? null
                    : "no Docker daemon answers (`docker info`: " + info.output().strip() + "); start dockerd, as .ci/run does";
        } catch (IOException noCli) {
            return "no docker command (Debian package docker.io): " + noCli.getMessage();
        }
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** A detached container ({@code docker run -d}), removed with its anonymous volumes by {@link #close()}. */
    static final class Container implements AutoCloseable {
        final String name;

        private Container(String name) {
            this.name = name;
        }

        /** {@code docker run -d --name NAME ARGS} (ARGS end with the image and its arguments). */
        static Container run(String name, List<String> args) throws IOException, InterruptedException {
            List<String> all = new ArrayList<>(List.of("run", "-d", "--name", name));
            all.addAll(args);
            docker(Duration.ofSeconds(60), "rm", "-f", "-v", name);   // a leftover of an interrupted run
            docker(Duration.ofSeconds(120), all).orFail("docker run " + args);
            return new Container(name);
        }

        String logs() throws IOException, InterruptedException {
            return docker(Duration.ofSeconds(30), "logs", name).output();
        }

        String inspect(String format) throws IOException, InterruptedException {
            return docker(Duration.ofSeconds(30), "inspect", "--format", format, name).orFail("inspect").output().strip();
        }

        boolean running() throws IOException, InterruptedException {
            return inspect("{{.State.Running}}").equals("true");
        }

        /** The first log line containing {@code text}; fails after {@code timeout} or when the container ends. */
        String awaitLog(String text, Duration timeout) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String logs = logs();
                for (String line : logs.lines().toList()) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
                if (!running()) {
                    fail("container %s ended (exit %s) before logging \"%s\":%n%s", name, inspect("{{.State.ExitCode}}"), text, logs);
                }
                if (System.nanoTime() > deadline) {
                    fail("container %s logged no \"%s\" within %s:%n%s", name, text, timeout, logs);
                }
                Thread.sleep(100);
            }
        }

        Result signal(String signal) throws IOException, InterruptedException {
            return docker(Duration.ofSeconds(30), "kill", "-s", signal, name).orFail("docker kill -s " + signal);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            docker(Duration.ofSeconds(60), "rm", "-f", "-v", name);
        }
    }
}
