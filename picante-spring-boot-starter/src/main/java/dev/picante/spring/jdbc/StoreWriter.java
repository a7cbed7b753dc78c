package dev.picante.spring.jdbc;

import dev.picante.Inspector.IngredientInfo;
import dev.picante.persist.Section;
import dev.picante.persist.SectionKind;
import dev.picante.persist.StateImage;
import dev.picante.persist.StoredDependency;
import dev.picante.persist.StoredRecord;
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

    /** A chunk of a full save's records, framed. */
    record Chunk(String section, int chunkNo, int firstRecordNo, int recordCount, byte[] bytes) {
    }

    /** What a full save wrote. */
    record Saved(long saveId, long records, long bytes) {
    }

    // ---------------------------------------------------------------- save

    /** Encodes and writes a full save in one transaction; returns its save id. */
    Saved save(StateImage image, Map<String, IngredientInfo> registry) {
        List<EncodedSection> sections = encode(image, registry);
        long total = 0;
        for (EncodedSection s : sections) {
            for (EncodedRecord r : s.records()) {
                total += r.size();
            }
        }
        checkTotal(total, "full save at revision " + image.revision());
        List<Chunk> chunks = new ArrayList<>();
        List<ManifestSection> manifest = new ArrayList<>(sections.size());
        for (EncodedSection s : sections) {
            List<Chunk> own = chunks(s.name(), s.records());
            chunks.addAll(own);
            List<Integer> crcs = new ArrayList<>(own.size());
            for (Chunk c : own) {
                crcs.add(StoreFormat.chunkCrc(c.bytes()));
            }
            manifest.add(new ManifestSection(s.name(), s.kind(), s.keyType(), s.valueType(), s.codeVersion(),
                    s.shape(), s.records().size(), crcs));
        }
        long records = sections.stream().mapToLong(s -> s.records().size()).sum();
        Long saveId = ctx.write("save", () -> ctx.writeTx.execute(status -> writeSave(image, sections, chunks,
                manifest)));
        return new Saved(saveId == null ? 0 : saveId, records, total);
    }

    private long writeSave(StateImage image, List<EncodedSection> sections, List<Chunk> chunks,
            List<ManifestSection> manifestSections) {
        lease.checkWrite("save", leaseTimeout);
        Head current = lockHead();
        long newSaveId = current == null ? 1 : current.saveId() + 1;
        long generation = lease.generation();
        byte[] checkpointBytes = StoreFormat.writeCheckpoint(image.checkpoint());
        byte[] manifest = StoreFormat.writeManifest(new Manifest(newSaveId, image.revision(), generation,
                manifestSections));
        Timestamp now = Timestamp.from(Instant.now());
        if (current == null) {
            ctx.jdbc.update("INSERT INTO PICANTE_METADATA (STORE_NAME, FORMAT_VERSION, SAVE_ID, REVISION, CHECKPOINT,"
                    + " SAVED_AT, MANIFEST, LOG_POSITION, GENERATION) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)", ctx.name,
                    StoreFormat.FORMAT_VERSION, newSaveId, image.revision(), checkpointBytes, now, manifest,
                    generation);
        } else {
            ctx.jdbc.update("UPDATE PICANTE_METADATA SET FORMAT_VERSION = ?, SAVE_ID = ?, REVISION = ?, CHECKPOINT = ?,"
                    + " SAVED_AT = ?, MANIFEST = ?, LOG_POSITION = 0, GENERATION = ? WHERE STORE_NAME = ?",
                    StoreFormat.FORMAT_VERSION, newSaveId, image.revision(), checkpointBytes, now, manifest,
                    generation, ctx.name);
        }
        ctx.jdbc.update("DELETE FROM PICANTE_LOG WHERE STORE_NAME = ?", ctx.name);
        ctx.jdbc.update("DELETE FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ?", ctx.name);
        // Rows of a store last saved in format 1.
        ctx.jdbc.update("DELETE FROM PICANTE_RECORDS WHERE STORE_NAME = ?", ctx.name);
        ctx.jdbc.update("DELETE FROM PICANTE_SECTIONS WHERE STORE_NAME = ?", ctx.name);
        ctx.jdbc.batchUpdate("INSERT INTO PICANTE_SECTIONS (STORE_NAME, SECTION_NAME, KIND, KEY_TYPE, VALUE_TYPE,"
                + " CODE_VERSION, SHAPE) VALUES (?, ?, ?, ?, ?, ?, ?)", sections, BATCH_SIZE, (ps, s) -> {
                    ps.setString(1, ctx.name);
                    ps.setString(2, s.name());
                    ps.setString(3, s.kind());
                    ps.setString(4, s.keyType());
                    ps.setString(5, s.valueType());
                    ps.setString(6, s.codeVersion());
                    ps.setString(7, s.shape());
                });
        insertChunks(chunks);
        return newSaveId;
    }

    /**
     * Inserts the records of a full save packed into chunks ({@link StoreFormat#writeChunk}), in JDBC batches:
     * a few hundred rows for 100,000 small records, where one row per record made the database's own work on
     * rows, keys and undo log the bulk of a save.
     */
    private void insertChunks(List<Chunk> chunks) {
        ctx.jdbc.batchUpdate("INSERT INTO PICANTE_RECORD_CHUNKS (STORE_NAME, SECTION_NAME, CHUNK_NO, FIRST_RECORD_NO,"
                + " RECORD_COUNT, CHUNK) VALUES (?, ?, ?, ?, ?, ?)", chunks, CHUNKS_PER_BATCH, (ps, c) -> {
                    ps.setString(1, ctx.name);
                    ps.setString(2, c.section());
                    ps.setInt(3, c.chunkNo());
                    ps.setInt(4, c.firstRecordNo());
                    ps.setInt(5, c.recordCount());
                    ps.setBytes(6, c.bytes());
                });
        if (logger.isTraceEnabled()) {
            logger.trace("store '" + ctx.name + "': inserted " + chunks.size() + " chunks");
        }
    }

    /** Packs a section's records, numbered from 0, into chunks. */
    static List<Chunk> chunks(String section, List<EncodedRecord> records) {
        int[] bounds = StoreFormat.chunkBounds(records);
        List<Chunk> chunks = new ArrayList<>(bounds.length - 1);
        for (int c = 0; c + 1 < bounds.length; c++) {
            List<NumberedRecord> numbered = new ArrayList<>(bounds[c + 1] - bounds[c]);
            for (int i = bounds[c]; i < bounds[c + 1]; i++) {
                numbered.add(new NumberedRecord(i, records.get(i)));
            }
            chunks.add(new Chunk(section, c, bounds[c], numbered.size(), StoreFormat.writeChunk(numbered)));
        }
        return chunks;
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
            List<EncodedSection> sections = encode(changes, registry);
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

    List<EncodedSection> encode(StateImage image, Map<String, IngredientInfo> registry) {
        List<EncodedSection> out = new ArrayList<>(image.sections().size());
        for (Section section : image.sections()) {
            String what = section.kind().name().toLowerCase(Locale.ROOT) + " '" + section.ingredient() + "'";
            boolean derived = section.kind() == SectionKind.DERIVED;
            if (derived && !ctx.types.isPersisted(section.ingredient())) {
                continue;
            }
            try {
                out.add(encodeSection(section, what, registry));
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

    private EncodedSection encodeSection(Section section, String what, Map<String, IngredientInfo> registry) {
        Type keyType = ctx.types.keyType(section.ingredient(), section.keyType());
        Type valueType = ctx.types.valueType(section.ingredient(), section.valueType());
        if (checkedSections.add(section.ingredient())) {
            checkType(section, what, keyType, "key");
            checkType(section, what, valueType, "value");
        }
        List<EncodedRecord> records = new ArrayList<>(section.records().size());
        for (StoredRecord record : section.records()) {
            byte[] key = encodeValue(what, "key", record.key(), keyType);
            Object value = record.value();
            byte[] valueBytes = value == null ? null : encodeValue(what, "value", value, valueType);
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
            EncodedRecord encoded = new EncodedRecord(key, valueBytes, record.verifiedAt(), record.changedAt(),
                    deps);
            if (encoded.size() > ctx.maxRecordSize) {
                throw new PicanteStoreException("store '" + ctx.name + "': the record of " + what + " key "
                        + describe(record.key()) + " takes " + encoded.size()
                        + " bytes, over the record size limit of " + ctx.maxRecordSize
                        + " bytes (picante.store.max-record-size); nothing was saved");
            }
            records.add(encoded);
        }
        return new EncodedSection(section.ingredient(), section.kind().name(), section.keyType().getName(),
                section.valueType().getName(), section.codeVersion(),
                TypeShapes.fingerprint(section.keyType(), section.valueType()), records);
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
            throw new PicanteStoreException("store '" + ctx.name + "': the " + what + " takes " + total
                    + " bytes, over the total size limit of " + ctx.maxTotalSize
                    + " bytes (picante.store.max-total-size); nothing was saved");
        }
    }

    static String describe(@Nullable Object value) {
        String s = String.valueOf(value);
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
