package io.uringhttpd;

import io.uringhttpd.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Placeholder until the lead's Server (config -> event loops) replaces it. */
public final class Server {
    private static final Logger log = LoggerFactory.getLogger(Server.class);

    private Server() {}

    /** Runs the server until it stops; returns the process exit code. */
    public static int run(ServerConfig config) {
        log.info("uring-httpd {} engine {} listen {} root {} loops {} pid {}", Version.get(),
                config.engine().configName(), config.listen(), config.root(), config.loopsTotal(),
                ProcessHandle.current().pid());
        return 0;
    }
}
