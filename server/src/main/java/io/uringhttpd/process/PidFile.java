package io.uringhttpd.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The pid file: the master's pid (or the single process's), read by {@code -s}. */
public final class PidFile {
    private static final Logger log = LoggerFactory.getLogger(PidFile.class);

    private PidFile() {
    }

    public static void write(Path pidFile) throws IOException {
        Path parent = pidFile.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
    }

    /** Removes the pid file if it still names this process (a newer master may have written it since). */
    public static void delete(Path pidFile) {
        try {
            OptionalInt pid = read(pidFile);
            if (pid.isEmpty() || pid.getAsInt() == ProcessHandle.current().pid()) {
                Files.deleteIfExists(pidFile);
            }
        } catch (IOException e) {
            log.warn("cannot remove pid-file {}: {}", pidFile, e.getMessage());
        }
    }

    /**
     * The pid written in {@code pidFile}; empty when the file does not exist.
     *
     * @throws IOException when it cannot be read or holds no pid
     */
    public static OptionalInt read(Path pidFile) throws IOException {
        String text;
        try {
            text = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        }
        try {
            int pid = Integer.parseInt(text);
            if (pid <= 0) {
                throw new NumberFormatException();
            }
            return OptionalInt.of(pid);
        } catch (NumberFormatException e) {
            throw new IOException(pidFile + " holds no pid: \"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"");
        }
    }
}
