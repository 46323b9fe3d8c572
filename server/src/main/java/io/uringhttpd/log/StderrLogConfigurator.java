package io.uringhttpd.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The server's diagnostics go to stderr at INFO (stdout stays free for command output such as
 * {@code -t} and {@code --version}); the access log does not go through here ({@link AccessLog}
 * builds its own appenders).
 *
 * <p>Configured in code, found by Logback through {@code META-INF/services}, rather than from a
 * {@code logback.xml}: reading XML loaded Logback's Joran configurator and the JDK's XML parser,
 * about 450 classes, 2.5 MiB PSS in every process (docs/architecture.md, "Logging configured in code").
 * Operators who want their own configuration still give {@code -Dlogback.configurationFile}, and
 * Logback then reads that file as usual.
 */
public final class StderrLogConfigurator extends ContextAwareBase implements Configurator {
    /** Set by the master on each worker's command line ("worker-1 "), prefixed to the thread name. */
    public static final String PROCESS_PROPERTY = "uringhttpd.log.process";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level ["
                + System.getProperty(PROCESS_PROPERTY, "").replace("%", "\\%")
                + "%thread] %logger{0}: %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
