package io.uringhttpd.sys;

import java.util.function.ObjLongConsumer;

/**
 * Calls made through one {@link Syscalls}, counted at the call site (failed calls included):
 * free, and the figure to export as a metric.
 *
 * <p>Plain fields with one writer, the owning loop thread. A metrics thread may read them
 * racily: values can be slightly stale, never torn (HotSpot on x86_64 writes a long with one
 * instruction).
 */
public final class SyscallCounts {
    public long socket;
    public long setsockopt;
    public long getsockopt;
    public long bind;
    public long listen;
    public long getsockname;
    public long getpeername;
    public long accept4;
    public long shutdown;
    public long close;
    public long epollCreate1;
    public long epollCtl;
    public long epollWait;
    public long eventfd;
    public long read;
    public long recv;
    public long write;
    public long writev;
    public long send;
    public long sendfile;
    public long pread;
    public long openat;
    public long openat2;
    public long statx;
    public long ioUringSetup;
    public long ioUringEnter;
    public long ioUringRegister;
    public long mmap;
    public long munmap;
    public long madvise;
    public long pipe2;
    public long splice;
    public long fcntl;
    public long getrusage;
    public long inotifyInit1;
    public long inotifyAddWatch;
    public long inotifyRmWatch;
    public long statfs;

    /**
     * Name/value pairs under the C names ("epoll_wait", "sendfile"), for export at setup time.
     * strace and perf show recv, send and pread as recvfrom, sendto and pread64: the libc
     * functions used here are thin wrappers of those syscalls.
     */
    public void forEach(ObjLongConsumer<String> sink) {
        sink.accept("socket", socket);
        sink.accept("setsockopt", setsockopt);
        sink.accept("getsockopt", getsockopt);
        sink.accept("bind", bind);
        sink.accept("listen", listen);
        sink.accept("getsockname", getsockname);
        sink.accept("getpeername", getpeername);
        sink.accept("accept4", accept4);
        sink.accept("shutdown", shutdown);
        sink.accept("close", close);
        sink.accept("epoll_create1", epollCreate1);
        sink.accept("epoll_ctl", epollCtl);
        sink.accept("epoll_wait", epollWait);
        sink.accept("eventfd", eventfd);
        sink.accept("read", read);
        sink.accept("recv", recv);
        sink.accept("write", write);
        sink.accept("writev", writev);
        sink.accept("send", send);
        sink.accept("sendfile", sendfile);
        sink.accept("pread", pread);
        sink.accept("openat", openat);
        sink.accept("openat2", openat2);
        sink.accept("statx", statx);
        sink.accept("io_uring_setup", ioUringSetup);
        sink.accept("io_uring_enter", ioUringEnter);
        sink.accept("io_uring_register", ioUringRegister);
        sink.accept("mmap", mmap);
        sink.accept("munmap", munmap);
        sink.accept("madvise", madvise);
        sink.accept("pipe2", pipe2);
        sink.accept("splice", splice);
        sink.accept("fcntl", fcntl);
        sink.accept("getrusage", getrusage);
        sink.accept("inotify_init1", inotifyInit1);
        sink.accept("inotify_add_watch", inotifyAddWatch);
        sink.accept("inotify_rm_watch", inotifyRmWatch);
        sink.accept("statfs", statfs);
    }

    public long total() {
        long[] sum = new long[1];
        forEach((name, value) -> sum[0] += value);
        return sum[0];
    }
}
