package dev.picante.spring.jdbc;

import dev.picante.spring.jdbc.StoreFormat.ManifestSection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the records of a store's full save lie, kept in memory by the store that wrote or loaded the save, so
 * that the next save rewrites only the chunks that hold changed records (and writes new records into the
 * section's last chunk or new ones): per section its header (kind, types, code version, shape) and, per chunk
 * in order, its first record number, record count, size and CRC-32; per key, by a 64-bit hash of its encoded
 * bytes ({@link StoreFormat#keyHash}), the chunk that holds it, the revision its record last changed at and a
 * 64-bit digest of the dependencies the record names ({@link StoreFormat#dependencyDigest}), so that a derived
 * record only verified again since, with the same value and the same dependencies, need not be written; a
 * record recomputed to an equal value after an edit keeps its {@code changedAt} but names the edited
 * dependency's new one, and is written, else every load would distrust it. The digest is taken from the
 * encoded dependency list, so it is the same whether computed at save time or from the stored bytes at load.
 * Keys themselves are not kept: 28 bytes per slot of an open-addressing table at most half full, 56 to 112
 * bytes per record (40 to 80 without the digest). Two keys with the same hash are handled: the hash then names
 * every chunk that may hold either, and the save reads each to find the key by its bytes.
 *
 * <p>Not thread-safe; a save {@linkplain #copy copies} the index, changes the copy, and the store adopts the copy
 * only once the save committed.
 */
final class SaveIndex {

    /** A section's header, as its rows and the manifest record it. */
    record Header(String name, String kind, String keyType, String valueType, String codeVersion, String shape) {
    }

    /** A chunk of a section: the number of its first record, how many it holds, its size and its CRC-32. */
    record ChunkInfo(int firstRecordNo, int recordCount, int bytes, int crc) {
    }

    private final LinkedHashMap<String, SectionIndex> sections;

    SaveIndex() {
        this.sections = new LinkedHashMap<>();
    }

    private SaveIndex(LinkedHashMap<String, SectionIndex> sections) {
        this.sections = sections;
    }

    /** Returns a copy that shares the sections until {@link #edit} copies one. */
    SaveIndex copy() {
        return new SaveIndex(new LinkedHashMap<>(sections));
    }

    /** Returns the section named {@code name}, or null. Do not change it: use {@link #edit}. */
    @Nullable SectionIndex section(String name) {
        return sections.get(name);
    }

    /** Returns the section named {@code name} for changing (a copy owned by this index), or null. */
    @Nullable SectionIndex edit(String name) {
        SectionIndex s = sections.get(name);
        if (s == null) {
            return null;
        }
        if (s.owner != this) {
            s = s.copy(this);
            sections.put(name, s);
        }
        return s;
    }

    /** Adds an empty section. */
    SectionIndex add(Header header) {
        SectionIndex s = new SectionIndex(this, header);
        sections.put(header.name(), s);
        return s;
    }

    /** Returns how many records the sections hold. */
    long records() {
        long n = 0;
        for (SectionIndex s : sections.values()) {
            n += s.records();
        }
        return n;
    }

    /** Returns how many chunks the sections hold. */
    int chunks() {
        int n = 0;
        for (SectionIndex s : sections.values()) {
            n += s.chunks.size();
        }
        return n;
    }

    /** Returns the manifest's sections: per section its header, record count and chunk CRCs in order. */
    List<ManifestSection> manifest() {
        List<ManifestSection> out = new ArrayList<>(sections.size());
        for (SectionIndex s : sections.values()) {
            List<Integer> crcs = new ArrayList<>(s.chunks.size());
            for (ChunkInfo c : s.chunks) {
                crcs.add(c.crc());
            }
            Header h = s.header;
            out.add(new ManifestSection(h.name(), h.kind(), h.keyType(), h.valueType(), h.codeVersion(), h.shape(),
                    s.records(), crcs));
        }
        return out;
    }

    /** One section: its header, its chunks in order, and the chunk of each key hash. */
    static final class SectionIndex {

        private static final int[] NONE = new int[0];

        private final SaveIndex owner;
        final Header header;
        private final ArrayList<ChunkInfo> chunks;
        private final KeyTable keys;
        /** Hashes that name more than one chunk (different keys with the same hash), with those chunks. */
        private final HashMap<Long, int[]> shared;

        SectionIndex(SaveIndex owner, Header header) {
            this(owner, header, new ArrayList<>(), new KeyTable(), new HashMap<>());
        }

        private SectionIndex(SaveIndex owner, Header header, ArrayList<ChunkInfo> chunks, KeyTable keys,
                HashMap<Long, int[]> shared) {
            this.owner = owner;
            this.header = Objects.requireNonNull(header);
            this.chunks = chunks;
            this.keys = keys;
            this.shared = shared;
        }

        SectionIndex copy(SaveIndex newOwner) {
            HashMap<Long, int[]> sharedCopy = new HashMap<>();
            shared.forEach((h, c) -> sharedCopy.put(h, c.clone()));
            return new SectionIndex(newOwner, header, new ArrayList<>(chunks), keys.copy(), sharedCopy);
        }

        /** Returns the chunks in order. */
        List<ChunkInfo> chunks() {
            return java.util.Collections.unmodifiableList(chunks);
        }

        long records() {
            long n = 0;
            for (ChunkInfo c : chunks) {
                n += c.recordCount();
            }
            return n;
        }

        /** Returns the number one past the highest record number of the section's chunks. */
        int nextRecordNo() {
            int next = 0;
            for (ChunkInfo c : chunks) {
                next = Math.max(next, c.firstRecordNo() + c.recordCount());
            }
            return next;
        }

        /** Sets chunk {@code chunkNo}: replaces it, or adds it when it is the next one. */
        void putChunk(int chunkNo, ChunkInfo info) {
            if (chunkNo == chunks.size()) {
                chunks.add(info);
            } else {
                chunks.set(chunkNo, info);
            }
        }

        /**
         * Notes that chunk {@code chunkNo} holds the key with this hash, whose record last changed at revision
         * {@code changedAt} and names the dependencies of digest {@code dependencies}.
         */
        void putKey(long hash, int chunkNo, long changedAt, long dependencies) {
            int current = keys.get(hash);
            if (current == KeyTable.ABSENT || current == chunkNo) {
                keys.put(hash, chunkNo, changedAt, dependencies);
            } else if (current == KeyTable.SHARED) {
                int[] list = sharedChunks(hash);
                if (Arrays.stream(list).noneMatch(c -> c == chunkNo)) {
                    int[] longer = Arrays.copyOf(list, list.length + 1);
                    longer[list.length] = chunkNo;
                    shared.put(hash, longer);
                }
            } else {
                keys.put(hash, KeyTable.SHARED, UNKNOWN, 0);
                shared.put(hash, new int[] {current, chunkNo});
            }
        }

        /**
         * Returns whether the stored record of the key with this hash last changed at {@code changedAt} and names
         * the dependencies of digest {@code dependencies}; false when it does not, or is unknown (no such key, or
         * several keys with this hash).
         */
        boolean isSaved(long hash, long changedAt, long dependencies) {
            return changedAt != UNKNOWN && keys.matches(hash, changedAt, dependencies);
        }

        /**
         * Notes that the key with this hash moved from chunk {@code from} to {@code to} (a chunk split): a hash
         * that names several chunks keeps {@code from} as well, which costs a read, never a wrong answer.
         */
        void moveKey(long hash, int from, int to, long changedAt, long dependencies) {
            if (keys.get(hash) == from) {
                keys.put(hash, to, changedAt, dependencies);
            } else {
                putKey(hash, to, changedAt, dependencies);
            }
        }

        private int[] sharedChunks(long hash) {
            return shared.getOrDefault(hash, NONE);
        }

        /**
         * Calls {@code action} with each key hash, its chunk, changedAt and dependency digest (a shared hash once
         * per chunk, its changedAt {@link #UNKNOWN}).
         */
        void forEachKey(KeyConsumer action) {
            keys.forEach((hash, chunk, stamp, dependencies) -> {
                if (chunk == KeyTable.SHARED) {
                    for (int c : sharedChunks(hash)) {
                        action.accept(hash, c, UNKNOWN, 0);
                    }
                } else {
                    action.accept(hash, chunk, stamp, dependencies);
                }
            });
        }

        /** Returns the chunks that may hold the key with this hash: none, one, or several. */
        int[] candidates(long hash) {
            int c = keys.get(hash);
            if (c == KeyTable.ABSENT) {
                return NONE;
            }
            if (c == KeyTable.SHARED) {
                return sharedChunks(hash);
            }
            return new int[] {c};
        }
    }

    /** A changedAt that no record has: unknown. */
    static final long UNKNOWN = Long.MIN_VALUE;

    /** Receives a key hash, its chunk, its record's changedAt and the digest of its dependencies. */
    interface KeyConsumer {
        void accept(long hash, int chunk, long changedAt, long dependencies);
    }

    /**
     * An open-addressing map from a long hash to a non-negative int (or {@link #SHARED}), a long stamp and a long
     * digest: 28 bytes per slot, at most half the slots used.
     */
    static final class KeyTable {

        static final int ABSENT = -1;
        static final int SHARED = -2;

        private long[] hashes;
        private long[] stamps;
        private long[] digests;
        /** The value plus 3 (so 0 marks an empty slot, and {@link #SHARED} is 1). */
        private int[] values;
        private int size;

        KeyTable() {
            this(16);
        }

        private KeyTable(int capacity) {
            hashes = new long[capacity];
            stamps = new long[capacity];
            digests = new long[capacity];
            values = new int[capacity];
        }

        KeyTable copy() {
            KeyTable t = new KeyTable(0);
            t.hashes = hashes.clone();
            t.stamps = stamps.clone();
            t.digests = digests.clone();
            t.values = values.clone();
            t.size = size;
            return t;
        }

        int size() {
            return size;
        }

        int get(long hash) {
            int mask = hashes.length - 1;
            for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
                if (values[i] == 0) {
                    return ABSENT;
                }
                if (hashes[i] == hash) {
                    return values[i] - 3;
                }
            }
        }

        /** Returns whether the hash is present with a chunk (not {@link #SHARED}), this stamp and this digest. */
        boolean matches(long hash, long stamp, long digest) {
            int mask = hashes.length - 1;
            for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
                if (values[i] == 0) {
                    return false;
                }
                if (hashes[i] == hash) {
                    return values[i] - 3 >= 0 && stamps[i] == stamp && digests[i] == digest;
                }
            }
        }

        void put(long hash, int value, long stamp, long digest) {
            if ((size + 1) * 2 > hashes.length) {
                grow();
            }
            int mask = hashes.length - 1;
            for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
                if (values[i] == 0) {
                    hashes[i] = hash;
                    values[i] = value + 3;
                    stamps[i] = stamp;
                    digests[i] = digest;
                    size++;
                    return;
                }
                if (hashes[i] == hash) {
                    values[i] = value + 3;
                    stamps[i] = stamp;
                    digests[i] = digest;
                    return;
                }
            }
        }

        void forEach(KeyConsumer action) {
            for (int i = 0; i < hashes.length; i++) {
                if (values[i] != 0) {
                    action.accept(hashes[i], values[i] - 3, stamps[i], digests[i]);
                }
            }
        }

        private void grow() {
            long[] oldHashes = hashes;
            long[] oldStamps = stamps;
            long[] oldDigests = digests;
            int[] oldValues = values;
            hashes = new long[oldHashes.length * 2];
            stamps = new long[oldHashes.length * 2];
            digests = new long[oldHashes.length * 2];
            values = new int[oldHashes.length * 2];
            size = 0;
            for (int i = 0; i < oldHashes.length; i++) {
                if (oldValues[i] != 0) {
                    put(oldHashes[i], oldValues[i] - 3, oldStamps[i], oldDigests[i]);
                }
            }
        }

        private static int slot(long hash, int mask) {
            return (int) (hash ^ (hash >>> 32)) & mask;
        }
    }

    /** Returns the sections by name, in order. */
    Map<String, SectionIndex> sections() {
        return java.util.Collections.unmodifiableMap(sections);
    }

    /** Returns a copy of the map from section name to section, for tests. */
    Map<String, Integer> chunkCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        sections.forEach((name, s) -> out.put(name, s.chunks.size()));
        return out;
    }
}
