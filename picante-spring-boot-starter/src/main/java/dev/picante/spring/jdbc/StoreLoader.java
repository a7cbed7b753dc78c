package dev.picante.spring.jdbc;

import dev.picante.Inspector.IngredientInfo;
import dev.picante.persist.Section;
import dev.picante.persist.SectionKind;
import dev.picante.persist.StateImage;
import dev.picante.persist.StateImage.Checkpoint;
import dev.picante.persist.StoreMismatchException;
import dev.picante.persist.StoredDependency;
import dev.picante.persist.StoredRecord;
import dev.picante.spring.jdbc.StoreFormat.EncodedDependency;
import dev.picante.spring.jdbc.StoreFormat.EncodedRecord;
import dev.picante.spring.jdbc.StoreFormat.EncodedSection;
import dev.picante.spring.jdbc.StoreFormat.LogEntry;
import dev.picante.spring.jdbc.StoreFormat.Manifest;
import dev.picante.spring.jdbc.StoreFormat.ManifestSection;
import dev.picante.spring.jdbc.StoreFormat.NumberedRecord;
import java.util.ArrayList;
import java.util.Comparator;
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
 * The reading part of a {@link JdbcStateStore}: reads a full save and its log in one repeatable-read
 * transaction, verifies every stored byte (the manifest against the sections and chunks, each chunk's CRC,
 * each log entry's checksum, contiguous log positions), checks sections against the registered ingredients,
 * and decodes everything, before the database is touched. What is damaged is handled by the
 * {@link CorruptionPolicy}; a derived section that no longer fits its ingredient is dropped and reported.
 */
final class StoreLoader {

    private static final Log logger = LogFactory.getLog(StoreLoader.class);

    private final StoreContext ctx;

    StoreLoader(StoreContext ctx) {
        this.ctx = ctx;
    }

    /** A record row of a full save in format 1, to delete. */
    record RecordRow(String section, int recordNo) {
    }

    /**
     * A chunk to repair under {@link CorruptionPolicy#DELETE}: rewritten with the readable records only, or
     * deleted when {@code records} is null (its frame is damaged, or none of its records is readable).
     */
    record ChunkRepair(String section, int chunkNo, @Nullable List<NumberedRecord> records) {
    }

    /** What {@link CorruptionPolicy#DELETE} removes after a load. */
    record Repairs(List<RecordRow> deleteRows, List<ChunkRepair> chunkRepairs, List<String> deleteSections,
            @Nullable Long deleteLogFrom, boolean rebuildManifest) {

        boolean isEmpty() {
            return deleteRows.isEmpty() && chunkRepairs.isEmpty() && deleteSections.isEmpty()
                    && deleteLogFrom == null && !rebuildManifest;
        }
    }

    /**
     * What a load will import, decoded and verified.
     *
     * @param replay the log images to replay after {@code base}, in revision order, one per revision
     * @param replayPositions the log positions folded into each image of {@code replay}
     * @param head the log position the next append follows (format 3), or -1 when the next append must be a
     *     full save (an older format, or a log cut short)
     * @param savedAt when the full save was made
     * @param index where the full save's records lie, for an incremental next save; null when the next save
     *     must be a full one (an older format, or anything left out, dropped, skipped or damaged)
     */
    record Prepared(StateImage base, List<StateImage> replay, List<List<Long>> replayPositions, int logEntries,
            Checkpoint checkpoint, long saveId, long head, int format, List<String> skipped, List<String> corrupt,
            List<String> dropped, Repairs repairs, java.time.@Nullable Instant savedAt, @Nullable SaveIndex index) {
    }

    private record Metadata(int format, long saveId, long revision, Checkpoint checkpoint, byte @Nullable [] manifest,
            long logPosition, java.time.@Nullable Instant savedAt) {
    }

    /** A section of the full save: its chunks (format 2 and later) or its record rows (format 1), in order. */
    private record StoredSection(EncodedSection section, List<StoredChunk> chunks, List<NumberedRecord> rows) {
    }

    private record StoredChunk(int chunkNo, int firstRecordNo, int recordCount, byte[] bytes) {
    }

    private record StoredLog(long position, long revision, int format, byte[] image, @Nullable Long checksum) {
    }

    private static final class Stored {
        @Nullable Metadata metadata;
        final Map<String, StoredSection> sections = new LinkedHashMap<>();
        final List<StoredLog> log = new ArrayList<>();
    }

    /** What is left out, so that derived records that read it are left out too and recomputed. */
    private static final class Dropped {
        final Set<List<Object>> refs = new HashSet<>();
        final Set<String> all = new HashSet<>();
    }

    // ---------------------------------------------------------------- read

    private Stored readStored() {
        Stored stored = new Stored();
        List<Metadata> meta = ctx.jdbc.query("SELECT FORMAT_VERSION, SAVE_ID, REVISION, CHECKPOINT, MANIFEST,"
                + " LOG_POSITION, SAVED_AT FROM PICANTE_METADATA WHERE STORE_NAME = ?", (rs, n) -> {
                    int format = rs.getInt(1);
                    StoreWriter.checkFormat(ctx.name, format);
                    Checkpoint cp;
                    try {
                        cp = StoreFormat.readCheckpoint(rs.getBytes(4));
                    } catch (IllegalArgumentException e) {
                        throw new PicanteStoreException("store '" + ctx.name + "': the checkpoint of the full save "
                                + "cannot be read: " + e.getMessage() + "; the store is damaged: delete it", e);
                    }
                    java.sql.Timestamp savedAt = rs.getTimestamp(7);
                    return new Metadata(format, rs.getLong(2), rs.getLong(3), cp, rs.getBytes(5), rs.getLong(6),
                            savedAt == null ? null : savedAt.toInstant());
                }, ctx.name);
        if (meta.isEmpty()) {
            return stored;
        }
        Metadata metadata = meta.get(0);
        stored.metadata = metadata;
        ctx.jdbc.query("SELECT SECTION_NAME, KIND, KEY_TYPE, VALUE_TYPE, CODE_VERSION, SHAPE FROM PICANTE_SECTIONS"
                + " WHERE STORE_NAME = ? ORDER BY SECTION_NAME", rs -> {
                    String section = rs.getString(1);
                    stored.sections.put(section, new StoredSection(new EncodedSection(section, rs.getString(2),
                            rs.getString(3), rs.getString(4), nonNull(rs.getString(5)), nonNull(rs.getString(6)),
                            List.of()), new ArrayList<>(), new ArrayList<>()));
                }, ctx.name);
        // Read in the database's own order and sorted here: H2 sorts a large ORDER BY result in a temporary
        // table on disk instead of reading the primary key index in order.
        List<String> orphans = new ArrayList<>();
        ctx.jdbc.query("SELECT SECTION_NAME, CHUNK_NO, FIRST_RECORD_NO, RECORD_COUNT, CHUNK FROM PICANTE_RECORD_CHUNKS"
                + " WHERE STORE_NAME = ?", rs -> {
                    StoredSection s = stored.sections.get(rs.getString(1));
                    if (s == null) {
                        orphans.add(rs.getString(1));
                        return;
                    }
                    s.chunks().add(new StoredChunk(rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getBytes(5)));
                }, ctx.name);
        if (metadata.format() <= StoreFormat.FORMAT_RECORD_ROWS) {
            ctx.jdbc.query("SELECT SECTION_NAME, RECORD_NO, KEY_BYTES, VALUE_BYTES, VERIFIED_AT, CHANGED_AT,"
                    + " DEPENDENCIES FROM PICANTE_RECORDS WHERE STORE_NAME = ?", rs -> {
                        StoredSection s = stored.sections.get(rs.getString(1));
                        if (s == null) {
                            orphans.add(rs.getString(1));
                            return;
                        }
                        s.rows().add(new NumberedRecord(rs.getInt(2), new EncodedRecord(rs.getBytes(3),
                                rs.getBytes(4), rs.getLong(5), rs.getLong(6), rs.getBytes(7))));
                    }, ctx.name);
        }
        if (!orphans.isEmpty()) {
            throw new PicanteStoreException("store '" + ctx.name + "': records of section '" + orphans.get(0)
                    + "' have no section row; the store is damaged: delete it");
        }
        for (StoredSection s : stored.sections.values()) {
            s.chunks().sort(Comparator.comparingInt(StoredChunk::chunkNo));
            s.rows().sort(Comparator.comparingInt(NumberedRecord::number));
        }
        ctx.jdbc.query("SELECT LOG_POSITION, REVISION, FORMAT_VERSION, IMAGE, CHECKSUM FROM PICANTE_LOG"
                + " WHERE STORE_NAME = ? AND SAVE_ID = ? ORDER BY LOG_POSITION", rs -> {
                    long checksum = rs.getLong(5);
                    Long sum = rs.wasNull() ? null : checksum;
                    stored.log.add(new StoredLog(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getBytes(4), sum));
                }, ctx.name, metadata.saveId());
        return stored;
    }

    private static String nonNull(@Nullable String s) {
        return s == null ? "" : s;
    }

    // ---------------------------------------------------------------- prepare

    /** Reads, verifies and decodes everything a load imports; null when the store holds no save. */
    @Nullable Prepared prepare(Map<String, IngredientInfo> registry) {
        Stored stored = ctx.read("load", () -> ctx.readTx.execute(status -> readStored()));
        if (stored == null || stored.metadata == null) {
            return null;
        }
        return new Run(registry, stored.metadata).prepare(stored);
    }

    /** One preparation: what it found so far. */
    private final class Run {

        final Map<String, IngredientInfo> registry;
        final Metadata meta;
        final boolean checked;
        final List<String> skipped = new ArrayList<>();
        final List<String> corrupt = new ArrayList<>();
        final List<String> dropped = new ArrayList<>();
        final List<RecordRow> deleteRows = new ArrayList<>();
        final List<ChunkRepair> chunkRepairs = new ArrayList<>();
        final List<String> deleteSections = new ArrayList<>();
        @Nullable Long deleteLogFrom;
        boolean rebuildManifest;
        /** Where the full save's records lie; null once something makes an incremental next save unsafe. */
        @Nullable SaveIndex index;
        final Dropped gone = new Dropped();
        final Map<List<String>, Integer> goneDependencies = new LinkedHashMap<>();

        Run(Map<String, IngredientInfo> registry, Metadata meta) {
            this.registry = registry;
            this.meta = meta;
            this.checked = meta.format() >= StoreFormat.FORMAT_CHECKED;
            this.index = checked ? new SaveIndex() : null;
        }

        /**
         * Handles a damage of the store: fails under FAIL (or always, for interned values), else reports it
         * and returns normally.
         */
        void damaged(String where, @Nullable String problem, @Nullable Exception cause, boolean interned) {
            if (ctx.corruptionPolicy == CorruptionPolicy.FAIL || interned) {
                throw new PicanteStoreException("store '" + ctx.name + "': " + where + " cannot be read: " + problem
                        + (interned ? "; interned values cannot be left out (their ids are referenced elsewhere): "
                                + "restore the store from a backup or delete it"
                                : "; set picante.store.corruption-policy=ignore (or delete) to load without it"),
                        cause);
            }
            corrupt.add(where + ": " + problem);
        }

        Prepared prepare(Stored stored) {
            Manifest manifest = manifest();
            Map<String, ManifestSection> expected = new LinkedHashMap<>();
            if (manifest != null) {
                for (ManifestSection s : manifest.sections()) {
                    expected.put(s.name(), s);
                }
                for (ManifestSection s : manifest.sections()) {
                    if (!stored.sections.containsKey(s.name())) {
                        IngredientInfo info = registry.get(s.name());
                        String what = s.kind().toLowerCase(Locale.ROOT) + " '" + s.name() + "'";
                        damaged("the section of " + what + " in the full save", "it is missing (the manifest lists "
                                + s.records() + " records in " + s.chunkCrcs().size() + " chunks); they are left"
                                + " out and what read them is recomputed", null, s.kind().equals("INTERNED")
                                        && info != null);
                        gone.all.add(s.name());
                        rebuildManifest = true;
                    }
                }
            }
            List<Section> sections = new ArrayList<>();
            for (StoredSection s : stored.sections.values()) {
                String name = s.section().name();
                ManifestSection m = expected.get(name);
                if (manifest != null && m == null) {
                    damaged("section '" + name + "' of the full save", "it is not in the save's manifest", null,
                            false);
                    deleteSections.add(name);
                    gone.all.add(name);
                    continue;
                }
                if (m != null && (!m.kind().equals(s.section().kind()) || !m.keyType().equals(s.section().keyType())
                        || !m.valueType().equals(s.section().valueType()))) {
                    damaged("section '" + name + "' of the full save", "its row says " + s.section().kind() + " "
                            + s.section().keyType() + " -> " + s.section().valueType() + ", the manifest "
                            + m.kind() + " " + m.keyType() + " -> " + m.valueType(), null,
                            m.kind().equals("INTERNED"));
                    deleteSections.add(name);
                    gone.all.add(name);
                    continue;
                }
                EncodedSection header = m == null ? s.section() : new EncodedSection(name, m.kind(), m.keyType(),
                        m.valueType(), m.codeVersion(), m.shape(), List.of());
                Section section = section(s, header, m);
                if (section != null) {
                    sections.add(section);
                }
            }
            StateImage base = new StateImage(meta.revision(), dropDependents(sections), meta.checkpoint());
            return replay(stored, base);
        }

        private @Nullable Manifest manifest() {
            if (!checked) {
                return null;
            }
            byte[] bytes = meta.manifest();
            String problem;
            if (bytes == null) {
                problem = "it is missing";
            } else {
                try {
                    Manifest manifest = StoreFormat.readManifest(bytes);
                    if (manifest.saveId() == meta.saveId() && manifest.revision() == meta.revision()) {
                        return manifest;
                    }
                    problem = "it describes save " + manifest.saveId() + " at revision " + manifest.revision()
                            + ", the metadata save " + meta.saveId() + " at revision " + meta.revision();
                } catch (IllegalArgumentException e) {
                    problem = e.getMessage();
                }
            }
            damaged("the manifest of the full save (save " + meta.saveId() + ")", problem
                    + "; loading what each chunk's CRC vouches for", null, false);
            rebuildManifest = true;
            return null;
        }

        /** Verifies and decodes a section of the full save; null when it is left out. */
        private @Nullable Section section(StoredSection s, EncodedSection header, @Nullable ManifestSection m) {
            IngredientInfo info = match(header, "the full save");
            if (info == null) {
                return null;
            }
            String what = info.kind().name().toLowerCase(Locale.ROOT) + " '" + info.name() + "'";
            boolean interned = info.kind().name().equals("INTERNED");
            List<StoredRecord> records = new ArrayList<>();
            // A store saved in format 1: one row per record.
            for (NumberedRecord r : s.rows()) {
                StoredRecord decoded = decodeSaved(r, info, what);
                if (decoded == null) {
                    deleteRows.add(new RecordRow(info.name(), r.number()));
                } else {
                    records.add(decoded);
                }
            }
            if (!s.rows().isEmpty() || m == null) {
                index = null;
            }
            SaveIndex.SectionIndex sectionIndex = null;
            if (index != null && m != null) {
                sectionIndex = index.add(new SaveIndex.Header(m.name(), m.kind(), m.keyType(), m.valueType(),
                        m.codeVersion(), m.shape()));
            }
            int expectedChunks = m == null ? -1 : m.chunkCrcs().size();
            Set<Integer> seen = new HashSet<>();
            long counted = 0;
            boolean intact = true;
            for (StoredChunk c : s.chunks()) {
                String where = "chunk " + c.chunkNo() + " (records " + c.firstRecordNo() + " to "
                        + (c.firstRecordNo() + c.recordCount() - 1) + ") of " + what + " in the full save";
                seen.add(c.chunkNo());
                List<NumberedRecord> chunk;
                try {
                    chunk = StoreFormat.readChunk(c.bytes());
                    if (chunk.size() != c.recordCount()
                            || (!chunk.isEmpty() && chunk.get(0).number() != c.firstRecordNo())) {
                        throw new IllegalArgumentException("its row says " + c.recordCount() + " records from "
                                + c.firstRecordNo() + ", its frame holds " + chunk.size());
                    }
                    if (m != null && (c.chunkNo() >= expectedChunks
                            || m.chunkCrcs().get(c.chunkNo()) != StoreFormat.chunkCrc(c.bytes()))) {
                        throw new IllegalArgumentException(c.chunkNo() >= expectedChunks
                                ? "the manifest lists " + expectedChunks + " chunks; this one was not saved"
                                : "it is not the chunk saved there (its CRC differs from the manifest's)");
                    }
                } catch (IllegalArgumentException e) {
                    // r[store.corrupt]: a damaged frame makes all its records unreadable.
                    damaged(where, e.getMessage(), e, interned);
                    // Which keys it held is unknown: every derived record that read the ingredient goes.
                    gone.all.add(info.name());
                    chunkRepairs.add(new ChunkRepair(info.name(), c.chunkNo(), null));
                    intact = false;
                    continue;
                }
                counted += chunk.size();
                if (sectionIndex != null && c.chunkNo() != sectionIndex.chunks().size()) {
                    index = null; // a chunk missing: the next save is a full one
                    sectionIndex = null;
                }
                if (sectionIndex != null) {
                    sectionIndex.putChunk(c.chunkNo(), new SaveIndex.ChunkInfo(c.firstRecordNo(), c.recordCount(),
                            c.bytes().length, StoreFormat.chunkCrc(c.bytes())));
                    for (NumberedRecord r : chunk) {
                        sectionIndex.putKey(StoreFormat.keyHash(r.record().key()), c.chunkNo(),
                                r.record().changedAt(), StoreFormat.dependencyDigest(r.record().dependencies()));
                    }
                }
                List<NumberedRecord> kept = null;
                for (int i = 0; i < chunk.size(); i++) {
                    NumberedRecord r = chunk.get(i);
                    StoredRecord decoded = decodeSaved(r, info, what);
                    if (decoded == null) {
                        if (kept == null) {
                            kept = new ArrayList<>(chunk.subList(0, i));
                        }
                    } else {
                        records.add(decoded);
                        if (kept != null) {
                            kept.add(r);
                        }
                    }
                }
                if (kept != null) {
                    chunkRepairs.add(new ChunkRepair(info.name(), c.chunkNo(), kept.isEmpty() ? null : kept));
                }
            }
            if (m != null) {
                for (int c = 0; c < expectedChunks; c++) {
                    if (!seen.contains(c)) {
                        damaged("chunk " + c + " of " + what + " in the full save", "it is missing (the manifest"
                                + " lists " + expectedChunks + " chunks, " + m.records() + " records); its records are"
                                + " left out and what read them is recomputed", null, interned);
                        gone.all.add(info.name());
                        rebuildManifest = true;
                        intact = false;
                    }
                }
                if (intact && counted != m.records()) {
                    damaged(what + " in the full save", "its chunks hold " + counted + " records, the manifest "
                            + m.records(), null, interned);
                    gone.all.add(info.name());
                    rebuildManifest = true;
                }
            }
            return new Section(info.name(), SectionKind.valueOf(info.kind().name()), info.keyType(),
                    info.valueType(), header.codeVersion(), records);
        }

        /**
         * Returns the registered ingredient of a section, or null when it is left out: unregistered (skipped),
         * a derived section that does not fit its ingredient (dropped), or an input listed in
         * {@code picante.store.discard-inputs}, or an input rebuilt after the load whose records do not fit. Fails for
         * another input or interned section that does not fit.
         */
        private @Nullable IngredientInfo match(EncodedSection s, String where) {
            IngredientInfo info = registry.get(s.name());
            if (info == null) {
                if (!skipped.contains(s.name())) {
                    skipped.add(s.name());
                }
                gone.all.add(s.name());
                return null;
            }
            String registeredKind = info.kind().name();
            String storedTypes = s.keyType() + " -> " + s.valueType();
            String registeredTypes = info.keyType().getName() + " -> " + info.valueType().getName();
            boolean typesDiffer = !info.keyType().getName().equals(s.keyType())
                    || !info.valueType().getName().equals(s.valueType());
            String shape = TypeShapes.fingerprint(info.keyType(), info.valueType());
            boolean shapeDiffers = !s.shape().isEmpty() && !s.shape().equals(shape);
            if (s.kind().equals("DERIVED")) {
                String reason = null;
                if (!registeredKind.equals("DERIVED")) {
                    reason = "the ingredient is now " + registeredKind.toLowerCase(Locale.ROOT);
                } else if (typesDiffer) {
                    reason = "its types changed from " + storedTypes + " to " + registeredTypes;
                } else if (shapeDiffers) {
                    reason = "the shape of " + registeredTypes + " changed (fields or components)";
                }
                if (reason != null) {
                    drop("derived '" + s.name() + "' in " + where + ": " + reason + "; its records are dropped and"
                            + " recomputed when read");
                    gone.all.add(s.name());
                    return null;
                }
                return info;
            }
            if (s.kind().equals("INPUT") && ctx.discardInputs.contains(s.name())) {
                drop("input '" + s.name() + "' in " + where + ": its stored records are discarded"
                        + " (picante.store.discard-inputs)");
                gone.all.add(s.name());
                return null;
            }
            if (s.kind().equals("INPUT") && registeredKind.equals("INPUT") && (typesDiffer || shapeDiffers)
                    && ctx.rebuiltInputs.contains(s.name())) {
                drop("input '" + s.name() + "' in " + where + ": "
                        + (typesDiffer ? "its types changed from " + storedTypes + " to " + registeredTypes
                                : "the shape of " + registeredTypes + " changed (fields or components)")
                        + "; its stored records are discarded and rebuilt from its source after the load");
                gone.all.add(s.name());
                return null;
            }
            if (!registeredKind.equals(s.kind()) || typesDiffer || shapeDiffers) {
                String kind = s.kind().toLowerCase(Locale.ROOT);
                throw new StoreMismatchException("store '" + ctx.name + "': section '" + s.name() + "' in " + where
                        + " holds " + kind + " records " + storedTypes + ", but the registered ingredient is "
                        + registeredKind.toLowerCase(Locale.ROOT) + " " + registeredTypes
                        + (typesDiffer || !registeredKind.equals(s.kind()) ? ""
                                : " whose shape (fields or record components) changed since it was saved")
                        + "; nothing was loaded. "
                        + (s.kind().equals("INPUT") ? "To drop the stored records of this input and start without"
                                + " them, set picante.store.discard-inputs=" + s.name() + " (remove it after one"
                                + " start); or rename the ingredient, or convert the stored data yourself"
                                : "Rename the ingredient, or delete the store (its interned ids are referenced"
                                        + " elsewhere)"));
            }
            return info;
        }

        /** Notes a derived record that read an ingredient no longer registered: dropped, counted per pair. */
        private void goneDependency(IngredientInfo info, GoneDependency e) {
            gone.refs.add(List.of(info.name(), e.key));
            goneDependencies.merge(List.of(info.name(), e.ingredient), 1, Integer::sum);
        }

        private void drop(String what) {
            if (!dropped.contains(what)) {
                dropped.add(what);
                logger.warn("picante store '" + ctx.name + "': " + what);
            }
        }

        /**
         * Decodes a record of the full save; null for one left out: an undecodable derived record always (it
         * is recomputed), an input record under IGNORE or DELETE.
         */
        private @Nullable StoredRecord decodeSaved(NumberedRecord r, IngredientInfo info, String what) {
            try {
                return decode(r.record(), info);
            } catch (GoneDependency e) {
                goneDependency(info, e);
                return null;
            } catch (IllegalArgumentException e) {
                String where = "record " + r.number() + " of " + what + " in the full save";
                String kind = info.kind().name();
                if (!kind.equals("DERIVED")) {
                    if (ctx.corruptionPolicy == CorruptionPolicy.FAIL || kind.equals("INTERNED")) {
                        throw undecodable(where, info, e);
                    }
                }
                corrupt.add(where + ": " + e.getMessage());
                noteDropped(r.record(), info);
                return null;
            }
        }

        private PicanteStoreException undecodable(String where, IngredientInfo info, Exception e) {
            boolean interned = info.kind().name().equals("INTERNED");
            return new PicanteStoreException("store '" + ctx.name + "': " + where + " cannot be read as "
                    + info.keyType().getName() + " -> " + info.valueType().getName() + ": " + e.getMessage()
                    + (interned ? "; interned values cannot be left out (their ids are referenced elsewhere): "
                            + "restore the store from a backup or delete it"
                            : "; set picante.store.corruption-policy=ignore (or delete) to load without it, or"
                                    + " picante.store.discard-inputs=" + info.name() + " to drop this input's"
                                    + " stored records"), e);
        }

        private StoredRecord decode(EncodedRecord r, IngredientInfo info) {
            Object key = ctx.codec.decode(r.key(), ctx.types.keyType(info.name(), info.keyType()));
            byte[] valueBytes = r.value();
            Object value = valueBytes == null ? null : ctx.codec.decode(valueBytes,
                    ctx.types.valueType(info.name(), info.valueType()));
            if (value == null && !info.kind().name().equals("INPUT")) {
                throw new IllegalArgumentException("no value");
            }
            List<StoredDependency> deps = new ArrayList<>();
            byte[] depBytes = r.dependencies();
            if (depBytes != null) {
                for (EncodedDependency d : StoreFormat.readDependencies(depBytes)) {
                    IngredientInfo dep = registry.get(d.ingredient());
                    if (dep == null) {
                        throw new GoneDependency(d.ingredient(), key);
                    }
                    deps.add(new StoredDependency(d.ingredient(), ctx.codec.decode(d.key(),
                            ctx.types.keyType(dep.name(), dep.keyType())), d.changedAt()));
                }
            }
            return new StoredRecord(key, value, r.verifiedAt(), r.changedAt(), deps);
        }

        private void noteDropped(EncodedRecord record, IngredientInfo info) {
            try {
                gone.refs.add(List.of(info.name(), ctx.codec.decode(record.key(),
                        ctx.types.keyType(info.name(), info.keyType()))));
            } catch (IllegalArgumentException e) {
                gone.all.add(info.name());
            }
        }

        /**
         * Leaves out every derived record that read something left out, transitively: the engine must not
         * trust a memo whose dependency was not restored as it was read.
         */
        private List<Section> dropDependents(List<Section> sections) {
            if (gone.refs.isEmpty() && gone.all.isEmpty()) {
                return sections;
            }
            List<Section> out = new ArrayList<>(sections);
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int s = 0; s < out.size(); s++) {
                    Section section = out.get(s);
                    if (section.kind() != SectionKind.DERIVED) {
                        continue;
                    }
                    List<StoredRecord> kept = new ArrayList<>(section.records().size());
                    for (StoredRecord record : section.records()) {
                        boolean stale = record.dependencies().stream().anyMatch(d -> gone.all.contains(d.ingredient())
                                || gone.refs.contains(List.of(d.ingredient(), d.key())));
                        if (stale) {
                            gone.refs.add(List.of(section.ingredient(), record.key()));
                            if (logger.isDebugEnabled()) {
                                logger.debug("store '" + ctx.name + "': leaving out derived '" + section.ingredient()
                                        + "' key " + StoreWriter.describe(record.key()) + ": it read a record left"
                                        + " out; it is recomputed when read");
                            }
                            changed = true;
                        } else {
                            kept.add(record);
                        }
                    }
                    if (kept.size() != section.records().size()) {
                        out.set(s, new Section(section.ingredient(), section.kind(), section.keyType(),
                                section.valueType(), section.codeVersion(), kept));
                    }
                }
            }
            return out;
        }

        // ------------------------------------------------------------ log

        private Prepared replay(Stored stored, StateImage base) {
            List<StoredLog> entries = new ArrayList<>(stored.log);
            long head = -1;
            List<StoredLog> verified = new ArrayList<>();
            long expectedPosition = 1;
            logLoop:
            for (StoredLog log : entries) {
                String where = "log entry " + log.position() + " (revision " + log.revision() + ")";
                if (checked) {
                    if (log.position() > meta.logPosition()) {
                        damaged(where, "it lies past the log's head (position " + meta.logPosition() + ") and was"
                                + " never committed with it; it is left out", null, false);
                        deleteFrom(meta.logPosition() + 1);
                        break;
                    }
                    if (log.position() != expectedPosition) {
                        damaged("log entry " + expectedPosition, "it is missing (the log of save " + meta.saveId()
                                + " runs from 1 to " + meta.logPosition() + ", the next stored entry is "
                                + log.position() + "); the replay stops before it and entries " + expectedPosition
                                + " to " + meta.logPosition() + " are left out", null, false);
                        deleteFrom(expectedPosition);
                        break;
                    }
                }
                if (log.format() >= StoreFormat.FORMAT_CHECKED || log.checksum() != null) {
                    long sum = StoreFormat.logChecksum(log.position(), meta.saveId(), log.revision(), log.image());
                    if (log.checksum() == null || log.checksum() != sum) {
                        damaged(where + " and every later entry", "its checksum does not match its bytes (damaged"
                                + " or changed)", null, false);
                        deleteFrom(log.position());
                        break logLoop;
                    }
                }
                verified.add(log);
                expectedPosition = log.position() + 1;
            }
            if (checked && deleteLogFrom == null && expectedPosition <= meta.logPosition()) {
                damaged("log entry " + expectedPosition, "it is missing (the log of save " + meta.saveId() + " runs"
                        + " to position " + meta.logPosition() + "); entries " + expectedPosition + " to "
                        + meta.logPosition() + " are left out", null, false);
                deleteFrom(expectedPosition);
            }
            if (checked && deleteLogFrom == null) {
                head = meta.logPosition();
            }
            // Entries appended at an input write carry that write's revision, which may follow an entry of
            // derived results exported meanwhile: replay in revision order, then position.
            verified.sort(Comparator.comparingLong(StoredLog::revision).thenComparingLong(StoredLog::position));
            List<StateImage> replay = new ArrayList<>();
            List<Long> positions = new ArrayList<>();
            Checkpoint last = meta.checkpoint();
            for (StoredLog log : verified) {
                String where = "log entry " + log.position() + " (revision " + log.revision() + ")";
                try {
                    StoreWriter.checkFormat(ctx.name, log.format());
                    LogEntry entry = StoreFormat.readLogEntry(log.image());
                    if (entry.revision() < meta.revision()) {
                        throw new IllegalArgumentException("revision " + entry.revision()
                                + " goes back from the full save's revision " + meta.revision());
                    }
                    List<Section> changes = new ArrayList<>();
                    for (EncodedSection es : entry.sections()) {
                        IngredientInfo info = match(es, where);
                        if (info == null) {
                            continue;
                        }
                        List<StoredRecord> records = new ArrayList<>(es.records().size());
                        for (int i = 0; i < es.records().size(); i++) {
                            try {
                                records.add(decode(es.records().get(i), info));
                            } catch (GoneDependency e) {
                                goneDependency(info, e);
                            } catch (IllegalArgumentException e) {
                                String record = "record " + i + " of " + info.kind().name().toLowerCase(Locale.ROOT)
                                        + " '" + info.name() + "' in " + where;
                                if (!info.kind().name().equals("DERIVED")) {
                                    if (ctx.corruptionPolicy == CorruptionPolicy.FAIL) {
                                        throw undecodable(record, info, e);
                                    }
                                    throw new IllegalArgumentException(record + ": " + e.getMessage(), e);
                                }
                                // A derived record left out is recomputed when next read: safe.
                                corrupt.add(record + ": " + e.getMessage());
                                noteDropped(es.records().get(i), info);
                            }
                        }
                        changes.add(new Section(info.name(), SectionKind.valueOf(info.kind().name()),
                                info.keyType(), info.valueType(), es.codeVersion(), records));
                    }
                    for (Section section : changes) {
                        for (StoredRecord record : section.records()) {
                            gone.refs.remove(List.of(section.ingredient(), record.key()));
                        }
                    }
                    replay.add(new StateImage(entry.revision(), dropDependents(changes), entry.checkpoint()));
                    positions.add(log.position());
                    last = entry.checkpoint();
                } catch (IllegalArgumentException e) {
                    // Replaying past an entry we cannot read could mix states: stop at the last good one.
                    damaged(where + " and every later entry", e.getMessage(), e, false);
                    deleteFrom(log.position());
                    head = -1;
                    break;
                }
            }
            for (Map.Entry<List<String>, Integer> e : goneDependencies.entrySet()) {
                drop("derived '" + e.getKey().get(0) + "': " + e.getValue() + " records read ingredient '"
                        + e.getKey().get(1) + "', which is no longer registered; they are dropped and recomputed when"
                        + " read");
            }
            if (!checked) {
                head = -1; // an older format: the next append makes a full save in this one
            }
            // Changes made without a new revision (new interned values) share their predecessor's revision:
            // the engine takes one image per revision, so fold them into it.
            StateImage first = base;
            List<StateImage> rest = new ArrayList<>();
            List<List<Long>> restPositions = new ArrayList<>();
            for (int i = 0; i < replay.size(); i++) {
                StateImage changes = replay.get(i);
                StateImage previous = rest.isEmpty() ? first : rest.get(rest.size() - 1);
                if (changes.revision() == previous.revision()) {
                    StateImage merged = merge(previous, changes);
                    if (rest.isEmpty()) {
                        first = merged;
                    } else {
                        rest.set(rest.size() - 1, merged);
                        restPositions.get(restPositions.size() - 1).add(positions.get(i));
                    }
                } else {
                    rest.add(changes);
                    List<Long> p = new ArrayList<>();
                    p.add(positions.get(i));
                    restPositions.add(p);
                }
            }
            Repairs repairs = new Repairs(deleteRows, chunkRepairs, deleteSections, deleteLogFrom, rebuildManifest);
            boolean whole = head >= 0 && skipped.isEmpty() && corrupt.isEmpty() && dropped.isEmpty()
                    && repairs.isEmpty() && gone.refs.isEmpty() && gone.all.isEmpty();
            return new Prepared(first, rest, restPositions, replay.size(), last, meta.saveId(), head, meta.format(),
                    skipped, corrupt, dropped, repairs, meta.savedAt(), whole ? index : null);
        }

        private void deleteFrom(long position) {
            if (deleteLogFrom == null || position < deleteLogFrom) {
                deleteLogFrom = position;
            }
        }
    }

    /** A record read an ingredient that is no longer registered. */
    private static final class GoneDependency extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        final String ingredient;
        final transient Object key;

        GoneDependency(String ingredient, Object key) {
            super("it depends on unregistered ingredient '" + ingredient + "'");
            this.ingredient = ingredient;
            this.key = key;
        }
    }

    /** Lays {@code later} over {@code earlier}, of the same revision: a record of {@code later} wins. */
    private static StateImage merge(StateImage earlier, StateImage later) {
        Map<String, Section> sections = new LinkedHashMap<>();
        for (Section s : earlier.sections()) {
            sections.put(s.ingredient(), s);
        }
        for (Section s : later.sections()) {
            Section old = sections.get(s.ingredient());
            if (old == null) {
                sections.put(s.ingredient(), s);
                continue;
            }
            Map<Object, StoredRecord> records = new LinkedHashMap<>();
            for (StoredRecord r : old.records()) {
                records.put(r.key(), r);
            }
            for (StoredRecord r : s.records()) {
                records.put(r.key(), r);
            }
            sections.put(s.ingredient(), new Section(s.ingredient(), s.kind(), s.keyType(), s.valueType(),
                    s.codeVersion(), new ArrayList<>(records.values())));
        }
        return new StateImage(later.revision(), new ArrayList<>(sections.values()), later.checkpoint());
    }
}
