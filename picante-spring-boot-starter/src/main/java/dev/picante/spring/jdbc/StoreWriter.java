package dev.picante.spring.jdbc;

import dev.picante.Inspector.IngredientInfo;
import dev.picante.persist.Section;
import dev.picante.persist.SectionKind;
import dev.picante.persist.StateImage;
import dev.picante.persist.StoredDependency;
import dev.picante.persist.StoredRecord;
import dev.picante.persist.StateImage.Checkpoint;
import dev.picante.spring.jdbc.SaveIndex.ChunkInfo;
import dev.picante.spring.jdbc.SaveIndex.Header;
import dev.picante.spring.jdbc.SaveIndex.SectionIndex;
import dev.picante.spring.jdbc.StoreFormat.EncodedDependency;
import dev.picante.spring.jdbc.StoreFormat.EncodedRecord;
import dev.picante.spring.jdbc.StoreFormat.EncodedSection;
import dev.picante.spring.jdbc.StoreFormat.LogEntry;
import dev.picante.spring.jdbc.StoreFormat.Manifest;
import dev.picante.spring.jdbc.StoreFormat.ManifestSection;
import dev.picante.spring.jdbc.StoreFormat.NumberedRecord;
import java.lang.reflect.Type;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The writing part of a {@link JdbcStateStore}: encodes images, writes full saves with their manifest, and
 * appends checksummed log entries at contiguous positions. Not thread-safe: the store serializes calls.
 */
final class StoreWriter {

    private static final Log logger = LogFactory.getLog(StoreWriter.class);

    private static final int BATCH_SIZE = 500;
    /** Chunks per JDBC batch of a full save: at most about 8 MB of parameters. */
    private static final int CHUNKS_PER_BATCH = 32;

    private final StoreContext ctx;
    private final StoreLease lease;
    private final Duration leaseTimeout;
    private final Set<String> checkedSections = new HashSet<>();

    StoreWriter(StoreContext ctx, StoreLease lease, Duration leaseTimeout) {
        this.ctx = ctx;
        this.lease = lease;
        this.leaseTimeout = leaseTimeout;
    }

    /** A chunk of a save's records, framed, to insert or to update in place. */
    record Chunk(String section, int chunkNo, int firstRecordNo, int recordCount, byte[] bytes, boolean update) {
    }

    /**
     * What a save wrote.
     *
     * @param saveId the new save's id
     * @param revision the revision the save holds
     * @param records how many records the save holds
     * @param bytes the encoded bytes of the records the save encoded: all of them for a full save, the changed
     *     ones (folded from the log and exported since the last append) for an incremental save
     * @param chunksWritten chunk rows inserted or updated
     * @param chunksKept chunk rows kept as they were
     * @param bytesWritten the bytes of the chunk rows written
     * @param logFolded log entries folded into the save (and deleted)
     * @param incremental whether only the chunks that hold changed records were written
     * @param peakBufferedBytes the most chunk bytes held in memory at once, waiting to be written
     * @param index where the save's records lie, for the next save
     */
    record Saved(long saveId, long revision, long records, long bytes, int chunksWritten, int chunksKept,
            long bytesWritten, int logFolded, boolean incremental, long peakBufferedBytes, SaveIndex index) {
    }

    /** The chunk rows a save writes, sent in JDBC batches of at most {@link #CHUNKS_PER_BATCH} rows or 8 MB. */
    private final class ChunkSink {

        private static final long BATCH_BYTES = 8L * 1024 * 1024;

        private final List<Chunk> pending = new ArrayList<>();
        private long pendingBytes;
        long peakBytes;
        int written;
        long bytesWritten;

        void add(Chunk chunk) {
            pending.add(chunk);
            pendingBytes += chunk.bytes().length;
            peakBytes = Math.max(peakBytes, pendingBytes);
            written++;
            bytesWritten += chunk.bytes().length;
            if (pending.size() >= CHUNKS_PER_BATCH || pendingBytes >= BATCH_BYTES) {
                flush();
            }
        }

        /** Forgets the chunks of {@code section} not written yet (a derived section left out). */
        void discard(String section) {
            for (java.util.Iterator<Chunk> it = pending.iterator(); it.hasNext();) {
                Chunk c = it.next();
                if (c.section().equals(section)) {
                    it.remove();
                    pendingBytes -= c.bytes().length;
                    written--;
                    bytesWritten -= c.bytes().length;
                }
            }
        }

        void flush() {
            List<Chunk> inserts = new ArrayList<>();
            List<Chunk> updates = new ArrayList<>();
            for (Chunk c : pending) {
                (c.update() ? updates : inserts).add(c);
            }
            if (!inserts.isEmpty()) {
                ctx.jdbc.batchUpdate("INSERT INTO PICANTE_RECORD_CHUNKS (STORE_NAME, SECTION_NAME, CHUNK_NO,"
                        + " FIRST_RECORD_NO, RECORD_COUNT, CHUNK) VALUES (?, ?, ?, ?, ?, ?)", inserts, CHUNKS_PER_BATCH,
                        (ps, c) -> {
                            ps.setString(1, ctx.name);
                            ps.setString(2, c.section());
                            ps.setInt(3, c.chunkNo());
                            ps.setInt(4, c.firstRecordNo());
                            ps.setInt(5, c.recordCount());
                            ps.setBytes(6, c.bytes());
                        });
            }
            if (!updates.isEmpty()) {
                ctx.jdbc.batchUpdate("UPDATE PICANTE_RECORD_CHUNKS SET FIRST_RECORD_NO = ?, RECORD_COUNT = ?, CHUNK = ?"
                        + " WHERE STORE_NAME = ? AND SECTION_NAME = ? AND CHUNK_NO = ?", updates, CHUNKS_PER_BATCH,
                        (ps, c) -> {
                            ps.setInt(1, c.firstRecordNo());
                            ps.setInt(2, c.recordCount());
                            ps.setBytes(3, c.bytes());
                            ps.setString(4, ctx.name);
                            ps.setString(5, c.section());
                            ps.setInt(6, c.chunkNo());
                        });
            }
            if (logger.isTraceEnabled()) {
                logger.trace("store '" + ctx.name + "': inserted " + inserts.size() + " and updated " + updates.size()
                        + " chunks");
            }
            pending.clear();
            pendingBytes = 0;
        }
    }

    /**
     * Packs a section's records into chunks as they come ({@link StoreFormat#startsNewChunk}), hands each full
     * chunk to the sink and notes it, and its keys, in the section's index.
     */
    private static final class Packer {

        private final SectionIndex index;
        private final ChunkSink sink;
        private final List<NumberedRecord> records = new ArrayList<>();
        private long bytes;
        private int nextRecordNo;

        Packer(SectionIndex index, ChunkSink sink, int firstRecordNo) {
            this.index = index;
            this.sink = sink;
            this.nextRecordNo = firstRecordNo;
        }

        void add(EncodedRecord record) {
            long size = StoreFormat.chunkedSize(record);
            if (StoreFormat.startsNewChunk(records.size(), bytes, size)) {
                finish();
            }
            records.add(new NumberedRecord(nextRecordNo++, record));
            bytes += size;
        }

        void finish() {
            if (records.isEmpty()) {
                return;
            }
            int chunkNo = index.chunks().size();
            byte[] frame = StoreFormat.writeChunk(records);
            int first = records.get(0).number();
            sink.add(new Chunk(index.header.name(), chunkNo, first, records.size(), frame, false));
            index.putChunk(chunkNo, new ChunkInfo(first, records.size(), frame.length, StoreFormat.chunkCrc(frame)));
            for (NumberedRecord r : records) {
                index.putKey(StoreFormat.keyHash(r.record().key()), chunkNo, r.record().changedAt(),
                        StoreFormat.dependencyDigest(r.record().dependencies()));
            }
            records.clear();
            bytes = 0;
        }
    }

    /** A total size over {@code picante.store.max-total-size}: fails the save, even in a derived section. */
    private static final class OverTotalSize extends PicanteStoreException {

        private static final long serialVersionUID = 1L;

        OverTotalSize(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- full save

    /**
     * Writes a full save in one transaction, encoding and writing chunk by chunk: at most a JDBC batch of
     * chunks (about 8 MB) is held in memory at once, whatever the size of the state. Returns what it wrote.
     */
    Saved save(StateImage image, Map<String, IngredientInfo> registry) {
        Saved saved = ctx.write("save", () -> ctx.writeTx.execute(status -> writeSave(image, registry)));
        return java.util.Objects.requireNonNull(saved, "save");
    }

    private Saved writeSave(StateImage image, Map<String, IngredientInfo> registry) {
        lease.checkWrite("save", leaseTimeout);
        Head current = lockHead();
        long newSaveId = current == null ? 1 : current.saveId() + 1;
        long generation = lease.generation();
        // The metadata row first (the section rows reference it); its manifest once every chunk is written.
        writeMetadata(current == null, newSaveId, image.revision(), image.checkpoint(), null, generation);
        Integer folded = ctx.jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_LOG WHERE STORE_NAME = ?",
                Integer.class, ctx.name);
        ctx.jdbc.update("DELETE FROM PICANTE_LOG WHERE STORE_NAME = ?", ctx.name);
        ctx.jdbc.update("DELETE FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ?", ctx.name);
        // Rows of a store last saved in format 1.
        ctx.jdbc.update("DELETE FROM PICANTE_RECORDS WHERE STORE_NAME = ?", ctx.name);
        ctx.jdbc.update("DELETE FROM PICANTE_SECTIONS WHERE STORE_NAME = ?", ctx.name);
        SaveIndex index = new SaveIndex();
        ChunkSink sink = new ChunkSink();
        long[] total = {0};
        for (Section section : image.sections()) {
            boolean derived = section.kind() == SectionKind.DERIVED;
            if (derived && !ctx.types.isPersisted(section.ingredient())) {
                continue;
            }
            String what = section.kind().name().toLowerCase(Locale.ROOT) + " '" + section.ingredient() + "'";
            try {
                writeSection(section, what, registry, index, sink, total, image.revision());
            } catch (PicanteStoreException e) {
                if (!derived || e instanceof OverTotalSize) {
                    throw e;
                }
                // A derived result is a cache: leave the section out rather than fail the whole save.
                sink.discard(section.ingredient());
                ctx.jdbc.update("DELETE FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ? AND SECTION_NAME = ?", ctx.name,
                        section.ingredient());
                ctx.jdbc.update("DELETE FROM PICANTE_SECTIONS WHERE STORE_NAME = ? AND SECTION_NAME = ?", ctx.name,
                        section.ingredient());
                index = withoutSection(index, section.ingredient());
                logger.warn("picante store '" + ctx.name + "': " + what + " left out of this save: "
                        + e.getMessage());
            }
        }
        sink.flush();
        writeManifest(newSaveId, image.revision(), generation, index);
        return new Saved(newSaveId, image.revision(), index.records(), total[0], sink.written, 0, sink.bytesWritten,
                folded == null ? 0 : folded, false, sink.peakBytes, index);
    }

    private static SaveIndex withoutSection(SaveIndex index, String name) {
        SaveIndex out = new SaveIndex();
        for (Map.Entry<String, SectionIndex> e : index.sections().entrySet()) {
            if (!e.getKey().equals(name)) {
                SectionIndex s = out.add(e.getValue().header);
                List<ChunkInfo> chunks = e.getValue().chunks();
                for (int c = 0; c < chunks.size(); c++) {
                    s.putChunk(c, chunks.get(c));
                }
                e.getValue().forEachKey(s::putKey);
            }
        }
        return out;
    }

    /** Encodes a section record by record into chunks, inserting its row and its chunks. */
    private void writeSection(Section section, String what, Map<String, IngredientInfo> registry, SaveIndex index,
            ChunkSink sink, long[] total, long revision) {
        Header header = header(section, what);
        insertSection(header);
        Type keyType = ctx.types.keyType(section.ingredient(), section.keyType());
        Type valueType = ctx.types.valueType(section.ingredient(), section.valueType());
        Packer packer = new Packer(index.add(header), sink, 0);
        for (StoredRecord record : section.records()) {
            EncodedRecord encoded = encodeRecord(record, encodeValue(what, "key", record.key(), keyType),
                    encodeDependencies(record, what, registry), what, valueType);
            total[0] += encoded.size();
            if (total[0] > ctx.maxTotalSize) {
                throw new OverTotalSize(overTotal(total[0], "full save at revision " + revision));
            }
            packer.add(encoded);
        }
        packer.finish();
    }

    private void insertSection(Header h) {
        ctx.jdbc.update("INSERT INTO PICANTE_SECTIONS (STORE_NAME, SECTION_NAME, KIND, KEY_TYPE, VALUE_TYPE,"
                + " CODE_VERSION, SHAPE) VALUES (?, ?, ?, ?, ?, ?, ?)", ctx.name, h.name(), h.kind(), h.keyType(),
                h.valueType(), h.codeVersion(), h.shape());
    }

    /** Inserts or updates the metadata row: the save's id, revision, checkpoint, manifest and generation. */
    private void writeMetadata(boolean insert, long saveId, long revision, Checkpoint checkpoint,
            byte @Nullable [] manifest, long generation) {
        byte[] checkpointBytes = StoreFormat.writeCheckpoint(checkpoint);
        Timestamp now = Timestamp.from(Instant.now());
        if (insert) {
            ctx.jdbc.update("INSERT INTO PICANTE_METADATA (STORE_NAME, FORMAT_VERSION, SAVE_ID, REVISION, CHECKPOINT,"
                    + " SAVED_AT, MANIFEST, LOG_POSITION, GENERATION) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)", ctx.name,
                    StoreFormat.FORMAT_VERSION, saveId, revision, checkpointBytes, now, manifest, generation);
        } else {
            ctx.jdbc.update("UPDATE PICANTE_METADATA SET FORMAT_VERSION = ?, SAVE_ID = ?, REVISION = ?, CHECKPOINT = ?,"
                    + " SAVED_AT = ?, MANIFEST = ?, LOG_POSITION = 0, GENERATION = ? WHERE STORE_NAME = ?",
                    StoreFormat.FORMAT_VERSION, saveId, revision, checkpointBytes, now, manifest, generation, ctx.name);
        }
    }

    private void writeManifest(long saveId, long revision, long generation, SaveIndex index) {
        byte[] manifest = StoreFormat.writeManifest(new Manifest(saveId, revision, generation, index.manifest()));
        ctx.jdbc.update("UPDATE PICANTE_METADATA SET MANIFEST = ? WHERE STORE_NAME = ?", manifest, ctx.name);
    }

    // ---------------------------------------------------------------- incremental save

    /** A record key's bytes, compared by content. */
    private record ByteKey(byte[] bytes, long hash) {

        ByteKey(byte[] bytes) {
            this(bytes, StoreFormat.keyHash(bytes));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && k.hash == hash && java.util.Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(hash);
        }

        @Override
        public String toString() {
            return "ByteKey[" + bytes.length + " bytes]";
        }
    }

    /** The changed records of one section, folded: the last record of each key wins. */
    private static final class Fold {
        final Header header;
        final LinkedHashMap<ByteKey, EncodedRecord> records = new LinkedHashMap<>();

        Fold(Header header) {
            this.header = header;
        }
    }

    /** Why an incremental save did not happen (and a full save is made instead). */
    static final class NotIncremental extends RuntimeException {

        private static final long serialVersionUID = 1L;

        NotIncremental(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Makes a save that writes only what changed since the store's last save: folds the log of save
     * {@code saveId} (its entries up to {@code head}, verified) and {@code changes} (exported since the last
     * append) into the chunks that hold those records, rewriting those chunks in place, writing new records into
     * the section's last chunk or new ones, keeping every other chunk as it is, deleting the log, and writing a
     * new manifest, in one transaction. Costs what changed (and the chunks it falls in), not the state's size.
     *
     * <p>A derived record whose value has not changed since it was saved (the same {@code changedAt}: it was
     * only verified again, or recomputed to an equal value) and that names the same dependencies (their keys and
     * {@code changedAt}, by {@link StoreFormat#dependencyDigest}) is not written: the saved one stays, and a load
     * verifies it again when it is first read. One recomputed to an equal value after an edit of what it read
     * names that dependency's new {@code changedAt}: it is written, once, else every load would distrust the
     * saved record and compute it again. When nothing else is new and the log is empty (or
     * {@code onlyIfChanged}), nothing is written and null returned.
     *
     * @throws NotIncremental (nothing written) if it cannot: the store's save or log head is not
     *     {@code saveId}/{@code head}, a log entry or a chunk to rewrite does not match its checksum, or a
     *     section's kind, types, code version or shape changed; the caller makes a full save then
     */
    @Nullable Saved saveChanges(SaveIndex base, long saveId, long head, StateImage changes,
            Map<String, IngredientInfo> registry, boolean onlyIfChanged) {
        List<EncodedSection> fresh = encode(changes, registry, base);
        if ((head == 0 || onlyIfChanged) && fresh.stream().allMatch(s -> s.records().isEmpty())) {
            return null; // only derived results verified again, with the values saved: nothing to write
        }
        // Everything that can refuse is read and checked before the first write, and a refusal leaves the
        // transaction normally (it may be part of a caller's transaction, which must not be marked rollback-only).
        Object outcome = ctx.write("save", () -> ctx.writeTx.execute(status -> {
            try {
                return writeChanges(base, saveId, head, changes, fresh);
            } catch (NotIncremental e) {
                return e;
            }
        }));
        if (outcome instanceof NotIncremental e) {
            throw e;
        }
        return (Saved) java.util.Objects.requireNonNull(outcome, "save");
    }

    private Saved writeChanges(SaveIndex base, long saveId, long head, StateImage changes,
            List<EncodedSection> fresh) {
        lease.checkWrite("save", leaseTimeout);
        Head current = lockHead();
        if (current == null || current.saveId() != saveId || current.logPosition() != head
                || current.format() < StoreFormat.FORMAT_CHECKED) {
            throw new NotIncremental("the store's full save or log head is not the one this instance made or loaded");
        }
        List<LogEntry> log = readLog(saveId, head);
        Map<String, Fold> folds = new LinkedHashMap<>();
        long revision = changes.revision();
        long bytes = 0;
        for (LogEntry entry : log) {
            revision = Math.max(revision, entry.revision());
            bytes += fold(folds, entry.sections());
        }
        bytes += fold(folds, fresh);
        for (Fold f : folds.values()) {
            SectionIndex stored = base.section(f.header.name());
            if (stored != null && f.header.kind().equals(SectionKind.DERIVED.name())) {
                // Left out only when the saved record has this changedAt and names these dependencies: a value
                // recomputed equal after an edit keeps its changedAt but names the edited dependency's new one.
                f.records.entrySet().removeIf(e -> stored.isSaved(e.getKey().hash(), e.getValue().changedAt(),
                        StoreFormat.dependencyDigest(e.getValue().dependencies())));
            }
        }
        SaveIndex next = base.copy();
        // First read and check what to rewrite (nothing is written yet), then write.
        List<SectionIndex> targets = new ArrayList<>();
        List<java.util.TreeMap<Integer, List<NumberedRecord>>> plans = new ArrayList<>();
        List<Boolean> added = new ArrayList<>();
        for (Fold f : folds.values()) {
            if (f.records.isEmpty()) {
                continue;
            }
            SectionIndex section = next.edit(f.header.name());
            added.add(section == null);
            if (section == null) {
                section = next.add(f.header);
            } else if (!section.header.equals(f.header)) {
                throw new NotIncremental("section '" + f.header.name() + "' changed (" + section.header + " to "
                        + f.header + ")");
            }
            targets.add(section);
            plans.add(plan(f, section));
        }
        ChunkSink sink = new ChunkSink();
        for (int i = 0; i < targets.size(); i++) {
            if (added.get(i)) {
                insertSection(targets.get(i).header);
            }
            write(plans.get(i), targets.get(i), sink);
        }
        sink.flush();
        long totalBytes = 0;
        for (SectionIndex s : next.sections().values()) {
            for (ChunkInfo c : s.chunks()) {
                totalBytes += c.bytes();
            }
        }
        if (totalBytes > ctx.maxTotalSize) {
            throw new PicanteStoreException(overTotal(totalBytes, "full save at revision " + revision));
        }
        if (head > 0) {
            ctx.jdbc.update("DELETE FROM PICANTE_LOG WHERE STORE_NAME = ?", ctx.name);
        }
        long newSaveId = saveId + 1;
        long generation = lease.generation();
        byte[] manifest = StoreFormat.writeManifest(new Manifest(newSaveId, revision, generation, next.manifest()));
        writeMetadata(false, newSaveId, revision, changes.checkpoint(), manifest, generation);
        return new Saved(newSaveId, revision, next.records(), bytes, sink.written, next.chunks() - sink.written,
                sink.bytesWritten, log.size(), true, sink.peakBytes, next);
    }

    /** Folds sections into {@code folds}; returns their encoded bytes. */
    private static long fold(Map<String, Fold> folds, List<EncodedSection> sections) {
        long bytes = 0;
        for (EncodedSection s : sections) {
            Header header = new Header(s.name(), s.kind(), s.keyType(), s.valueType(), s.codeVersion(), s.shape());
            Fold f = folds.computeIfAbsent(s.name(), n -> new Fold(header));
            if (!f.header.equals(header)) {
                throw new NotIncremental("section '" + s.name() + "' changed within the log (" + f.header + " to "
                        + header + ")");
            }
            for (EncodedRecord r : s.records()) {
                f.records.put(new ByteKey(r.key()), r);
                bytes += r.size();
            }
        }
        return bytes;
    }

    /** Reads and verifies the log of save {@code saveId}: positions 1 to {@code head}, each checksum; in replay order. */
    private List<LogEntry> readLog(long saveId, long head) {
        if (head == 0) {
            return List.of();
        }
        List<long[]> order = new ArrayList<>();
        List<LogEntry> entries = new ArrayList<>();
        ctx.jdbc.query("SELECT LOG_POSITION, REVISION, FORMAT_VERSION, IMAGE, CHECKSUM FROM PICANTE_LOG"
                + " WHERE STORE_NAME = ? AND SAVE_ID = ? ORDER BY LOG_POSITION", rs -> {
                    long position = rs.getLong(1);
                    long revision = rs.getLong(2);
                    byte[] image = rs.getBytes(4);
                    long checksum = rs.getLong(5);
                    boolean noChecksum = rs.wasNull();
                    if (position != entries.size() + 1 || rs.getInt(3) > StoreFormat.FORMAT_VERSION || noChecksum
                            || checksum != StoreFormat.logChecksum(position, saveId, revision, image)) {
                        throw new NotIncremental("log entry " + position + " is missing, damaged or of another format");
                    }
                    LogEntry entry;
                    try {
                        entry = StoreFormat.readLogEntry(image);
                    } catch (IllegalArgumentException e) {
                        throw new NotIncremental("log entry " + position + " cannot be read: " + e.getMessage());
                    }
                    order.add(new long[] {entry.revision(), position, entries.size()});
                    entries.add(entry);
                }, ctx.name, saveId);
        if (entries.size() != head) {
            throw new NotIncremental("the log holds " + entries.size() + " entries, its head is " + head);
        }
        // As a load replays them: in revision order, then position.
        order.sort(java.util.Comparator.<long[]>comparingLong(o -> o[0]).thenComparingLong(o -> o[1]));
        List<LogEntry> sorted = new ArrayList<>(entries.size());
        for (long[] o : order) {
            sorted.add(entries.get((int) o[2]));
        }
        return sorted;
    }

    /**
     * Writes a section's folded changes: rewrites the chunks that hold changed keys (read back and checked
     * against their CRC), and adds new keys to the section's last chunk while it has room, else to new chunks.
     * A rewritten chunk that outgrew the chunk size is split; the rest goes to new chunks at the end. New records
     * take the section's next record numbers; a chunk whose numbers no longer run without a gap is numbered
     * afresh from there.
     */
    private java.util.TreeMap<Integer, List<NumberedRecord>> plan(Fold f, SectionIndex section) {
        java.util.TreeSet<Integer> touched = new java.util.TreeSet<>();
        for (ByteKey k : f.records.keySet()) {
            for (int c : section.candidates(k.hash())) {
                touched.add(c);
            }
        }
        java.util.TreeMap<Integer, List<NumberedRecord>> dirty = new java.util.TreeMap<>();
        LinkedHashMap<ByteKey, EncodedRecord> pending = new LinkedHashMap<>(f.records);
        for (int chunkNo : touched) {
            List<NumberedRecord> records = new ArrayList<>(readChunk(section, chunkNo));
            for (int i = 0; i < records.size(); i++) {
                EncodedRecord changed = pending.remove(new ByteKey(records.get(i).record().key()));
                if (changed != null) {
                    records.set(i, new NumberedRecord(records.get(i).number(), changed));
                }
            }
            dirty.put(chunkNo, records);
        }
        List<NumberedRecord> fresh = new ArrayList<>();
        if (!pending.isEmpty()) {
            int tail = section.chunks().size() - 1;
            List<NumberedRecord> added = tail >= 0 ? dirty.get(tail) : null;
            if (added == null && tail >= 0 && StoreFormat.hasRoom(section.chunks().get(tail).recordCount(),
                    section.chunks().get(tail).bytes())) {
                added = new ArrayList<>(readChunk(section, tail));
                dirty.put(tail, added);
            }
            if (added == null) {
                added = fresh;
            }
            for (EncodedRecord r : pending.values()) {
                added.add(new NumberedRecord(-1, r));
            }
        }
        if (!fresh.isEmpty()) {
            dirty.put(NEW_CHUNKS, fresh);
        }
        long records = 0;
        for (List<NumberedRecord> r : dirty.values()) {
            records += r.size();
        }
        if (section.nextRecordNo() + records > Integer.MAX_VALUE - StoreFormat.CHUNK_MAX_RECORDS) {
            throw new NotIncremental("record numbers of section '" + section.header.name() + "' ran out");
        }
        return dirty;
    }

    /** Writes the chunks {@link #plan} made: in place, split, or new at the end, and notes them in the index. */
    private void write(java.util.TreeMap<Integer, List<NumberedRecord>> dirty, SectionIndex section, ChunkSink sink) {
        int nextRecordNo = section.nextRecordNo();
        int existing = section.chunks().size();
        for (Map.Entry<Integer, List<NumberedRecord>> e : dirty.entrySet()) {
            int chunkNo = e.getKey();
            List<NumberedRecord> records = e.getValue();
            List<EncodedRecord> plain = new ArrayList<>(records.size());
            for (NumberedRecord r : records) {
                plain.add(r.record());
            }
            // (new records carry -1 until numbered below)
            int[] bounds = StoreFormat.chunkBounds(plain);
            for (int part = 0; part + 1 < bounds.length; part++) {
                int target = part == 0 && chunkNo != NEW_CHUNKS ? chunkNo : section.chunks().size();
                int count = bounds[part + 1] - bounds[part];
                List<NumberedRecord> numbered = new ArrayList<>(records.subList(bounds[part], bounds[part + 1]));
                // Records keep their numbers while the chunk's numbers stay a run (records replaced in place; new
                // records after the section's highest number); otherwise the chunk is numbered afresh.
                boolean run = true;
                for (int i = 0; i < count && run; i++) {
                    NumberedRecord r = numbered.get(i);
                    if (r.number() < 0) {
                        numbered.set(i, new NumberedRecord(nextRecordNo++, r.record()));
                    }
                    run = i == 0 || numbered.get(i).number() == numbered.get(i - 1).number() + 1;
                }
                if (!run) {
                    for (int i = 0; i < count; i++) {
                        numbered.set(i, new NumberedRecord(nextRecordNo++, numbered.get(i).record()));
                    }
                }
                byte[] frame = StoreFormat.writeChunk(numbered);
                int first = numbered.get(0).number();
                sink.add(new Chunk(section.header.name(), target, first, count, frame, target < existing));
                section.putChunk(target, new ChunkInfo(first, count, frame.length, StoreFormat.chunkCrc(frame)));
                for (NumberedRecord r : numbered) {
                    long hash = StoreFormat.keyHash(r.record().key());
                    long dependencies = StoreFormat.dependencyDigest(r.record().dependencies());
                    if (target == chunkNo) {
                        section.putKey(hash, target, r.record().changedAt(), dependencies);
                    } else {
                        section.moveKey(hash, chunkNo, target, r.record().changedAt(), dependencies);
                    }
                }
            }
        }
    }

    /** The key of {@link #applyFold}'s new chunks, written after the others. */
    private static final int NEW_CHUNKS = Integer.MAX_VALUE;

    /** Reads chunk {@code chunkNo} of a section to rewrite it; it must be the chunk the index knows (its CRC). */
    private List<NumberedRecord> readChunk(SectionIndex section, int chunkNo) {
        List<byte[]> rows = ctx.jdbc.query("SELECT CHUNK FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ?"
                + " AND SECTION_NAME = ? AND CHUNK_NO = ?", (rs, n) -> rs.getBytes(1), ctx.name, section.header.name(),
                chunkNo);
        if (rows.isEmpty() || StoreFormat.chunkCrc(rows.get(0)) != section.chunks().get(chunkNo).crc()) {
            throw new NotIncremental("chunk " + chunkNo + " of section '" + section.header.name() + "' is missing or"
                    + " not the one saved");
        }
        try {
            return StoreFormat.readChunk(rows.get(0));
        } catch (IllegalArgumentException e) {
            throw new NotIncremental("chunk " + chunkNo + " of section '" + section.header.name()
                    + "' cannot be read: " + e.getMessage());
        }
    }

    /** The store's metadata row: its save id, format and last log position. */
    record Head(long saveId, int format, long logPosition) {
    }

    /** Locks this store's metadata row; returns it, or null when the store is empty. */
    @Nullable Head lockHead() {
        List<Head> rows = ctx.jdbc.query("SELECT SAVE_ID, FORMAT_VERSION, LOG_POSITION FROM PICANTE_METADATA"
                + " WHERE STORE_NAME = ? FOR UPDATE", (rs, n) -> new Head(rs.getLong(1), rs.getInt(2),
                        rs.getLong(3)), ctx.name);
        if (rows.isEmpty()) {
            return null;
        }
        checkFormat(ctx.name, rows.get(0).format());
        return rows.get(0);
    }

    static void checkFormat(String name, long format) {
        if (format > StoreFormat.FORMAT_VERSION) {
            throw new PicanteStoreException("store '" + name + "' was written in format " + format
                    + " by a newer picante; this version reads formats up to " + StoreFormat.FORMAT_VERSION
                    + ": upgrade picante, or use another store name");
        }
    }

    // ---------------------------------------------------------------- append

    /** Why an append wrote nothing. */
    enum Refusal {
        /** The store's last full save is not the one this store made or loaded. */
        OTHER_SAVE,
        /** Someone else appended to this save since this store's last append. */
        OTHER_APPEND
    }

    /** What an append did: the new log head, or why it wrote nothing. */
    record Appended(long position, @Nullable Refusal refusal) {
    }

    /**
     * Appends log entries after position {@code head} of save {@code saveId}, in one transaction; writes
     * nothing if the store's save or head is not that.
     */
    Appended append(long saveId, long head, List<StateImage> images, Map<String, IngredientInfo> registry) {
        List<byte[]> entries = new ArrayList<>(images.size());
        for (StateImage changes : images) {
            // Every record, those only verified again included: the log replays the state exactly.
            List<EncodedSection> sections = encode(changes, registry, null);
            byte[] entry = StoreFormat.writeLogEntry(new LogEntry(changes.revision(), changes.checkpoint(),
                    sections));
            checkTotal(entry.length, "log entry at revision " + changes.revision());
            entries.add(entry);
        }
        Appended appended = ctx.write("append", () -> ctx.writeTx.execute(status -> {
            lease.checkWrite("append", leaseTimeout);
            Head current = lockHead();
            if (current == null || current.saveId() != saveId) {
                return new Appended(0, Refusal.OTHER_SAVE);
            }
            if (current.logPosition() != head) {
                return new Appended(0, Refusal.OTHER_APPEND);
            }
            long position = head;
            Timestamp now = Timestamp.from(Instant.now());
            for (int i = 0; i < entries.size(); i++) {
                position++;
                long revision = images.get(i).revision();
                byte[] entry = entries.get(i);
                ctx.jdbc.update("INSERT INTO PICANTE_LOG (STORE_NAME, LOG_POSITION, SAVE_ID, REVISION, FORMAT_VERSION,"
                        + " IMAGE, APPENDED_AT, CHECKSUM) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ctx.name, position, saveId,
                        revision, StoreFormat.FORMAT_VERSION, entry, now,
                        StoreFormat.logChecksum(position, saveId, revision, entry));
            }
            ctx.jdbc.update("UPDATE PICANTE_METADATA SET LOG_POSITION = ? WHERE STORE_NAME = ?", position, ctx.name);
            return new Appended(position, null);
        }));
        return appended == null ? new Appended(0, Refusal.OTHER_SAVE) : appended;
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Encodes an image's sections; with {@code unchanged}, leaves out each derived record whose value is the one
     * saved there (the same {@code changedAt}) and that names the same dependencies, before encoding its value.
     */
    List<EncodedSection> encode(StateImage image, Map<String, IngredientInfo> registry,
            @Nullable SaveIndex unchanged) {
        List<EncodedSection> out = new ArrayList<>(image.sections().size());
        for (Section section : image.sections()) {
            String what = section.kind().name().toLowerCase(Locale.ROOT) + " '" + section.ingredient() + "'";
            boolean derived = section.kind() == SectionKind.DERIVED;
            if (derived && !ctx.types.isPersisted(section.ingredient())) {
                continue;
            }
            try {
                SectionIndex stored = derived && unchanged != null ? unchanged.section(section.ingredient()) : null;
                out.add(encodeSection(section, what, registry, stored));
            } catch (PicanteStoreException e) {
                if (!derived) {
                    throw e;
                }
                // A derived result is a cache: leave the section out rather than fail the whole save.
                logger.warn("picante store '" + ctx.name + "': " + what + " left out of this save: "
                        + e.getMessage());
            }
        }
        return out;
    }

    private EncodedSection encodeSection(Section section, String what, Map<String, IngredientInfo> registry,
            @Nullable SectionIndex unchanged) {
        Header header = header(section, what);
        Type keyType = ctx.types.keyType(section.ingredient(), section.keyType());
        Type valueType = ctx.types.valueType(section.ingredient(), section.valueType());
        List<EncodedRecord> records = new ArrayList<>(section.records().size());
        for (StoredRecord record : section.records()) {
            byte[] key = encodeValue(what, "key", record.key(), keyType);
            byte[] dependencies = encodeDependencies(record, what, registry);
            if (unchanged != null && unchanged.isSaved(StoreFormat.keyHash(key), record.changedAt(),
                    StoreFormat.dependencyDigest(dependencies))) {
                continue;
            }
            records.add(encodeRecord(record, key, dependencies, what, valueType));
        }
        return new EncodedSection(header.name(), header.kind(), header.keyType(), header.valueType(),
                header.codeVersion(), header.shape(), records);
    }

    /**
     * Returns a section's header (kind, type names, code version, shape fingerprint), checking once per
     * ingredient that its declared types can be written and read back.
     */
    private Header header(Section section, String what) {
        if (checkedSections.add(section.ingredient())) {
            checkType(section, what, ctx.types.keyType(section.ingredient(), section.keyType()), "key");
            checkType(section, what, ctx.types.valueType(section.ingredient(), section.valueType()), "value");
        }
        return new Header(section.ingredient(), section.kind().name(), section.keyType().getName(),
                section.valueType().getName(), section.codeVersion(),
                TypeShapes.fingerprint(section.keyType(), section.valueType()));
    }

    /** Encodes one record from its encoded key and dependencies; fails over the record size limit. */
    private EncodedRecord encodeRecord(StoredRecord record, byte[] key, byte @Nullable [] deps, String what,
            Type valueType) {
        Object value = record.value();
        byte[] valueBytes = value == null ? null : encodeValue(what, "value", value, valueType);
        EncodedRecord encoded = new EncodedRecord(key, valueBytes, record.verifiedAt(), record.changedAt(), deps);
        if (encoded.size() > ctx.maxRecordSize) {
            throw new PicanteStoreException("store '" + ctx.name + "': the record of " + what + " key "
                    + describe(record.key()) + " takes " + encoded.size()
                    + " bytes, over the record size limit of " + ctx.maxRecordSize
                    + " bytes (picante.store.max-record-size); nothing was saved");
        }
        return encoded;
    }

    /** Encodes a record's dependency list ({@link StoreFormat#writeDependencies}); null when it has none. */
    private byte @Nullable [] encodeDependencies(StoredRecord record, String what,
            Map<String, IngredientInfo> registry) {
        byte[] deps = null;
        if (!record.dependencies().isEmpty()) {
            List<EncodedDependency> list = new ArrayList<>(record.dependencies().size());
            for (StoredDependency d : record.dependencies()) {
                IngredientInfo dep = registry.get(d.ingredient());
                if (dep == null) {
                    throw new PicanteStoreException("store '" + ctx.name + "': " + what + " key "
                            + describe(record.key()) + " depends on unregistered ingredient '"
                            + d.ingredient() + "'");
                }
                list.add(new EncodedDependency(d.ingredient(), encodeValue(what, "dependency key", d.key(),
                        ctx.types.keyType(dep.name(), dep.keyType())), d.changedAt()));
            }
            deps = StoreFormat.writeDependencies(list);
        }
        return deps;
    }

    /**
     * Checks, once per ingredient and without values, that its declared types can be written and read back
     * (r[store.types]): an input or interned table that cannot fails, a derived one is marked not persisted.
     */
    private void checkType(Section section, String what, Type type, String role) {
        try {
            ctx.codec.checkDeclared(type);
        } catch (RuntimeException e) {
            checkedSections.remove(section.ingredient());
            if (section.kind() == SectionKind.DERIVED) {
                ctx.types.markNotPersisted(section.ingredient(), role + " type " + type.getTypeName() + ": "
                        + e.getMessage());
            }
            throw new PicanteStoreException("store '" + ctx.name + "': cannot save " + what + ": its " + role
                    + " type " + type.getTypeName() + " cannot be stored with "
                    + ctx.codec.getClass().getSimpleName() + ": " + e.getMessage()
                    + "; make the type encodable (e.g. a record of plain values)", e);
        }
    }

    private byte[] encodeValue(String what, String role, Object value, Type type) {
        try {
            return ctx.codec.encode(value, type);
        } catch (RuntimeException e) {
            throw new PicanteStoreException("store '" + ctx.name + "': cannot save " + what + ": a " + role
                    + " of type " + type.getTypeName() + " (" + describe(value) + ") cannot be encoded: "
                    + e.getMessage(), e);
        }
    }

    private void checkTotal(long total, String what) {
        if (total > ctx.maxTotalSize) {
            throw new PicanteStoreException(overTotal(total, what));
        }
    }

    private String overTotal(long total, String what) {
        return "store '" + ctx.name + "': the " + what + " takes " + total + " bytes, over the total size limit of "
                + ctx.maxTotalSize + " bytes (picante.store.max-total-size); nothing was saved";
    }

    static String describe(@Nullable Object value) {
        String s = String.valueOf(value);
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
