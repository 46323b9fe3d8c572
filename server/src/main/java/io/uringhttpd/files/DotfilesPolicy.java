package io.uringhttpd.files;

/** What happens to a request whose path has a segment starting with '.' ({@code /.git/config}, {@code /a/.env}). */
public enum DotfilesPolicy {
    /** 404, decided from the path bytes before any syscall; listings hide such names. */
    DENY,
    /** Served like any other file. */
    ALLOW
}
