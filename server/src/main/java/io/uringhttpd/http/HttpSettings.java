package io.uringhttpd.http;

/**
 * What the HTTP core needs from the configuration.
 *
 * @param rangesPerRequestMax more ranges than this in one Range header: the whole representation
 *        is sent instead (200), which defeats range amplification (CVE-2011-3192)
 * @param serverHeaderValue value of the Server header, e.g. "uring-httpd/0.1.0"
 */
public record HttpSettings(int requestLineBytesMax, int headerSectionBytesMax, int headerCountMax,
                           int rangesPerRequestMax, byte[] serverHeaderValue) {

    public HttpLimits limits() {
        return new HttpLimits(requestLineBytesMax, headerSectionBytesMax, headerCountMax);
    }
}
