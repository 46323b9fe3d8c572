package io.uringhttpd.files;

/**
 * How symbolic links met while resolving a request path are treated. Enforced by the kernel through
 * openat2(2) resolve flags (Linux >= 5.6), so there is no userspace realpath check to race against.
 */
public enum SymlinkPolicy {
    /**
     * RESOLVE_BENEATH: links are followed while they stay inside the root; a link (or {@code ..}) that would
     * leave it fails with EXDEV and is answered 403.
     */
    INSIDE_ROOT,
    /** Links are followed anywhere (the administrator vouches for them). {@code ..} is still never accepted. */
    FOLLOW,
    /** RESOLVE_NO_SYMLINKS: any symlink in the path fails with ELOOP and is answered 403. */
    REFUSE
}
