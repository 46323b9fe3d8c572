package io.uringhttpd.log;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.FileSize;
import io.uringhttpd.config.ServerConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The access log: one line per response in the Combined Log Format
 * ({@code $remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"}),
 * as nginx and Apache write it, so existing log tools read it.
 *
 * <p>An event loop must never wait for the disk, so lines go through a Logback {@link AsyncAppender}
 * with {@code neverBlock}: when the writer thread falls behind and the queue is full, the line is
 * dropped and counted ({@link #droppedCount()}) instead. The writer thread writes into a buffer of
 * {@code access-log.buffer-bytes} and flushes it every {@code access-log.flush-interval} (nginx's
 * {@code access_log ... buffer= flush=}), so a busy server does one write(2) per buffer, not per line.
 *
 * <p>Uses its own {@link LoggerContext}: the application's logback.xml (or a reset of it) can neither
 * swallow nor redirect access lines, and access lines never reach the console.
 *
 * <p>Thread-safe: several event loops may log at once. Each line allocates (the text and a Logback
 * event); a benchmark that must show an allocation-free hot path turns the access log off.
 */
public final class AccessLog implements AutoCloseable {
    /** Lines waiting for the writer thread; at ~200 bytes each about 3 MiB. */
    static final int QUEUE_LINES = 16384;

    private static final AccessLog DISABLED = new AccessLog();
    private static final DateTimeFormatter TIME_LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final boolean enabled;
    private final Path path;
    private final LoggerContext context;
    private final Logger logger;
    private final CountingAsyncAppender async;
    private final BufferedFileAppender file;
    private final ScheduledExecutorService flusher;
    private final ZoneId zone = ZoneId.systemDefault();
    /** The formatted time of the last second logged; lines within one second share it. */
    private volatile TimeText timeText = new TimeText(Long.MIN_VALUE, "");

    private record TimeText(long epochSec, String text) {}

    private AccessLog() {
        enabled = false;
        path = null;
        context = null;
        logger = null;
        async = null;
        file = null;
        flusher = null;
    }

    private AccessLog(ServerConfig.AccessLog config, int queueLines) throws IOException {
        enabled = true;
        path = config.path().toAbsolutePath();
        Path parent = path.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        context = new LoggerContext();
        context.setName("access-log");
        // Logback 1.5 events read the MDC through the context; a context built by hand has no adapter.
        context.setMDCAdapter(new LogbackMDCAdapter());
        context.start();

        file = new BufferedFileAppender();
        file.setContext(context);
        file.setName("access-file");
        file.setFile(path.toString());
        file.setAppend(true);
        file.setImmediateFlush(config.bufferBytes() == 0);
        file.setBufferSize(new FileSize(config.bufferBytes() > 0 ? config.bufferBytes() : 8192));
        LineEncoder encoder = new LineEncoder();
        encoder.setContext(context);
        encoder.start();
        file.setEncoder(encoder);
        file.start();
        if (!file.isStarted()) {
            String reason = lastError(context);
            context.stop();
            throw new IOException("cannot open access log " + path + (reason.isEmpty() ? "" : ": " + reason));
        }

        async = new CountingAsyncAppender();
        async.setContext(context);
        async.setName("access-async");
        async.setQueueSize(queueLines);
        async.setNeverBlock(true);
        async.setMaxFlushTime(5000);
        async.addAppender(file);
        async.start();

        logger = context.getLogger("access");
        logger.setAdditive(false);
        logger.setLevel(Level.INFO);
        logger.addAppender(async);

        if (config.bufferBytes() > 0) {
            flusher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "access-log-flush");
                t.setDaemon(true);
                return t;
            });
            flusher.scheduleWithFixedDelay(file::flush, config.flushIntervalMs(), config.flushIntervalMs(),
                    TimeUnit.MILLISECONDS);
        } else {
            flusher = null;
        }
    }

    /**
     * Opens the access log described by {@code config}; a no-op instance when it is disabled.
     * Creates missing parent folders. Setup path.
     *
     * @throws IOException when the folder or file cannot be created or opened
     */
    public static AccessLog open(ServerConfig.AccessLog config) throws IOException {
        return config.enabled() ? new AccessLog(config, QUEUE_LINES) : DISABLED;
    }

    /** For tests: a tiny queue makes drops reproducible. */
    static AccessLog open(ServerConfig.AccessLog config, int queueLines) throws IOException {
        return config.enabled() ? new AccessLog(config, queueLines) : DISABLED;
    }

    /** The no-op access log. */
    public static AccessLog disabled() {
        return DISABLED;
    }

    public boolean enabled() {
        return enabled;
    }

    /** The log file (absolute), or null when disabled. */
    public Path path() {
        return path;
    }

    /**
     * Queues one line. Never blocks; when the queue is full the line is dropped and counted.
     * Fields are written as received except that {@code "}, {@code \} and every byte outside
     * printable ASCII is escaped as {@code \"}, {@code \\}, {@code \xHH} (as nginx does), so a client
     * cannot forge lines or fields. null text is written as "-".
     *
     * @param remoteAddress the peer address ("203.0.113.7" or "2001:db8::1")
     * @param epochMs       when the request arrived (or completed), for [$time_local]
     * @param requestLine   the request line as received, without CRLF
     * @param bodyBytes     body bytes sent (not counting the head)
     */
    public void log(String remoteAddress, long epochMs, String requestLine, int status, long bodyBytes,
                    String referer, String userAgent) {
        if (!enabled) {
            return;
        }
        StringBuilder b = new StringBuilder(160);
        appendEscaped(b, remoteAddress);
        b.append(" - - [").append(timeLocal(epochMs)).append("] \"");
        appendEscaped(b, requestLine);
        b.append("\" ").append(status).append(' ').append(bodyBytes).append(" \"");
        appendEscaped(b, referer);
        b.append("\" \"");
        appendEscaped(b, userAgent);
        b.append("\"\n");
        logger.info(b.toString());
    }

    /** Lines dropped because the writer thread fell behind, since open. */
    public long droppedCount() {
        return enabled ? async.dropped.sum() : 0;
    }

    /**
     * Closes and reopens the file at the configured path, after a log rotation tool renamed it
     * (SIGUSR1 in nginx). Lines still buffered go to the old (renamed) file.
     *
     * @throws IOException when the file cannot be reopened (the log then stays on the old file)
     */
    public void reopen() throws IOException {
        if (!enabled) {
            return;
        }
        Path parent = path.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        file.openFile(path.toString());   // swaps the stream under the appender's write lock
    }

    /** Waits (up to 5 s) for queued lines to be written, then closes the file. Idempotent. */
    @Override
    public void close() {
        if (!enabled) {
            return;
        }
        if (flusher != null) {
            flusher.shutdownNow();
        }
        context.stop();   // stops the async appender (drains its queue), then the file appender (flush, close)
    }

    private String timeLocal(long epochMs) {
        long sec = Math.floorDiv(epochMs, 1000);
        TimeText t = timeText;
        if (t.epochSec != sec) {
            t = new TimeText(sec, TIME_LOCAL.format(Instant.ofEpochSecond(sec).atZone(zone)));
            timeText = t;
        }
        return t.text;
    }

    static void appendEscaped(StringBuilder b, String s) {
        if (s == null) {
            b.append('-');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else if (c <= 0xff) {
                b.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                // Only reached when a caller decoded bytes as UTF-16 text; keeps the file ASCII.
                b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                        .append(HEX[c & 0xf]);
            }
        }
    }

    private static String lastError(LoggerContext context) {
        String reason = "";
        for (Status s : context.getStatusManager().getCopyOfStatusList()) {
            if (s.getLevel() == Status.ERROR) {
                reason = s.getMessage() + (s.getThrowable() != null ? ": " + s.getThrowable().getMessage() : "");
            }
        }
        return reason;
    }

    /**
     * Counts the lines a full queue drops. Logback calls {@link #isDiscardable} only when the free
     * capacity is below the discarding threshold; with a threshold of 1 that is exactly "queue full".
     * (AsyncAppenderBase.put ignores the result of offer(), so this is the only hook that sees a drop;
     * two loops racing for the last free slot can make one drop go uncounted.)
     */
    private static final class CountingAsyncAppender extends AsyncAppender {
        final LongAdder dropped = new LongAdder();

        CountingAsyncAppender() {
            setDiscardingThreshold(1);
            setIncludeCallerData(false);
        }

        /**
         * Nothing to prepare: the line is complete, and MDC and thread name are not logged. (The
         * default copies the MDC map and the thread name on the event loop's thread, per line.)
         */
        @Override
        protected void preprocess(ILoggingEvent event) {}

        @Override
        protected boolean isDiscardable(ILoggingEvent event) {
            dropped.increment();
            return true;
        }
    }

    /** A FileAppender whose buffer a timer can flush without racing the writer thread. */
    private static final class BufferedFileAppender extends FileAppender<ILoggingEvent> {
        void flush() {
            streamWriteLock.lock();
            try {
                OutputStream out = getOutputStream();
                if (out != null && isStarted()) {
                    out.flush();
                }
            } catch (IOException e) {
                addError("flushing " + getFile() + " failed", e);
            } finally {
                streamWriteLock.unlock();
            }
        }
    }

    /** The line is complete (escaped ASCII with its newline); the encoder only turns it into bytes. */
    private static final class LineEncoder extends EncoderBase<ILoggingEvent> {
        private static final byte[] NONE = new byte[0];

        @Override
        public byte[] headerBytes() {
            return NONE;
        }

        @Override
        public byte[] encode(ILoggingEvent event) {
            return event.getMessage().getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public byte[] footerBytes() {
            return NONE;
        }
    }
}
