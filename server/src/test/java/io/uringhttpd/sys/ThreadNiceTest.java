package io.uringhttpd.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** setpriority(2) on Linux changes the calling thread only: the others keep their nice value. */
class ThreadNiceTest {
    /** Field 19 of /proc/thread-self/stat (proc(5)), read after the ")" that ends the name. */
    private static int niceOfThisThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        int mine = niceOfThisThread();
        AtomicInteger seen = new AtomicInteger(Integer.MIN_VALUE);
        AtomicInteger rc = new AtomicInteger(Integer.MIN_VALUE);
        Thread t = Thread.ofPlatform().start(() -> {
            rc.set(ThreadNice.set(Math.min(19, mine + 10)));
            try {
                seen.set(niceOfThisThread());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.join();
        assertThat(rc.get()).isZero();
        assertThat(seen.get()).isEqualTo(Math.min(19, mine + 10));
        assertThat(niceOfThisThread()).as("the calling test thread is untouched").isEqualTo(mine);
    }
}
