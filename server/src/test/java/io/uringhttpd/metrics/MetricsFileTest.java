package io.uringhttpd.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.uringhttpd.sys.Processes;
import io.uringhttpd.sys.Syscalls;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The slots in shared memory: what a loop publishes is what the master reads, whole. */
class MetricsFileTest {
    private static final int COUNTERS = MetricsSchema.COUNTERS.size();
    private static final int GAUGES = MetricsSchema.GAUGES.size();

    private static long[][] buckets(long value) {
        long[][] b = new long[MetricsSchema.HISTOGRAMS.size()][];
        for (int h = 0; h < b.length; h++) {
            b[h] = new long[MetricsSchema.HISTOGRAMS.get(h).bucketCount()];
            Arrays.fill(b[h], value);
        }
        return b;
    }

    private static long[] filled(int n, long value) {
        long[] a = new long[n];
        Arrays.fill(a, value);
        return a;
    }

    @Test
    void aPublishedSlotReadsBackWithItsOwner() throws Exception {
        try (MetricsFile file = MetricsFile.create(4)) {
            assertThat(file.read(2)).as("never claimed").isNull();
            MetricsFile.SlotWriter writer = file.claim(2, 1, 0, "io_uring");
            long[] counters = new long[COUNTERS];
            counters[MetricsSchema.REQUESTS_2XX] = 1234;
            counters[MetricsSchema.SYSCALLS_FIRST + MetricsSchema.SYSCALL_NAMES.indexOf("io_uring_enter")] = 99;
            long[] gauges = new long[GAUGES];
            gauges[MetricsSchema.CONNECTIONS_ACTIVE] = 64;
            long[][] buckets = buckets(0);
            buckets[MetricsSchema.REQUEST_DURATION][3] = 1234;
            double[] sums = new double[MetricsSchema.HISTOGRAMS.size()];
            sums[MetricsSchema.REQUEST_DURATION] = 0.125;
            writer.publish(counters, gauges, buckets, sums, false);

            SlotSnapshot s = file.read(2);
            assertThat(s.slot()).isEqualTo(2);
            assertThat(s.incarnation()).isEqualTo(1);
            assertThat(s.workerIndex()).isEqualTo(1);
            assertThat(s.loopIndex()).isZero();
            assertThat(s.engine()).isEqualTo("io_uring");
            assertThat(s.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(s.tid()).isEqualTo(Processes.gettid());
            assertThat(s.live()).isTrue();
            assertThat(s.counters()).isEqualTo(counters);
            assertThat(s.gauges()).isEqualTo(gauges);
            assertThat(s.histogramBuckets()).isDeepEqualTo(buckets);
            assertThat(s.histogramSums()).containsExactly(sums);
            assertThat(file.read(1)).isNull();

            writer.publish(counters, gauges, buckets, sums, true);
            assertThat(file.read(2).live()).as("the final publish").isFalse();

            // A respawned loop claims the slot again: a new incarnation, from zero.
            file.claim(2, 1, 0, "epoll");
            SlotSnapshot again = file.read(2);
            assertThat(again.incarnation()).isEqualTo(2);
            assertThat(again.engine()).isEqualTo("epoll");
            assertThat(again.counters()).containsOnly(0L);
            assertThat(again.live()).isTrue();
        }
    }

    @Test
    void theSitesALoopClaimedForReadBackWithTheirRequests() throws Exception {
        try (MetricsFile file = MetricsFile.create(2)) {
            String longest = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61);
            List<String> sites = List.of(MetricsSchema.DEFAULT_SITE, "*.b.test", "ünïcode.test", longest);
            MetricsFile.SlotWriter w = file.claim(1, 0, 0, "epoll", sites);
            SlotSnapshot fresh = file.read(1);
            assertThat(fresh.siteNames()).containsExactlyElementsOf(sites);
            assertThat(fresh.siteRequests()).containsExactly(0, 0, 0, 0);
            w.publish(new long[COUNTERS], new long[GAUGES], buckets(0), new double[MetricsSchema.HISTOGRAMS.size()],
                    new long[] {5, 0, 7, 1L << 40}, false);
            SlotSnapshot s = file.read(1);
            assertThat(s.siteNames()).containsExactlyElementsOf(sites);
            assertThat(s.siteRequests()).containsExactly(5, 0, 7, 1L << 40);
            assertThat(s.counters()).containsOnly(0L);
            assertThat(s.histogramSums()).containsOnly(0.0);

            // Reclaimed by a loop of a reloaded configuration with other sites: only those.
            file.claim(1, 0, 0, "epoll", List.of(MetricsSchema.DEFAULT_SITE));
            assertThat(file.read(1).siteNames()).containsExactly(MetricsSchema.DEFAULT_SITE);
            assertThat(file.read(1).siteRequests()).containsExactly(0);
            List<String> tooMany = java.util.Collections.nCopies(MetricsSchema.SITES_MAX + 1, "x");
            assertThatThrownBy(() -> file.claim(0, 0, 0, "epoll", tooMany)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aWorkerAttachesToTheInheritedFdAndNothingElse() throws Exception {
        try (MetricsFile file = MetricsFile.create(8)) {
            int dup = new Syscalls().fcntl(file.fd(), 1030 /* F_DUPFD_CLOEXEC */, 0);
            try (MetricsFile worker = MetricsFile.attach(dup, 8)) {
                worker.claim(5, 3, 1, "epoll").publish(filled(COUNTERS, 7), filled(GAUGES, 1), buckets(2),
                        new double[MetricsSchema.HISTOGRAMS.size()], false);
            }
            SlotSnapshot s = file.read(5);
            assertThat(s.workerIndex()).isEqualTo(3);
            assertThat(s.counters()).containsOnly(7L);
            int dup2 = new Syscalls().fcntl(file.fd(), 1030, 0);
            assertThatThrownBy(() -> MetricsFile.attach(dup2, 9)).isInstanceOf(IOException.class)
                    .hasMessageContaining("not a metrics file of this version");
            assertThatThrownBy(() -> file.read(8)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void aReaderNeverSeesAHalfPublishedSlot() throws Exception {
        try (MetricsFile file = MetricsFile.create(1)) {
            AtomicBoolean running = new AtomicBoolean(true);
            CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
                MetricsFile.SlotWriter w = file.claim(0, 0, 0, "epoll");
                long[] counters = new long[COUNTERS];
                long[] gauges = new long[GAUGES];
                long[][] buckets = buckets(0);
                double[] sums = new double[MetricsSchema.HISTOGRAMS.size()];
                long i = 0;
                while (running.get()) {
                    i++;
                    Arrays.fill(counters, i);
                    Arrays.fill(gauges, i);
                    for (long[] b : buckets) {
                        Arrays.fill(b, i);
                    }
                    Arrays.fill(sums, i);
                    w.publish(counters, gauges, buckets, sums, false);
                }
                return i;
            });
            long reads = 0;
            long distinct = 0;
            long previous = -1;
            // At least 500 ms of reading, longer (up to 10 s) until the writer has visibly moved:
            // on a loaded machine its thread may start late.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            long lastChance = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline || (distinct <= 2 && System.nanoTime() < lastChance)) {
                SlotSnapshot s = file.read(0);
                if (s == null) {
                    continue;
                }
                long v = s.counters()[0];
                assertThat(s.counters()).containsOnly(v);
                assertThat(s.gauges()).containsOnly(v);
                for (long[] b : s.histogramBuckets()) {
                    assertThat(b).containsOnly(v);
                }
                for (double d : s.histogramSums()) {
                    assertThat(d).isEqualTo((double) v);
                }
                assertThat(v).as("values never go back").isGreaterThanOrEqualTo(previous);
                distinct += v != previous ? 1 : 0;
                previous = v;
                reads++;
            }
            running.set(false);
            long published = writer.get(10, TimeUnit.SECONDS);
            assertThat(reads).isPositive();
            assertThat(distinct).as("the reader saw the writer progress").isGreaterThan(1);
            assertThat(published).isGreaterThan(distinct - 1);
        }
    }

    @Test
    void slotsAreCacheLineAligned() {
        assertThat(MetricsFile.SLOT_BYTES % 64).isZero();
        assertThat(MetricsFile.bytesFor(3)).isEqualTo(64 + 3L * MetricsFile.SLOT_BYTES);
        assertThat(List.of(MetricsSchema.COUNTERS.size(), MetricsSchema.GAUGES.size())).allMatch(n -> n > 0);
    }
}
