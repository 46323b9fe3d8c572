package io.uringhttpd.files;

import static io.uringhttpd.sys.EpollConstants.EPOLLIN;
import static io.uringhttpd.sys.EpollConstants.EPOLL_CLOEXEC;
import static io.uringhttpd.sys.EpollConstants.EPOLL_CTL_ADD;

import io.uringhttpd.sys.Errno;
import io.uringhttpd.sys.Syscalls;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inotify fds of one loop's file services (one per site) as the one fd the loop waits on. With a
 * single service that is its own fd; with several, an epoll instance holding them all (level-triggered),
 * which is readable while any of them is (epoll(7): an epoll fd can itself be polled), so neither engine
 * needs to know how many sites there are. {@link #drain} reads every service's queue.
 */
public final class FileEventSet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileEventSet.class);

    private final List<FileService> services;
    private final Syscalls sys;
    private final int fd;
    private final boolean owned;

    /** @param sys the loop's Syscalls (the services' own) */
    public FileEventSet(List<FileService> services, Syscalls sys) {
        this.services = List.copyOf(services);
        this.sys = sys;
        int single = -1;
        int watched = 0;
        for (FileService s : services) {
            if (s.fileEventsFd() >= 0) {
                single = s.fileEventsFd();
                watched++;
            }
        }
        if (watched <= 1) {
            fd = single;
            owned = false;
            return;
        }
        int epfd = sys.epollCreate1(EPOLL_CLOEXEC);
        if (epfd < 0) {
            log.warn("epoll_create1 for the file events of {} sites failed ({}): changes are seen by revalidation",
                    watched, Errno.describe(-epfd));
            fd = -1;
            owned = false;
            return;
        }
        for (FileService s : services) {
            int inotify = s.fileEventsFd();
            if (inotify >= 0) {
                int r = sys.epollCtl(epfd, EPOLL_CTL_ADD, inotify, EPOLLIN, inotify);
                if (r < 0) {
                    log.warn("epoll_ctl of an inotify fd failed: {}", Errno.describe(-r));
                }
            }
        }
        fd = epfd;
        owned = true;
    }

    /** The fd to wait on for readability, or -1. */
    public int fd() {
        return fd;
    }

    /** Drains the queued events of every service; returns the events read. */
    public int drain() {
        int events = 0;
        for (int i = 0; i < services.size(); i++) {
            events += services.get(i).onFileEvents();
        }
        return events;
    }

    @Override
    public void close() {
        if (owned) {
            sys.close(fd);
        }
    }
}
