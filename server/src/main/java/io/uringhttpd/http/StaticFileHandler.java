package io.uringhttpd.http;

import io.uringhttpd.compress.ContentCoding;
import io.uringhttpd.files.FileEntry;
import io.uringhttpd.files.FileEventSet;
import io.uringhttpd.files.FileLookup;
import io.uringhttpd.files.FileService;
import io.uringhttpd.files.Variants;
import io.uringhttpd.log.AccessLogWriter;
import io.uringhttpd.sys.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP core of one event loop: the bytes of a request in, a {@link ResponsePlan} out.
 *
 * <p>It never touches a socket. Files come from the loop's {@link FileService} (an
 * open-file cache), the head is written into the engine's output buffer, and the body
 * is described, not sent. The reactor and the proactor run this same code.
 *
 * <p>Nothing is allocated per request: the request, ranges, writer and plans are
 * reused; header values are compared and copied as bytes. The exception is a rare
 * path: directory listings. The access log formats its line from the request's bytes into the
 * loop's own buffer ({@link AccessLogWriter}), allocating nothing either.
 */
public final class StaticFileHandler implements io.uringhttpd.metrics.RuleCounters {
    /** {@link #handle} needs more free output space than it was given: flush and call again. */
    public static final int NEED_OUTPUT_SPACE = -1;

    /**
     * A request body larger than this is not read and dropped: the response says
     * Connection: close instead (nginx discards any size; a static server has no use
     * for a body, and reading one only costs bandwidth).
     */
    static final long BODY_DISCARD_BYTES_MAX = 1L << 20;
    /** Bytes of multipart boundary lines one plan can hold; ranges-per-request is capped by it. */
    private static final int PLAN_SCRATCH_BYTES = 16 * 1024;
    private static final byte[] CONTENT_TYPE_MULTIPART =
            "multipart/byteranges; boundary=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TEXT_HTML = "text/html; charset=utf-8".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF_DASHES = "\r\n--".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DASHES_CRLF = "--\r\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpSettings settings;
    private final SiteSelector.Memo hostMemo;
    private final FileService[] siteFiles;
    private final Variants[] siteVariants;
    private final TryFiles[] siteTryFiles;
    private final HeaderRules[] siteHeaders;
    private final Redirects[] siteRedirects;
    /** Per site, by status: the path of its error page, or null. */
    private final byte[][][] siteErrorPages;
    /** The site of the GET or HEAD being answered, or -1 (its error pages apply). */
    private int currentSite = -1;
    /** The request's site's header rules, the ones matching its path, and what they remove from this response. */
    private HeaderRules headers;
    private long ruleMatch;
    private int removed;
    private final FileEventSet fileEvents;
    /** The site of the request being handled (set first thing by {@link #serve}). */
    private FileService files;
    private Variants variants;
    private final AccessLogWriter accessLog;
    private final RequestParser parser;
    /** Parser states and body discarders lent to connections while they need them. */
    private final HttpStatePool statePool;
    /** The state a head is parsed in until it stops halfway (then its connection keeps it). */
    private ParseState scratchParse;
    private final Request request;
    private final ByteRanges ranges;
    private final HeadWriter head = new HeadWriter();
    private final HeadWriter part = new HeadWriter();
    private final DateCache dates = new DateCache();
    private final FileLookup lookup = new FileLookup();
    private final FileLookup indexLookup = new FileLookup();
    private final FileLookup variantLookup = new FileLookup();
    private final AcceptEncoding acceptEncoding = new AcceptEncoding();
    /** Set by {@link #negotiate}: the coding chosen (null: the file as it is) and its retained entry. */
    private ContentCoding chosenCoding;
    private FileEntry chosen;
    private final byte[] serverLine;
    private final byte[] boundary;
    /** The request path with a try-files suffix, or a try-files path. */
    private final byte[] tryPath;
    /** Percent-encoded path for a Location header. */
    private final byte[] locationScratch;
    /** Error pages in native memory, by status code: a plan part can point at them. */
    private final MemorySegment[] errorPages = new MemorySegment[600];
    private final int partsMax;
    private long nowMs;
    /** The site the request's Host chose (any method), or -1: none yet, or a request that could not be parsed. */
    private int requestSite = -1;
    /**
     * The rules that shaped the response ({@code RULE_*} bits; a fallback can end in an error page):
     * counted once the response is planned, not per attempt.
     */
    private int answeredBy;
    private static final int RULE_FALLBACK = 1;
    private static final int RULE_REDIRECT = 2;
    private static final int RULE_ERROR_PAGE = 4;
    private long tryFilesFallbacks;
    private long redirectsSent;
    private long errorPagesSent;
    private final long[] siteRequests;
    /** The loop is retiring: every response from now on says Connection: close. */
    private boolean draining;

    /** One site of a loop: its files, their compressed representations, and its try-files (empty: none). */
    public record Site(FileService files, Variants variants, List<String> tryFiles, HeaderRules headers,
                       Redirects redirects, java.util.Map<Integer, String> errorPages) {}

    /** A loop serving one site. */
    public StaticFileHandler(HttpSettings settings, FileService files, Variants variants, AccessLogWriter accessLog) {
        this(settings, new SiteSelector(List.of()), List.of(new Site(files, variants, List.of(), HeaderRules.compile(List.of()),
                new Redirects(List.of()), java.util.Map.of())),
                new FileEventSet(List.of(files), null), accessLog);
    }

    /**
     * @param sites      site 0 is the default; site i is the one {@code selector} returns i for
     * @param fileEvents the sites' file services' inotify fds as one
     */
    public StaticFileHandler(HttpSettings settings, SiteSelector selector, List<Site> sites, FileEventSet fileEvents,
                             AccessLogWriter accessLog) {
        this.settings = settings;
        this.hostMemo = new SiteSelector.Memo(selector);
        this.siteFiles = sites.stream().map(Site::files).toArray(FileService[]::new);
        this.siteVariants = sites.stream().map(Site::variants).toArray(Variants[]::new);
        this.siteTryFiles = sites.stream().map(s -> TryFiles.compile(s.tryFiles())).toArray(TryFiles[]::new);
        this.siteHeaders = sites.stream().map(Site::headers).toArray(HeaderRules[]::new);
        this.siteRedirects = sites.stream().map(Site::redirects).toArray(Redirects[]::new);
        this.siteErrorPages = new byte[sites.size()][][];
        this.siteRequests = new long[sites.size()];
        int redirectMax = 0;
        for (int i = 0; i < sites.size(); i++) {
            siteErrorPages[i] = new byte[600][];
            for (var page : sites.get(i).errorPages().entrySet()) {
                siteErrorPages[i][page.getKey()] = page.getValue().getBytes(StandardCharsets.UTF_8);
            }
            redirectMax = Math.max(redirectMax, siteRedirects[i].targetBytesMax);
        }
        this.headers = siteHeaders[0];
        this.fileEvents = fileEvents;
        this.files = siteFiles[0];
        this.variants = siteVariants[0];
        int suffixMax = 0;
        for (TryFiles t : siteTryFiles) {
            if (t != null) suffixMax = Math.max(suffixMax, t.suffixBytesMax);
        }
        this.tryPath = new byte[settings.requestLineBytesMax() + suffixMax];
        this.accessLog = accessLog;
        this.parser = new RequestParser(settings.limits());
        this.statePool = new HttpStatePool(settings.requestLineBytesMax(), settings.headerSectionBytesMax());
        this.scratchParse = statePool.takeParse();
        this.request = parser.newRequest();
        this.ranges = new ByteRanges(settings.rangesPerRequestMax());
        this.partsMax = 2 * settings.rangesPerRequestMax() + 1;
        this.locationScratch = new byte[redirectMax + 3 * settings.requestLineBytesMax() * 2 + 1];
        this.serverLine = concat("Server: ", settings.serverHeaderValue(), "\r\n");
        // A fixed boundary per loop: 20 random hex digits never collide with content by accident
        // (RFC 2046 §5.1.1 asks only that it not occur in the encapsulated parts).
        this.boundary = String.format("%016x%04x", ThreadLocalRandom.current().nextLong(),
                ThreadLocalRandom.current().nextInt(0x10000)).getBytes(StandardCharsets.US_ASCII);
        Arena arena = Arena.ofAuto();
        for (int code = 0; code < errorPages.length; code++) {
            if (ErrorPages.has(code)) {
                byte[] page = ErrorPages.body(code);
                errorPages[code] = arena.allocate(page.length).copyFrom(MemorySegment.ofArray(page));
            }
        }
    }

    private static byte[] concat(String a, byte[] b, String c) {
        byte[] pa = a.getBytes(StandardCharsets.US_ASCII);
        byte[] pc = c.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[pa.length + b.length + pc.length];
        System.arraycopy(pa, 0, out, 0, pa.length);
        System.arraycopy(b, 0, out, pa.length, b.length);
        System.arraycopy(pc, 0, out, pa.length + b.length, pc.length);
        return out;
    }

    /** A plan sized for this handler's range limit (setup time, or when an engine needs a spare). */
    public ResponsePlan newPlan() {
        ResponsePlan plan = new ResponsePlan(partsMax);
        plan.scratch = Arena.ofAuto().allocate(PLAN_SCRATCH_BYTES, 8);
        return plan;
    }

    public ConnectionHttpState newConnectionState() {
        return new ConnectionHttpState(statePool);
    }

    /**
     * The loop is retiring (graceful shutdown or reload): from now on every response carries
     * {@code Connection: close}, so each client learns it must reconnect with its next answer
     * (RFC 9112 §9.6), errors and HEAD answers included. One switch per loop (the handler is
     * the loop's); nothing per connection. Loop thread only.
     */
    public void drain() {
        draining = true;
    }

    /**
     * Once per loop iteration: the loop's clock (for Date, the file cache's revalidation and the
     * access log's time), and the access log's timed flush and reopen.
     */
    public void tick(long nowMs) {
        this.nowMs = nowMs;
        dates.refresh(nowMs);
        for (Variants v : siteVariants) {
            v.tick(nowMs);
        }
        accessLog.tick(nowMs);
    }

    /**
     * The open-file cache's inotify fd, or -1: the loop waits on it as on its sockets, and calls
     * {@link #onFileEvents} before serving the requests of a wake-up in which it is readable.
     */
    public int fileEventsFd() {
        return fileEvents.fd();
    }

    /** Files changed on disk: the caches drop what the queued events name. */
    public void onFileEvents() {
        fileEvents.drain();
    }

    /** The loop is stopping: closes the variants and the file cache, and writes and closes the access log. */
    public void close() {
        fileEvents.close();
        for (int i = 0; i < siteFiles.length; i++) {
            siteVariants[i].close();
            siteFiles[i].close();
        }
        accessLog.close();
    }

    /**
     * Handles the next request (or the next piece of a request body) in
     * {@code [inAddress, inAddress + inLength)}, the bytes received on one connection from
     * where the previous call stopped. The parser keeps its position in {@code st}, so the
     * same bytes plus more may be passed again after a 0 result.
     *
     * @param outAddress where to write the response head; at most {@code outCapacity} bytes
     * @return bytes consumed (&gt; 0; {@code plan.hasResponse} says if a response was planned),
     *     0 when the head is incomplete, or {@link #NEED_OUTPUT_SPACE}
     */
    public int handle(ConnectionHttpState st, long inAddress, int inLength, long outAddress, int outCapacity,
                      ResponsePlan plan, long nowMs) {
        ruleMatch = 0; // rules apply to GET and HEAD answers of a site: serve() sets them
        currentSite = -1;
        requestSite = -1;
        answeredBy = 0;
        int r = handleRequest(st, inAddress, inLength, outAddress, outCapacity, plan);
        // Counted here, once: a head that did not fit is planned again from the same bytes.
        if (r > 0 && plan.hasResponse) {
            if (requestSite >= 0) {
                siteRequests[requestSite]++;
            }
            if (answeredBy != 0) {
                tryFilesFallbacks += answeredBy & RULE_FALLBACK;
                redirectsSent += (answeredBy & RULE_REDIRECT) >> 1;
                errorPagesSent += (answeredBy & RULE_ERROR_PAGE) >> 2;
            }
        }
        return r;
    }

    private int handleRequest(ConnectionHttpState st, long inAddress, int inLength, long outAddress, int outCapacity,
                              ResponsePlan plan) {
        if (st.inBody()) {
            return continueBody(st, inAddress, inLength, outAddress, outCapacity, plan);
        }
        // A connection owns a parser state only while its head is incomplete: the rest of the
        // time it parses in the loop's scratch state, which it keeps when the head stops halfway.
        ParseState state = st.parse != null ? st.parse : scratchParse;
        int r = parser.parse(inAddress, inLength, state, request);
        if (r == RequestParser.NEED_MORE) {
            if (st.parse == null) {
                st.parse = scratchParse;
                scratchParse = statePool.takeParse();
            }
            return 0;
        }
        st.headDone(); // the parser reset the state: complete or refused
        if (r < 0) {
            // The parser could not frame this request: answer and close (the rest is not read).
            if (writeError(-r, false, false, outAddress, outCapacity, plan) < 0) {
                return NEED_OUTPUT_SPACE;
            }
            return inLength;
        }
        if (respond(outAddress, outCapacity, plan) < 0) {
            plan.releaseFile();
            plan.reset();
            return NEED_OUTPUT_SPACE; // the parser state was reset: the same bytes parse again
        }
        int consumed = r;
        if (request.hasBody()) {
            if (request.contentLength > BODY_DISCARD_BYTES_MAX) {
                // Closed without reading the body (see BODY_DISCARD_BYTES_MAX). A head that says
                // close already (HTTP/1.0, Connection: close, a draining loop) stays as written.
                if (plan.keepAlive) {
                    plan.keepAlive = false;
                    rewriteConnectionClose(outAddress, plan);
                }
                return inLength;
            }
            st.body = statePool.takeBody();
            st.body.start(request);
            int n = st.body.discard(inAddress + r, inLength - r);
            if (n == BodyDiscarder.MALFORMED) {
                st.bodyDone();
                plan.releaseFile();
                plan.reset();
                writeError(400, false, false, outAddress, outCapacity, plan);
                return inLength;
            }
            consumed += n;
            if (st.body.isComplete()) {
                st.bodyDone();
            }
        }
        return consumed;
    }

    private int continueBody(ConnectionHttpState st, long inAddress, int inLength, long outAddress, int outCapacity,
                             ResponsePlan plan) {
        int n = st.body.discard(inAddress, inLength);
        if (n == BodyDiscarder.MALFORMED
                || (st.body.bodyBytes() > BODY_DISCARD_BYTES_MAX)) {
            // The response was sent already; the rest of this stream cannot be framed.
            st.bodyDone();
            if (writeError(400, false, false, outAddress, outCapacity, plan) < 0) {
                return NEED_OUTPUT_SPACE;
            }
            return inLength;
        }
        if (st.body.isComplete()) {
            st.bodyDone();
        }
        plan.hasResponse = false;
        return n;
    }

    /** Fills the plan for the parsed {@link #request}; -1 when the head does not fit. */
    private int respond(long out, int cap, ResponsePlan plan) {
        boolean keepAlive = request.keepAlive && !draining;
        requestSite = hostMemo.select(request.hostAddress, request.hostLength);
        switch (request.method) {
            case Method.GET, Method.HEAD -> {
                return serve(out, cap, plan, keepAlive);
            }
            case Method.OPTIONS -> {
                // 204 carries no Content-Length (RFC 9110 §8.6).
                startHead(out, cap, 204)
                        .bytes(HeadWriter.ALLOW_GET_HEAD_OPTIONS_LINE);
                return finishHead(plan, 204, keepAlive, 0);
            }
            case Method.UNKNOWN -> {
                return writeError(501, keepAlive, false, out, cap, plan);
            }
            default -> {
                // Known methods a static server does not allow: 405 with Allow (RFC 9110 §15.5.6
                // requires it; nginx omits it).
                return writeError(405, keepAlive, false, out, cap, plan);
            }
        }
    }

    private int serve(long out, int cap, ResponsePlan plan, boolean keepAlive) {
        boolean isHead = request.method == Method.HEAD;
        int site = requestSite;
        files = siteFiles[site];
        variants = siteVariants[site];
        headers = siteHeaders[site];
        ruleMatch = headers.match(request.path, request.pathLength);
        currentSite = site;
        Redirects redirects = siteRedirects[site];
        if (redirects.count() > 0) {
            int r = redirects.match(request.path, request.pathLength);
            if (r >= 0) {
                return redirect(redirects, r, out, cap, plan, keepAlive, isHead);
            }
        }
        TryFiles tryFiles = siteTryFiles[site];
        if (tryFiles == null) {
            return servePath(request.path, request.pathLength, out, cap, plan, keepAlive, isHead);
        }
        return tryFiles(tryFiles, out, cap, plan, keepAlive, isHead);
    }

    /** A configured redirect: its status, the Location (with the request's query unless the target has one), a small page. */
    private int redirect(Redirects redirects, int r, long out, int cap, ResponsePlan plan, boolean keepAlive, boolean isHead) {
        int n = redirects.location(r, request.path, request.pathLength, locationScratch);
        int status = redirects.status(r);
        answeredBy |= RULE_REDIRECT;
        startHead(out, cap, status).bytes(HeadWriter.LOCATION).bytes(locationScratch, 0, n);
        if (redirects.keepsQuery(r)) {
            head.raw(request.queryAddress, request.queryLength);
        }
        head.crlf();
        return builtInErrorBody(status, plan, keepAlive, isHead);
    }

    /** The request path as it is: a file, or a directory's index or listing (or the redirect to "dir/"). */
    private int servePath(byte[] path, int length, long out, int cap, ResponsePlan plan, boolean keepAlive, boolean isHead) {
        int rc = files.open(path, length, nowMs, lookup);
        if (rc != FileService.FOUND) {
            return writeError(statusOf(rc), keepAlive, isHead, out, cap, plan);
        }
        FileEntry entry = lookup.entry;
        lookup.entry = null;
        if (entry.isDirectory()) {
            entry.release();
            return serveDirectory(path, length, out, cap, plan, keepAlive, isHead);
        }
        return serveFile(entry, out, cap, plan, keepAlive, isHead);
    }

    /** A directory: without a trailing slash the redirect to it, else its index, else its listing or 403. */
    private int serveDirectory(byte[] path, int length, long out, int cap, ResponsePlan plan, boolean keepAlive,
                               boolean isHead) {
        if (length == 0 || path[length - 1] != '/') {
            return redirectToSlash(path, length, out, cap, plan, keepAlive, isHead);
        }
        int rc = files.openIndex(path, length, nowMs, indexLookup);
        if (rc == FileService.FOUND) {
            FileEntry entry = indexLookup.entry;
            indexLookup.entry = null;
            return serveFile(entry, out, cap, plan, keepAlive, isHead);
        }
        if (rc == FileService.NOT_FOUND && files.settings().autoindex()) {
            return listing(path, length, out, cap, plan, keepAlive, isHead);
        }
        return writeError(rc == FileService.NOT_FOUND ? 403 : statusOf(rc), keepAlive, isHead, out, cap, plan);
    }

    /**
     * try-files: each element in turn; the first that names a regular file (or, for "$uri/", a
     * directory) answers. A candidate that is missing, forbidden (a symlink out of the root, a dotfile)
     * or of the wrong kind is passed over; a file-system error is a 500 at once. The last element may
     * be a path every remaining request gets, or "=STATUS". Nothing loops: each element is tried once.
     */
    private int tryFiles(TryFiles t, long out, int cap, ResponsePlan plan, boolean keepAlive, boolean isHead) {
        byte[] path = request.path;
        int length = request.pathLength;
        int last = t.kinds.length - 1;
        for (int i = 0; i <= last; i++) {
            switch (t.kinds[i]) {
                case TryFiles.STATUS -> {
                    return writeError(t.statuses[i], keepAlive, isHead, out, cap, plan);
                }
                case TryFiles.URI_DIRECTORY -> {
                    int rc = files.open(path, length, nowMs, lookup);
                    if (rc == FileService.FOUND) {
                        FileEntry entry = lookup.entry;
                        lookup.entry = null;
                        boolean directory = entry.isDirectory();
                        entry.release();
                        if (directory) {
                            return serveDirectory(path, length, out, cap, plan, keepAlive, isHead);
                        }
                    } else if (rc == FileService.ERROR) {
                        return writeError(500, keepAlive, isHead, out, cap, plan);
                    }
                }
                default -> {
                    byte[] b = t.bytes[i];
                    int n;
                    if (t.kinds[i] == TryFiles.PATH) {
                        if (i == last) {
                            answeredBy |= RULE_FALLBACK;
                            return servePath(b, b.length, out, cap, plan, keepAlive, isHead);
                        }
                        System.arraycopy(b, 0, tryPath, 0, b.length);
                        n = b.length;
                    } else {
                        System.arraycopy(path, 0, tryPath, 0, length);
                        System.arraycopy(b, 0, tryPath, length, b.length);
                        n = length + b.length;
                    }
                    int rc = files.open(tryPath, n, nowMs, lookup);
                    if (rc == FileService.FOUND) {
                        FileEntry entry = lookup.entry;
                        lookup.entry = null;
                        if (!entry.isDirectory()) {
                            if (i > 0) {
                                answeredBy |= RULE_FALLBACK;
                            }
                            return serveFile(entry, out, cap, plan, keepAlive, isHead);
                        }
                        entry.release();
                    } else if (rc == FileService.ERROR) {
                        return writeError(500, keepAlive, isHead, out, cap, plan);
                    }
                }
            }
        }
        return writeError(404, keepAlive, isHead, out, cap, plan);
    }

    private static int statusOf(int filesResult) {
        return switch (filesResult) {
            case FileService.NOT_FOUND -> 404;
            case FileService.FORBIDDEN -> 403;
            default -> 500;
        };
    }

    /**
     * Answers with {@code file} (a retained regular file) or, when the request accepts one, its
     * compressed representation: the conditionals, ranges and lengths that follow are those of the
     * representation chosen (RFC 9110 §8.8.3, §14.1.1).
     */
    private int serveFile(FileEntry file, long out, int cap, ResponsePlan plan, boolean keepAlive, boolean isHead) {
        byte[] contentType = file.contentType();
        boolean vary = false;
        FileEntry entry = file;
        ContentCoding coding = null;
        if (variants.enabled()) {
            boolean acceptable = negotiate(file);
            vary = chosen != null || variants.negotiable(file);
            if (chosen != null) {
                file.release();
                entry = chosen;
                coding = chosenCoding;
                chosen = null;
            } else if (!acceptable) {
                file.release();
                return notAcceptable(out, cap, plan, keepAlive, isHead);
            }
        }
        byte[] etag = entry.etag();
        long mtime = entry.mtimeEpochSec();
        long size = entry.size();
        // RFC 9110 §13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since.
        Request q = request;
        if (q.ifMatch.isPresent() ? !Conditionals.ifMatch(q.ifMatch, etag)
                : q.ifUnmodifiedSinceLength >= 0
                        && !Conditionals.ifUnmodifiedSince(q.ifUnmodifiedSinceAddress, q.ifUnmodifiedSinceLength, mtime)) {
            entry.release();
            return writeError(412, keepAlive, isHead, out, cap, plan);
        }
        boolean notModified = q.ifNoneMatch.isPresent()
                ? Conditionals.ifNoneMatch(q.ifNoneMatch, etag)
                : q.ifModifiedSinceLength >= 0 && Conditionals.ifModifiedSince(q.ifModifiedSinceAddress, q.ifModifiedSinceLength, mtime);
        if (notModified) {
            // A 304 carries the validators and Vary of the 200 it stands for (RFC 9110 §15.4.5).
            startHead(out, cap, 304);
            validators(entry);
            if (vary) {
                head.bytes(HeadWriter.VARY_ACCEPT_ENCODING_LINE);
            }
            entry.release();
            return finishHead(plan, 304, keepAlive, 0);
        }
        int rangeCount = ByteRanges.NONE;
        // Range applies to GET only (RFC 9110 §14.2); If-Range decides whether it applies at all.
        if (q.method == Method.GET && q.rangeLength >= 0
                && (q.ifRangeLength < 0 || Conditionals.ifRange(q.ifRangeAddress, q.ifRangeLength, etag, mtime))) {
            rangeCount = ranges.parse(q.rangeAddress, q.rangeLength, size);
        }
        if (rangeCount == ByteRanges.UNSATISFIABLE) {
            entry.release();
            return writeError(416, keepAlive, isHead, out, cap, plan, size);
        }
        if (rangeCount > 1) {
            int r = multipart(entry, contentType, coding, vary, out, cap, plan, keepAlive);
            if (r != 0) {
                return r;
            }
            // Boundary lines did not fit the plan's scratch: the whole file is a correct answer too.
        }
        int status = rangeCount == 1 ? 206 : 200;
        long first = rangeCount == 1 ? ranges.starts[0] : 0;
        long length = rangeCount == 1 ? ranges.ends[0] - ranges.starts[0] + 1 : size;
        startHead(out, cap, status)
                .header(HeadWriter.CONTENT_TYPE, contentType)
                .contentLength(length);
        representationHeaders(entry, coding, vary, true);
        if (status == 206) {
            head.contentRange(first, first + length - 1, size);
        }
        if (isHead || length == 0) {
            entry.release();
        } else {
            plan.file = entry;
            addFilePart(plan, entry, first, length);
        }
        return countedHead(plan, status, keepAlive, isHead ? 0 : length, coding);
    }

    /** {@link #finishHead}, then the body counted by its coding (once: a head that did not fit is retried). */
    private int countedHead(ResponsePlan plan, int status, boolean keepAlive, long bodyLength, ContentCoding coding) {
        int n = finishHead(plan, status, keepAlive, bodyLength);
        if (n >= 0) {
            variants.countBody(coding, bodyLength);
        }
        return n;
    }

    /**
     * Last-Modified, ETag, Content-Encoding (unless the parts of a multipart body carry it), Vary and
     * Accept-Ranges of a representation.
     */
    private void representationHeaders(FileEntry entry, ContentCoding coding, boolean vary, boolean withEncoding) {
        validators(entry);
        if (coding != null && withEncoding) {
            head.header(HeadWriter.CONTENT_ENCODING, coding.tokenBytes());
        }
        if (vary) {
            head.bytes(HeadWriter.VARY_ACCEPT_ENCODING_LINE);
        }
        if ((removed & HeaderRules.REMOVE_ACCEPT_RANGES) == 0) {
            head.bytes(HeadWriter.ACCEPT_RANGES_BYTES_LINE);
        }
    }

    /** Last-Modified and ETag, unless a rule removes them. */
    private void validators(FileEntry entry) {
        if ((removed & HeaderRules.REMOVE_LAST_MODIFIED) == 0) {
            head.header(HeadWriter.LAST_MODIFIED, entry.lastModified());
        }
        if ((removed & HeaderRules.REMOVE_ETAG) == 0) {
            head.header(HeadWriter.ETAG, entry.etag());
        }
    }

    /**
     * Chooses the representation of {@code file} the request's Accept-Encoding prefers (RFC 9110
     * §12.5.3): highest q first, ties by the server's order of codings; the first one that exists
     * (a fresh sidecar, or a cached variant — asking for one queues its making) is {@link #chosen}.
     * An "identity" named with a higher q than a coding wins over it; an identity left implicit never
     * does. Returns false when nothing can be sent: no coding available and identity excluded.
     */
    private boolean negotiate(FileEntry file) {
        chosen = null;
        chosenCoding = null;
        AcceptEncoding ae = acceptEncoding;
        ae.parse(request.acceptEncoding);
        if (!ae.isPresent()) {
            return true;
        }
        ContentCoding[] offered = variants.offered();
        int identityQ = ae.identityNamed() ? ae.identityQ() : 0;
        int tried = 0;
        for (;;) {
            int best = -1;
            int bestQ = 0;
            for (int i = 0; i < offered.length; i++) {
                int q = ae.q(offered[i]);
                if ((tried & 1 << i) == 0 && q > bestQ) {
                    best = i;
                    bestQ = q;
                }
            }
            if (best < 0 || bestQ < identityQ) {
                break;
            }
            tried |= 1 << best;
            if (variants.open(file, offered[best], variantLookup) == FileService.FOUND) {
                chosen = variantLookup.entry;
                variantLookup.entry = null;
                chosenCoding = offered[best];
                return true;
            }
        }
        return ae.identityQ() > 0;
    }

    /**
     * 406: the request excludes the unencoded file ("identity;q=0", or "*;q=0" without identity) and
     * no coding it accepts is available. RFC 9110 §12.5.3 lets a server then ignore the field and send
     * identity anyway; a 406 says plainly what happened (README "Compression").
     */
    private int notAcceptable(long out, int cap, ResponsePlan plan, boolean keepAlive, boolean isHead) {
        startHead(out, cap, 406)
                .bytes(HeadWriter.VARY_ACCEPT_ENCODING_LINE);
        return builtInErrorBody(406, plan, keepAlive, isHead);
    }

    /** A file region as a part: from the cached small body when there is one, else for sendfile. */
    private static void addFilePart(ResponsePlan plan, FileEntry entry, long offset, long length) {
        MemorySegment small = entry.smallBody();
        if (small != null) {
            plan.addBytes(small, offset, length);
        } else {
            plan.addFileRegion(offset, length);
        }
    }

    /** 206 multipart/byteranges (RFC 9110 §14.6); 0 when the boundary lines do not fit. */
    private int multipart(FileEntry entry, byte[] contentType, ContentCoding coding, boolean vary, long out, int cap,
                          ResponsePlan plan, boolean keepAlive) {
        MemorySegment scratch = plan.scratch;
        long scratchAddress = scratch.address();
        int used = 0;
        long total = 0;
        long size = entry.size();
        for (int i = 0; i < ranges.count; i++) {
            part.wrap(scratchAddress + used, PLAN_SCRATCH_BYTES - used)
                    .bytes(CRLF_DASHES).bytes(boundary).crlf()
                    .header(HeadWriter.CONTENT_TYPE, contentType);
            if (coding != null) {
                part.header(HeadWriter.CONTENT_ENCODING, coding.tokenBytes());
            }
            part.contentRange(ranges.starts[i], ranges.ends[i], size).crlf();
            int n = part.finish();
            if (n < 0) {
                plan.reset();
                return 0;
            }
            long length = ranges.ends[i] - ranges.starts[i] + 1;
            plan.addBytes(scratch, used, n);
            addFilePart(plan, entry, ranges.starts[i], length);
            used += n;
            total += n + length;
        }
        part.wrap(scratchAddress + used, PLAN_SCRATCH_BYTES - used).bytes(CRLF_DASHES).bytes(boundary).bytes(DASHES_CRLF);
        int n = part.finish();
        if (n < 0) {
            plan.reset();
            return 0;
        }
        plan.addBytes(scratch, used, n);
        total += n;
        plan.file = entry;
        startHead(out, cap, 206)
                .bytes(HeadWriter.CONTENT_TYPE).bytes(CONTENT_TYPE_MULTIPART).bytes(boundary).crlf()
                .contentLength(total);
        // Each part says its coding: on the outer head, Content-Encoding would claim the whole
        // multipart body is encoded (RFC 9110 §8.4, §14.6).
        representationHeaders(entry, coding, vary, false);
        return countedHead(plan, 206, keepAlive, total, coding);
    }

    /** /dir → 301 /dir/ with the query kept; the path is percent-encoded again for the Location. */
    private int redirectToSlash(byte[] path, int length, long out, int cap, ResponsePlan plan, boolean keepAlive,
                                boolean isHead) {
        int n = percentEncodePath(path, length, locationScratch);
        locationScratch[n++] = '/';
        startHead(out, cap, 301)
                .bytes(HeadWriter.LOCATION).bytes(locationScratch, 0, n).raw(request.queryAddress, request.queryLength).crlf();
        return builtInErrorBody(301, plan, keepAlive, isHead);
    }

    /** Keeps RFC 3986 pchar bytes and '/', encodes everything else as %XX. */
    static int percentEncodePath(byte[] path, int length, byte[] out) {
        return percentEncodePath(path, 0, length, out, 0);
    }

    /** {@code path[from, to)} percent-encoded into {@code out} at {@code at}; returns the end. */
    static int percentEncodePath(byte[] path, int from, int to, byte[] out, int at) {
        int n = at;
        for (int i = from; i < to; i++) {
            int b = path[i] & 0xFF;
            if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || "-._~!$&'()*+,;=:@/".indexOf(b) >= 0) {
                out[n++] = (byte) b;
            } else {
                out[n++] = '%';
                out[n++] = (byte) "0123456789ABCDEF".charAt(b >>> 4);
                out[n++] = (byte) "0123456789ABCDEF".charAt(b & 0xF);
            }
        }
        return n;
    }

    /** Autoindex page: rare, so it may allocate (the listing and its native copy). */
    private int listing(byte[] path, int length, long out, int cap, ResponsePlan plan, boolean keepAlive, boolean isHead) {
        byte[] html = files.listing(path, length);
        if (html == null) {
            return writeError(403, keepAlive, isHead, out, cap, plan);
        }
        startHead(out, cap, 200)
                .header(HeadWriter.CONTENT_TYPE, TEXT_HTML)
                .contentLength(html.length);
        if (!isHead && html.length > 0) {
            MemorySegment body = Arena.ofAuto().allocate(html.length).copyFrom(MemorySegment.ofArray(html));
            plan.addBytes(body, 0, html.length);
        }
        return finishHead(plan, 200, keepAlive, isHead ? 0 : html.length);
    }

    private int writeError(int status, boolean keepAlive, boolean isHead, long out, int cap, ResponsePlan plan) {
        return writeError(status, keepAlive, isHead, out, cap, plan, -1);
    }

    /**
     * An error response with its page: the site's own (error-pages) when it has one for the status and
     * it is a regular file, else the built-in one. {@code size} &gt;= 0 adds Content-Range for 416.
     */
    private int writeError(int status, boolean keepAlive, boolean isHead, long out, int cap, ResponsePlan plan, long size) {
        FileEntry page = currentSite >= 0 ? sitePage(status) : null;
        startHead(out, cap, status);
        if (status == 405) {
            head.bytes(HeadWriter.ALLOW_GET_HEAD_OPTIONS_LINE);
        }
        if (size >= 0) {
            head.contentRangeUnsatisfied(size);
        }
        keepAlive = keepAlive && !Status.alwaysCloses(status);
        if (page == null) {
            return builtInErrorBody(status, plan, keepAlive, isHead);
        }
        answeredBy |= RULE_ERROR_PAGE;
        head.header(HeadWriter.CONTENT_TYPE, page.contentType()).contentLength(page.size());
        if (isHead || page.size() == 0) {
            page.release();
        } else {
            plan.file = page;
            addFilePart(plan, page, 0, page.size());
        }
        return finishHead(plan, status, keepAlive, isHead ? 0 : page.size());
    }

    /**
     * The site's page for {@code status}, retained, or null: not configured, missing, or not a regular
     * file. Opened directly (no try-files, no further error page), so an error page cannot loop.
     */
    private FileEntry sitePage(int status) {
        byte[] path = status < 600 ? siteErrorPages[currentSite][status] : null;
        if (path == null || files.open(path, path.length, nowMs, lookup) != FileService.FOUND) {
            return null;
        }
        FileEntry e = lookup.entry;
        lookup.entry = null;
        if (e.isDirectory()) {
            e.release();
            return null;
        }
        return e;
    }

    private int builtInErrorBody(int status, ResponsePlan plan, boolean keepAlive, boolean isHead) {
        MemorySegment page = errorPages[status] != null ? errorPages[status] : errorPages[500];
        long length = page.byteSize();
        head.header(HeadWriter.CONTENT_TYPE, ErrorPages.CONTENT_TYPE).contentLength(length);
        if (!isHead) {
            plan.addBytes(page, 0, length);
        }
        return finishHead(plan, status, keepAlive, isHead ? 0 : length);
    }

    /** Status line, Server (unless a rule removes it) and Date; notes what the site's rules remove. */
    private HeadWriter startHead(long out, int cap, int status) {
        removed = ruleMatch == 0 ? 0 : headers.removals(ruleMatch, status);
        head.wrap(out, cap).statusLine(status);
        if ((removed & HeaderRules.REMOVE_SERVER) == 0) {
            head.bytes(serverLine);
        }
        return head.bytes(dates.header());
    }

    /**
     * Adds the Connection header and the empty line. HTTP/1.1 keeps alive by default, so
     * "keep-alive" is sent only to a 1.0 client that asked for it (RFC 9112 §9.3).
     */
    private int finishHead(ResponsePlan plan, int status, boolean keepAlive, long bodyLength) {
        if (ruleMatch != 0) {
            headers.write(ruleMatch, status, head);
        }
        if (!keepAlive) {
            head.bytes(HeadWriter.CONNECTION_CLOSE_LINE);
        } else if (request.versionMinor == 0) {
            head.bytes(HeadWriter.CONNECTION_KEEP_ALIVE_LINE);
        }
        head.crlf();
        int n = head.finish();
        if (n < 0) {
            return -1;
        }
        plan.hasResponse = true;
        plan.status = status;
        plan.keepAlive = keepAlive;
        plan.headLength = n;
        plan.bodyLength = bodyLength;
        return n;
    }

    /**
     * After the head was written with keep-alive, the request turned out to carry a body
     * too large to drop: replace the head's final CRLF by "Connection: close" + CRLF.
     */
    private void rewriteConnectionClose(long out, ResponsePlan plan) {
        int at = plan.headLength - 2;
        if (request.versionMinor == 0) {
            at -= HeadWriter.CONNECTION_KEEP_ALIVE_LINE.length;
        }
        Mem.copy(HeadWriter.CONNECTION_CLOSE_LINE, 0, out + at, HeadWriter.CONNECTION_CLOSE_LINE.length);
        at += HeadWriter.CONNECTION_CLOSE_LINE.length;
        Mem.copy(HeadWriter.CRLF, 0, out + at, 2);
        plan.headLength = at + 2;
    }

    /**
     * A 408 head and page, contiguous in {@code [out, out + cap)}, for a client that did not
     * finish its request head in time; the length written, or -1.
     */
    public int writeTimeoutResponse(long out, int cap) {
        MemorySegment page = errorPages[408];
        head.wrap(out, cap).statusLine(408).bytes(serverLine).bytes(dates.header())
                .header(HeadWriter.CONTENT_TYPE, ErrorPages.CONTENT_TYPE).contentLength(page.byteSize())
                .bytes(HeadWriter.CONNECTION_CLOSE_LINE).crlf();
        int n = head.finish();
        if (n < 0 || n + page.byteSize() > cap) {
            return -1;
        }
        NativeMemory.copy(page, 0, out + n, page.byteSize());
        return n + (int) page.byteSize();
    }

    @Override
    public long tryFilesFallbacks() {
        return tryFilesFallbacks;
    }

    @Override
    public long redirects() {
        return redirectsSent;
    }

    @Override
    public long errorPages() {
        return errorPagesSent;
    }

    @Override
    public long[] siteRequests() {
        return siteRequests;
    }

    /**
     * Writes the access-log line for the response just planned (call right after {@link #handle},
     * while the request's bytes are still in the input buffer). Allocates nothing.
     */
    public void logAccess(byte[] peerAddress, int peerAddressLength, ResponsePlan plan) {
        if (!accessLog.enabled()) {
            return;
        }
        Request r = request;
        accessLog.log(peerAddress, peerAddressLength, Method.name(r.method), r.targetAddress, r.targetLength,
                r.versionMinor, plan.status, plan.bodyLength, r.refererAddress, r.refererLength,
                r.userAgentAddress, r.userAgentLength);
    }
}
