package io.uringhttpd.files;

/**
 * Out-parameter of {@link FileService#open}: one instance per connection (or per loop), reused, so a lookup
 * returns an int status and the entry without allocating a result object.
 */
public final class FileLookup {
    /** On FOUND: a retained entry the caller must {@link FileEntry#release()}; otherwise null. */
    public FileEntry entry;
}
