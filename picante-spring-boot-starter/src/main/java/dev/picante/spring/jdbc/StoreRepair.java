package dev.picante.spring.jdbc;

import dev.picante.spring.jdbc.StoreFormat.Manifest;
import dev.picante.spring.jdbc.StoreFormat.ManifestSection;
import dev.picante.spring.jdbc.StoreFormat.NumberedRecord;
import dev.picante.spring.jdbc.StoreLoader.ChunkRepair;
import dev.picante.spring.jdbc.StoreLoader.RecordRow;
import dev.picante.spring.jdbc.StoreLoader.Repairs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The repairing part of a {@link JdbcStateStore}: under {@link CorruptionPolicy#DELETE}, deletes what a load
 * left out (unreadable records, damaged chunks, sections not in the manifest, the log from its first bad or
 * missing entry) and writes a manifest describing what remains, in one transaction, and only if the store
 * was not saved anew since the load.
 */
final class StoreRepair {

    private final StoreContext ctx;

    StoreRepair(StoreContext ctx) {
        this.ctx = ctx;
    }

    /** Applies {@code repairs} to save {@code saveId}; returns false, changing nothing, if it was replaced. */
    boolean repair(long saveId, int format, Repairs repairs) {
        return ctx.write("delete unreadable records", () -> Boolean.TRUE.equals(ctx.writeTx.execute(status -> {
            List<Long> current = ctx.jdbc.queryForList("SELECT SAVE_ID FROM PICANTE_METADATA WHERE STORE_NAME = ?"
                    + " FOR UPDATE", Long.class, ctx.name);
            if (current.isEmpty() || current.get(0) != saveId) {
                return false;
            }
            for (RecordRow row : repairs.deleteRows()) {
                ctx.jdbc.update("DELETE FROM PICANTE_RECORDS WHERE STORE_NAME = ? AND SECTION_NAME = ? AND RECORD_NO = ?",
                        ctx.name, row.section(), row.recordNo());
            }
            for (ChunkRepair repair : repairs.chunkRepairs()) {
                List<NumberedRecord> kept = repair.records();
                if (kept == null) {
                    ctx.jdbc.update("DELETE FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ? AND SECTION_NAME = ?"
                            + " AND CHUNK_NO = ?", ctx.name, repair.section(), repair.chunkNo());
                } else {
                    ctx.jdbc.update("UPDATE PICANTE_RECORD_CHUNKS SET FIRST_RECORD_NO = ?, RECORD_COUNT = ?, CHUNK = ?"
                            + " WHERE STORE_NAME = ? AND SECTION_NAME = ? AND CHUNK_NO = ?", kept.get(0).number(),
                            kept.size(), StoreFormat.writeChunk(kept), ctx.name, repair.section(), repair.chunkNo());
                }
            }
            for (String section : repairs.deleteSections()) {
                ctx.jdbc.update("DELETE FROM PICANTE_SECTIONS WHERE STORE_NAME = ? AND SECTION_NAME = ?", ctx.name,
                        section);
            }
            Long logFrom = repairs.deleteLogFrom();
            if (logFrom != null) {
                ctx.jdbc.update("DELETE FROM PICANTE_LOG WHERE STORE_NAME = ? AND LOG_POSITION >= ?", ctx.name, logFrom);
                ctx.jdbc.update("UPDATE PICANTE_METADATA SET LOG_POSITION = ? WHERE STORE_NAME = ?", logFrom - 1,
                        ctx.name);
            }
            if (format >= StoreFormat.FORMAT_CHECKED) {
                rebuildManifest(ctx.jdbc, ctx.name);
            }
            return true;
        })));
    }

    /**
     * Writes the manifest of what the store's full save holds now: its section rows and their chunks. Used
     * after a repair, so that what was reported and deleted once is not reported again.
     */
    static void rebuildManifest(JdbcTemplate jdbc, String store) {
        Map<String, Object[]> meta = new LinkedHashMap<>();
        jdbc.query("SELECT SAVE_ID, REVISION, GENERATION FROM PICANTE_METADATA WHERE STORE_NAME = ?", rs -> {
            meta.put("m", new Object[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)});
        }, store);
        if (meta.isEmpty()) {
            return;
        }
        Map<String, String[]> sections = new TreeMap<>();
        jdbc.query("SELECT SECTION_NAME, KIND, KEY_TYPE, VALUE_TYPE, CODE_VERSION, SHAPE FROM PICANTE_SECTIONS"
                + " WHERE STORE_NAME = ?", rs -> {
                    sections.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6)});
                }, store);
        Map<String, TreeMap<Integer, int[]>> chunks = new LinkedHashMap<>();
        jdbc.query("SELECT SECTION_NAME, CHUNK_NO, RECORD_COUNT, CHUNK FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ?",
                rs -> {
                    chunks.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getInt(2),
                            new int[] {rs.getInt(3), StoreFormat.chunkCrc(rs.getBytes(4))});
                }, store);
        List<ManifestSection> list = new ArrayList<>();
        for (Map.Entry<String, String[]> e : sections.entrySet()) {
            String name = e.getKey();
            String[] s = e.getValue();
            TreeMap<Integer, int[]> own = chunks.getOrDefault(name, new TreeMap<>());
            // Chunks renumbered from 0 in order: the manifest lists them by position.
            List<Integer> crcs = new ArrayList<>();
            long records = 0;
            int next = 0;
            for (Map.Entry<Integer, int[]> c : own.entrySet()) {
                if (c.getKey() != next) {
                    jdbc.update("UPDATE PICANTE_RECORD_CHUNKS SET CHUNK_NO = ? WHERE STORE_NAME = ? AND SECTION_NAME = ?"
                            + " AND CHUNK_NO = ?", next, store, name, c.getKey());
                }
                crcs.add(c.getValue()[1]);
                records += c.getValue()[0];
                next++;
            }
            list.add(new ManifestSection(name, s[0], s[1], s[2], s[3] == null ? "" : s[3], s[4] == null ? "" : s[4],
                    records, crcs));
        }
        Object[] m = java.util.Objects.requireNonNull(meta.get("m"), "the metadata row");
        byte[] manifest = StoreFormat.writeManifest(new Manifest((Long) m[0], (Long) m[1], (Long) m[2], list));
        jdbc.update("UPDATE PICANTE_METADATA SET MANIFEST = ? WHERE STORE_NAME = ?", manifest, store);
    }
}
