package io.uringhttpd.sys;

/**
 * inotify(7): include/uapi/linux/inotify.h (kernel >= 2.6.13; IN_EXCL_UNLINK 2.6.36), checked
 * against Debian 12's sys/inotify.h.
 */
public final class InotifyConstants {
    /** File was modified (write, truncate). */
    public static final int IN_MODIFY = 0x0000_0002;
    /** Metadata changed: permissions, timestamps, link count (so an unlink of a hard link too). */
    public static final int IN_ATTRIB = 0x0000_0004;
    /** A file opened for writing was closed. */
    public static final int IN_CLOSE_WRITE = 0x0000_0008;
    /** Renamed out of the watched directory (the name is the old one). */
    public static final int IN_MOVED_FROM = 0x0000_0040;
    /** Renamed into the watched directory (also a rename that replaces a name). */
    public static final int IN_MOVED_TO = 0x0000_0080;
    public static final int IN_CREATE = 0x0000_0100;
    public static final int IN_DELETE = 0x0000_0200;
    /** The watched directory itself was deleted (then IN_IGNORED). */
    public static final int IN_DELETE_SELF = 0x0000_0400;
    /** The watched directory itself was renamed. */
    public static final int IN_MOVE_SELF = 0x0000_0800;

    /** The file system holding the watched directory was unmounted (then IN_IGNORED). */
    public static final int IN_UNMOUNT = 0x0000_2000;
    /** Events were lost: the queue held fs.inotify.max_queued_events. wd is -1. */
    public static final int IN_Q_OVERFLOW = 0x0000_4000;
    /** The watch is gone: removed by inotify_rm_watch, or its directory deleted or unmounted. */
    public static final int IN_IGNORED = 0x0000_8000;

    /** inotify_add_watch: fail with ENOTDIR unless the path is a directory. */
    public static final int IN_ONLYDIR = 0x0100_0000;
    /** No events for children once they are unlinked from the watched directory (Linux 2.6.36). */
    public static final int IN_EXCL_UNLINK = 0x0400_0000;
    /** In an event's mask: the subject is a directory. */
    public static final int IN_ISDIR = 0x4000_0000;

    /** inotify_init1 flags: = O_NONBLOCK, O_CLOEXEC. */
    public static final int IN_NONBLOCK = 0x800;
    public static final int IN_CLOEXEC = 0x8_0000;

    /** poll(2)'s POLLIN, for IORING_OP_POLL_ADD on the inotify fd. */
    public static final int POLLIN = 0x1;

    private InotifyConstants() {
    }
}
