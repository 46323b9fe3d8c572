package io.uringhttpd.sys;

/**
 * Linux errno values (x86_64 and every other arch that uses the generic numbering).
 *
 * <p>Values mirror include/uapi/asm-generic/errno-base.h (1..34) and
 * include/uapi/asm-generic/errno.h (35..133); checked against Debian 12's
 * /usr/include/asm-generic/errno*.h with a C program on kernel 6.18. Every wrapper in
 * {@link Syscalls} returns {@code -errno} on failure, the same shape as io_uring's
 * {@code cqe.res}, so callers compare against {@code -Errno.EAGAIN} etc.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    /** No such process (kill, or a pid already reaped). */
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    /** waitpid: no such unwaited child. */
    public static final int ECHILD = 10;
    /** Also EWOULDBLOCK on Linux (same value). */
    public static final int EAGAIN = 11;
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    /** io_uring_enter: the CQ overflowed and completions wait in the kernel's backlog (fetch them, then enter again). */
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    /** openat2 RESOLVE_BENEATH/RESOLVE_NO_XDEV refusals come back as EXDEV (openat2(2)). */
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EPIPE = 32;
    /** getpwnam_r/getgrnam_r: the buffer is too small. */
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    /** Also what O_NOFOLLOW / RESOLVE_NO_SYMLINKS report for a symlink. */
    public static final int ELOOP = 40;
    /** io_uring_enter: completions were dropped (CQ overflow without memory for the backlog). */
    public static final int EBADR = 53;
    /** io_uring: a TIMEOUT fired, or io_uring_enter's wait timed out (IORING_ENTER_EXT_ARG). */
    public static final int ETIME = 62;
    public static final int EOVERFLOW = 75;
    public static final int ENOTSOCK = 88;
    /** Unknown socket option (e.g. one a kernel is too old for). */
    public static final int ENOPROTOOPT = 92;
    public static final int EOPNOTSUPP = 95;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ECANCELED = 125;

    private Errno() {
    }

    /**
     * The C name, e.g. {@code "ECONNRESET"}; accepts {@code -errno} too (a wrapper's result).
     * Unknown values give {@code "errno 999"} (allocates: for logs, not the hot path).
     */
    public static String name(int errno) {
        int e = errno < 0 ? -errno : errno;
        if (e < NAMES.length && NAMES[e] != null) {
            return NAMES[e];
        }
        return "errno " + e;
    }

    /** {@code "ECONNRESET (Connection reset by peer)"}, glibc's strerror text; accepts {@code -errno}. */
    public static String describe(int errno) {
        int e = errno < 0 ? -errno : errno;
        if (e < DESCRIPTIONS.length && DESCRIPTIONS[e] != null) {
            return NAMES[e] + " (" + DESCRIPTIONS[e] + ")";
        }
        return "errno " + e + " (Unknown error)";
    }

    // Generated from the headers above (aliases EWOULDBLOCK, EDEADLOCK, ENOTSUP omitted:
    // they share a number with EAGAIN, EDEADLK, EOPNOTSUPP) and glibc 2.36 strerror().
    private static final String[] NAMES = {
        null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
        "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
        "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG",
        "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG",
        "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", null, "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC",
        "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT", "EBADE", "EBADR", "EXFULL",
        "ENOANO", "EBADRQC", "EBADSLT", null, "EBFONT", "ENOSTR", "ENODATA", "ETIME", "ENOSR",
        "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP",
        "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD",
        "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK",
        "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT",
        "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE",
        "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET",
        "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED",
        "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM",
        "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED",
        "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD", "ENOTRECOVERABLE",
        "ERFKILL", "EHWPOISON",
    };
    private static final String[] DESCRIPTIONS = {
        null,
        "Operation not permitted", // 1
        "No such file or directory", // 2
        "No such process", // 3
        "Interrupted system call", // 4
        "Input/output error", // 5
        "No such device or address", // 6
        "Argument list too long", // 7
        "Exec format error", // 8
        "Bad file descriptor", // 9
        "No child processes", // 10
        "Resource temporarily unavailable", // 11
        "Cannot allocate memory", // 12
        "Permission denied", // 13
        "Bad address", // 14
        "Block device required", // 15
        "Device or resource busy", // 16
        "File exists", // 17
        "Invalid cross-device link", // 18
        "No such device", // 19
        "Not a directory", // 20
        "Is a directory", // 21
        "Invalid argument", // 22
        "Too many open files in system", // 23
        "Too many open files", // 24
        "Inappropriate ioctl for device", // 25
        "Text file busy", // 26
        "File too large", // 27
        "No space left on device", // 28
        "Illegal seek", // 29
        "Read-only file system", // 30
        "Too many links", // 31
        "Broken pipe", // 32
        "Numerical argument out of domain", // 33
        "Numerical result out of range", // 34
        "Resource deadlock avoided", // 35
        "File name too long", // 36
        "No locks available", // 37
        "Function not implemented", // 38
        "Directory not empty", // 39
        "Too many levels of symbolic links", // 40
        null, // 41
        "No message of desired type", // 42
        "Identifier removed", // 43
        "Channel number out of range", // 44
        "Level 2 not synchronized", // 45
        "Level 3 halted", // 46
        "Level 3 reset", // 47
        "Link number out of range", // 48
        "Protocol driver not attached", // 49
        "No CSI structure available", // 50
        "Level 2 halted", // 51
        "Invalid exchange", // 52
        "Invalid request descriptor", // 53
        "Exchange full", // 54
        "No anode", // 55
        "Invalid request code", // 56
        "Invalid slot", // 57
        null, // 58
        "Bad font file format", // 59
        "Device not a stream", // 60
        "No data available", // 61
        "Timer expired", // 62
        "Out of streams resources", // 63
        "Machine is not on the network", // 64
        "Package not installed", // 65
        "Object is remote", // 66
        "Link has been severed", // 67
        "Advertise error", // 68
        "Srmount error", // 69
        "Communication error on send", // 70
        "Protocol error", // 71
        "Multihop attempted", // 72
        "RFS specific error", // 73
        "Bad message", // 74
        "Value too large for defined data type", // 75
        "Name not unique on network", // 76
        "File descriptor in bad state", // 77
        "Remote address changed", // 78
        "Can not access a needed shared library", // 79
        "Accessing a corrupted shared library", // 80
        ".lib section in a.out corrupted", // 81
        "Attempting to link in too many shared libraries", // 82
        "Cannot exec a shared library directly", // 83
        "Invalid or incomplete multibyte or wide character", // 84
        "Interrupted system call should be restarted", // 85
        "Streams pipe error", // 86
        "Too many users", // 87
        "Socket operation on non-socket", // 88
        "Destination address required", // 89
        "Message too long", // 90
        "Protocol wrong type for socket", // 91
        "Protocol not available", // 92
        "Protocol not supported", // 93
        "Socket type not supported", // 94
        "Operation not supported", // 95
        "Protocol family not supported", // 96
        "Address family not supported by protocol", // 97
        "Address already in use", // 98
        "Cannot assign requested address", // 99
        "Network is down", // 100
        "Network is unreachable", // 101
        "Network dropped connection on reset", // 102
        "Software caused connection abort", // 103
        "Connection reset by peer", // 104
        "No buffer space available", // 105
        "Transport endpoint is already connected", // 106
        "Transport endpoint is not connected", // 107
        "Cannot send after transport endpoint shutdown", // 108
        "Too many references: cannot splice", // 109
        "Connection timed out", // 110
        "Connection refused", // 111
        "Host is down", // 112
        "No route to host", // 113
        "Operation already in progress", // 114
        "Operation now in progress", // 115
        "Stale file handle", // 116
        "Structure needs cleaning", // 117
        "Not a XENIX named type file", // 118
        "No XENIX semaphores available", // 119
        "Is a named type file", // 120
        "Remote I/O error", // 121
        "Disk quota exceeded", // 122
        "No medium found", // 123
        "Wrong medium type", // 124
        "Operation canceled", // 125
        "Required key not available", // 126
        "Key has expired", // 127
        "Key has been revoked", // 128
        "Key was rejected by service", // 129
        "Owner died", // 130
        "State not recoverable", // 131
        "Operation not possible due to RF-kill", // 132
        "Memory page has hardware error", // 133
    };
}
