package io.uringhttpd.files;

import java.util.Arrays;

/**
 * Path bytes -> {@link FileEntry}: an open-addressing hash table (linear probing, load factor <= 0.5,
 * backward-shift deletion so there are no tombstones to clean up) plus an intrusive doubly linked LRU list
 * threaded through the entries. A lookup with {@code (byte[] path, int len)} allocates nothing.
 *
 * <p>Bookkeeping only: closing fds is the {@link FileService}'s job. Single-threaded.
 */
final class OpenFileCache {
    private final FileEntry[] slots;
    private final int mask;
    private final int entriesMax;
    private int size;
    /** Most recently used. */
    private FileEntry head;
    /** Least recently used: the next victim. */
    private FileEntry tail;

    OpenFileCache(int entriesMax) {
        this.entriesMax = entriesMax;
        int capacity = Integer.highestOneBit(Math.max(4, entriesMax * 2) - 1) << 1;
        slots = new FileEntry[capacity];
        mask = capacity - 1;
    }

    /** FNV-1a over the path bytes, folded so the masked low bits depend on every byte. */
    static int hash(byte[] path, int len) {
        int h = 0x811c9dc5;
        for (int i = 0; i < len; i++) h = (h ^ (path[i] & 0xff)) * 0x01000193;
        return h ^ (h >>> 15);
    }

    int size() {
        return size;
    }

    int entriesMax() {
        return entriesMax;
    }

    boolean isFull() {
        return size >= entriesMax;
    }

    FileEntry get(byte[] path, int len, int hash) {
        FileEntry[] slots = this.slots;
        int mask = this.mask;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            FileEntry e = slots[i];
            if (e == null) return null;
            if (e.hash == hash && e.key.length == len && Arrays.equals(e.key, 0, len, path, 0, len)) return e;
        }
    }

    /** Adds an entry that is not in the table (the caller looked it up first) and makes it most recent. */
    void put(FileEntry e) {
        if (size >= entriesMax) throw new IllegalStateException("cache full: evict first");
        int i = e.hash & mask;
        while (slots[i] != null) i = (i + 1) & mask;
        slots[i] = e;
        size++;
        e.cached = true;
        linkFirst(e);
    }

    void touch(FileEntry e) {
        if (head == e) return;
        unlink(e);
        linkFirst(e);
    }

    /** The least recently used entry, or null when empty. */
    FileEntry eldest() {
        return tail;
    }

    void remove(FileEntry e) {
        FileEntry[] slots = this.slots;
        int mask = this.mask;
        int i = e.hash & mask;
        while (slots[i] != e) {
            if (slots[i] == null) throw new IllegalStateException("not in the cache: " + e);
            i = (i + 1) & mask;
        }
        // Backward-shift deletion (Knuth 6.4, algorithm R): pull later members of the probe run into the
        // hole unless their home slot lies cyclically in (hole, j].
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            int home = slots[j].hash & mask;
            boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays) {
                slots[i] = slots[j];
                i = j;
            }
        }
        slots[i] = null;
        size--;
        e.cached = false;
        unlink(e);
    }

    /** Empties the cache; every removed entry is passed to the sink (FileService closes the unreferenced). */
    void clear(java.util.function.Consumer<FileEntry> sink) {
        for (FileEntry e = head; e != null; ) {
            FileEntry next = e.lruNext;
            e.cached = false;
            e.lruPrev = e.lruNext = null;
            sink.accept(e);
            e = next;
        }
        Arrays.fill(slots, null);
        head = tail = null;
        size = 0;
    }

    private void linkFirst(FileEntry e) {
        e.lruPrev = null;
        e.lruNext = head;
        if (head != null) head.lruPrev = e;
        head = e;
        if (tail == null) tail = e;
    }

    private void unlink(FileEntry e) {
        if (e.lruPrev != null) e.lruPrev.lruNext = e.lruNext;
        else head = e.lruNext;
        if (e.lruNext != null) e.lruNext.lruPrev = e.lruPrev;
        else tail = e.lruPrev;
        e.lruPrev = e.lruNext = null;
    }
}
