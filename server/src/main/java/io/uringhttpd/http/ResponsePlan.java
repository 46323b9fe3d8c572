package io.uringhttpd.http;

import io.uringhttpd.files.FileEntry;
import java.lang.foreign.MemorySegment;

/**
 * What to send for one request: the seam between the HTTP core and an engine.
 *
 * <p>The core decides <em>what</em> to send; an engine decides <em>how</em> the
 * bytes move. The head (status line and headers) has already been written by
 * the core into the engine's output buffer; {@link #headLength} says how many
 * bytes. The body is a list of parts, each either bytes in native memory
 * (error pages, small cached files, multipart boundaries, listings) or a region
 * of {@link #file}. The reactor moves file parts with sendfile(2); the proactor
 * with SEND/SPLICE submissions.
 *
 * <p>One plan per event loop, reused for every request: nothing allocated.
 */
public final class ResponsePlan {
    public static final int PART_BYTES = 1;
    public static final int PART_FILE = 2;

    /** Whether {@link StaticFileHandler#handle} produced a response (false while it only consumed a request body). */
    public boolean hasResponse;
    public int status;
    public boolean keepAlive;
    public int headLength;
    /** Content-Length of the response body (what the access log calls body bytes); 0 for HEAD. */
    public long bodyLength;

    public int partCount;
    public final int[] partKind;
    public final MemorySegment[] partSegment;
    public final long[] partOffset;
    public final long[] partLength;
    /**
     * Retained when a part refers to it (file region or its cached small body). Engines see only
     * its fd ({@link #fileFd()}) and let go of it with {@link #releaseFile()} when done.
     */
    FileEntry file;
    /** Native memory owned by this plan for generated body bytes (multipart boundary lines). */
    MemorySegment scratch;

    public ResponsePlan(int partsMax) {
        partKind = new int[partsMax];
        partSegment = new MemorySegment[partsMax];
        partOffset = new long[partsMax];
        partLength = new long[partsMax];
    }

    /** The open file the {@link #PART_FILE} parts are regions of. */
    public int fileFd() {
        return file.fd();
    }

    /** Drops the plan's hold on its open file (the cache closes it once unused and evicted). */
    public void releaseFile() {
        if (file != null) {
            file.release();
            file = null;
        }
    }

    public void reset() {
        hasResponse = false;
        status = 0;
        keepAlive = false;
        headLength = 0;
        bodyLength = 0;
        file = null;
        for (int i = 0; i < partCount; i++) {
            partSegment[i] = null;
        }
        partCount = 0;
    }

    void addBytes(MemorySegment segment, long offset, long length) {
        int i = partCount++;
        partKind[i] = PART_BYTES;
        partSegment[i] = segment;
        partOffset[i] = offset;
        partLength[i] = length;
    }

    void addFileRegion(long offset, long length) {
        int i = partCount++;
        partKind[i] = PART_FILE;
        partSegment[i] = null;
        partOffset[i] = offset;
        partLength[i] = length;
    }
}
