package io.uringhttpd.metrics;

/**
 * What the site rules of a loop answered, as the per-loop metrics read it on the loop's thread at
 * each publish (the HTTP core implements it).
 */
public interface RuleCounters {
    /** Requests answered by a later try-files element than the request path itself (e.g. an SPA's index). */
    long tryFilesFallbacks();

    /** Responses of a configured redirect. */
    long redirects();

    /** Error responses sent with a site's own error page. */
    long errorPages();

    /** Requests answered per site (site 0 the default), the live array: read it on the loop's thread only. */
    long[] siteRequests();
}
