package io.uringhttpd.sys;

/**
 * An io_uring setup step failed (io_uring_setup, mmap of the rings, a registration). Setup
 * paths only: the hot path returns -errno. The message names the call, the errno and what
 * to do about it.
 */
public final class IoUringException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public IoUringException(String call, int errno) {
        super(call + " failed: " + Errno.describe(errno) + hint(errno));
        this.errno = errno < 0 ? -errno : errno;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /**
     * What an io_uring_setup errno usually means and what to do: "" when there is nothing
     * specific to say. Starts with "; " when not empty.
     */
    public static String hint(int errno) {
        int e = errno < 0 ? -errno : errno;
        return switch (e) {
            case Errno.EPERM -> "; io_uring is forbidden to this process: a container's seccomp profile "
                    + "(Docker >= 25 and containerd block io_uring_setup/enter/register: run with a profile "
                    + "that allows them) or kernel.io_uring_disabled (1: only CAP_SYS_ADMIN or "
                    + "kernel.io_uring_group; 2: nobody; sysctl -w kernel.io_uring_disabled=0)";
            case Errno.ENOSYS -> "; this kernel has no io_uring (older than 5.1, or built without "
                    + "CONFIG_IO_URING) or a sandbox (seccomp, gVisor) hides it: use engine = epoll";
            case Errno.ENOMEM -> "; kernels before 5.12 charge ring memory to RLIMIT_MEMLOCK: raise it "
                    + "(ulimit -l, systemd LimitMEMLOCK, docker --ulimit memlock=-1) or use fewer entries";
            case Errno.EINVAL -> "; the kernel does not know a requested flag or the entry count is above "
                    + IoUringConstants.IORING_MAX_ENTRIES + " (DEFER_TASKRUN needs SINGLE_ISSUER, kernel 6.1; "
                    + "NO_SQARRAY needs 6.6)";
            case Errno.EMFILE, Errno.ENFILE -> "; out of file descriptors: raise ulimit -n";
            case Errno.EEXIST -> "; SINGLE_ISSUER ring used from a thread other than its owner";
            default -> "";
        };
    }
}
