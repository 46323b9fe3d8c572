package io.uringhttpd.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The table and LRU list against a HashMap model, with few distinct hashes so probe runs wrap and collide. */
class OpenFileCacheTest {
    private static FileEntry entry(String key, int hash) {
        return new FileEntry(null, key.getBytes(StandardCharsets.UTF_8), hash, FileService.NOT_FOUND, 0);
    }

    @Test
    void randomOperationsMatchAModel() {
        SplittableRandom r = new SplittableRandom(42);
        OpenFileCache cache = new OpenFileCache(64);
        Map<String, FileEntry> model = new HashMap<>();
        List<String> order = new ArrayList<>(); // LRU order, most recent last
        for (int step = 0; step < 200_000; step++) {
            String key = "/k" + r.nextInt(200);
            byte[] kb = key.getBytes(StandardCharsets.UTF_8);
            int hash = r.nextBoolean() ? OpenFileCache.hash(kb, kb.length) : (key.hashCode() & 7) * 0x1111_1111;
            FileEntry existing = model.get(key);
            // hash choice must be stable per key: derive it from the stored entry when present
            if (existing != null) hash = existing.hash;
            FileEntry found = cache.get(kb, kb.length, hash);
            assertThat(found).isSameAs(existing);
            int op = r.nextInt(3);
            if (existing == null) {
                if (cache.isFull()) {
                    FileEntry eldest = cache.eldest();
                    assertThat(new String(eldest.key, StandardCharsets.UTF_8)).isEqualTo(order.getFirst());
                    cache.remove(eldest);
                    model.remove(order.removeFirst());
                }
                FileEntry e = entry(key, hash);
                cache.put(e);
                model.put(key, e);
                order.add(key);
            } else if (op == 0) {
                cache.remove(existing);
                assertThat(existing.cached).isFalse();
                model.remove(key);
                order.remove(key);
            } else {
                cache.touch(existing);
                order.remove(key);
                order.add(key);
            }
            assertThat(cache.size()).isEqualTo(model.size());
        }
        for (Map.Entry<String, FileEntry> e : model.entrySet()) {
            byte[] kb = e.getKey().getBytes(StandardCharsets.UTF_8);
            assertThat(cache.get(kb, kb.length, e.getValue().hash)).isSameAs(e.getValue());
        }
        List<FileEntry> cleared = new ArrayList<>();
        cache.clear(cleared::add);
        assertThat(cleared).hasSize(model.size());
        assertThat(cache.size()).isZero();
        assertThat(cache.eldest()).isNull();
    }

    @Test
    void lookupHonoursLength() {
        OpenFileCache cache = new OpenFileCache(4);
        byte[] k = "/a.txt".getBytes(StandardCharsets.UTF_8);
        FileEntry e = entry("/a.txt", OpenFileCache.hash(k, k.length));
        cache.put(e);
        byte[] longer = "/a.txtXYZ".getBytes(StandardCharsets.UTF_8);
        assertThat(cache.get(longer, 6, OpenFileCache.hash(longer, 6))).isSameAs(e);
        assertThat(cache.get(longer, 7, OpenFileCache.hash(longer, 7))).isNull();
    }
}
