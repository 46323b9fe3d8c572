package io.uringhttpd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.uringhttpd.metrics.MetricsSchema;
import org.junit.jupiter.api.Test;

class LoopHistogramTest {
    @Test
    void bucketsAreLessOrEqualAndTheLastIsInf() {
        LoopHistogram h = LoopHistogram.counts(MetricsSchema.HISTOGRAMS.get(MetricsSchema.EVENTS_PER_WAKEUP));
        h.observe(0);
        h.observe(1);
        h.observe(3);
        h.observe(4);
        h.observe(100_000);
        assertThat(h.buckets[0]).isEqualTo(1);   // le 0
        assertThat(h.buckets[1]).isEqualTo(1);   // le 1
        assertThat(h.buckets[3]).isEqualTo(2);   // le 4
        assertThat(h.buckets[h.buckets.length - 1]).isEqualTo(1);
        assertThat(h.count()).isEqualTo(5);
        assertThat(h.sum).isEqualTo(100_008);
    }

    @Test
    void durationsAreRecordedInNanosecondsAndPublishedInSeconds() {
        LoopHistogram h = LoopHistogram.seconds(MetricsSchema.HISTOGRAMS.get(MetricsSchema.REQUEST_DURATION));
        h.observe(10_000);      // exactly 10 µs: the first bucket (le 1e-5)
        h.observe(10_001);
        assertThat(h.buckets[0]).isEqualTo(1);
        assertThat(h.buckets[1]).isEqualTo(1);
        assertThat(h.sum * h.scale).isCloseTo(20.001e-6, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void pipelinedResponsesHandedOverTogetherCountOnceEach() {
        LoopHistogram h = LoopHistogram.seconds(MetricsSchema.HISTOGRAMS.get(MetricsSchema.REQUEST_DURATION));
        h.observe(30_000, 16); // 16 responses, 30 µs after their first byte: le 5e-5
        assertThat(h.buckets[2]).isEqualTo(16);
        assertThat(h.count()).isEqualTo(16);
        assertThat(h.sum).isEqualTo(16 * 30_000L);
    }
}
