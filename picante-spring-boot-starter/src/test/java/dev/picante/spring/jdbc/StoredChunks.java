package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.jdbc.StoreFormat.EncodedRecord;
import dev.picante.spring.jdbc.StoreFormat.NumberedRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads and damages the chunks of a full save ({@code PICANTE_RECORD_CHUNKS}) the way a disk or a careless
 * hand would, for the store's corruption tests.
 */
public final class StoredChunks {

    /** Bytes no JSON codec reads. */
    static final byte[] UNDECODABLE = "{not json".getBytes(StandardCharsets.UTF_8);

    private StoredChunks() {
    }

    /** How a chunk's frame is damaged. */
    enum Damage {
        /** The last bytes are cut off. */
        TRUNCATE,
        /** One byte in the middle is flipped: only the CRC notices. */
        FLIP,
        /** The magic number is overwritten. */
        MAGIC
    }

    /** Returns the chunk numbers of a section, in order. */
    static List<Integer> chunkNumbers(DataSource ds, String section) {
        return new JdbcTemplate(ds).queryForList("SELECT CHUNK_NO FROM PICANTE_RECORD_CHUNKS WHERE SECTION_NAME = ?"
                + " ORDER BY CHUNK_NO", Integer.class, section);
    }

    /** Returns the records of one chunk, decoded from its frame. */
    static List<NumberedRecord> records(DataSource ds, String section, int chunkNo) {
        return StoreFormat.readChunk(bytes(ds, section, chunkNo));
    }

    /** Returns the records of a section, over all its chunks, in order. */
    static List<NumberedRecord> records(DataSource ds, String section) {
        List<NumberedRecord> all = new ArrayList<>();
        for (int chunkNo : chunkNumbers(ds, section)) {
            all.addAll(records(ds, section, chunkNo));
        }
        return all;
    }

    /** Returns how many records a section's chunks hold, by their rows' record counts. */
    static int recordCount(DataSource ds, String section) {
        Integer n = new JdbcTemplate(ds).queryForObject("SELECT COALESCE(SUM(RECORD_COUNT), 0) FROM"
                + " PICANTE_RECORD_CHUNKS WHERE SECTION_NAME = ?", Integer.class, section);
        return n == null ? 0 : n;
    }

    /**
     * Replaces the value bytes of the record whose key is {@code keyJson} with bytes the codec cannot read,
     * and rewrites its chunk as a valid frame: the record is damaged, the chunk is not.
     */
    static void corruptValue(DataSource ds, String section, String keyJson) {
        byte[] key = keyJson.getBytes(StandardCharsets.UTF_8);
        int corrupted = 0;
        for (int chunkNo : chunkNumbers(ds, section)) {
            List<NumberedRecord> records = new ArrayList<>(records(ds, section, chunkNo));
            boolean changed = false;
            for (int i = 0; i < records.size(); i++) {
                EncodedRecord r = records.get(i).record();
                if (Arrays.equals(r.key(), key)) {
                    records.set(i, new NumberedRecord(records.get(i).number(), new EncodedRecord(r.key(),
                            UNDECODABLE, r.verifiedAt(), r.changedAt(), r.dependencies())));
                    changed = true;
                    corrupted++;
                }
            }
            if (changed) {
                write(ds, section, chunkNo, StoreFormat.writeChunk(records));
            }
        }
        assertThat(corrupted).as("records of %s with key %s", section, keyJson).isEqualTo(1);
        rebuildManifests(ds);
    }

    /** Damages the frame of one chunk; returns the keys (as JSON) of the records it held. */
    static List<String> damage(DataSource ds, String section, int chunkNo, Damage damage) {
        byte[] bytes = bytes(ds, section, chunkNo);
        List<String> keys = StoreFormat.readChunk(bytes).stream()
                .map(r -> new String(r.record().key(), StandardCharsets.UTF_8)).toList();
        byte[] damaged = switch (damage) {
            case TRUNCATE -> Arrays.copyOf(bytes, bytes.length - 7);
            case FLIP -> {
                byte[] copy = bytes.clone();
                copy[copy.length / 2] ^= 0x10;
                yield copy;
            }
            case MAGIC -> {
                byte[] copy = bytes.clone();
                copy[0] = 'X';
                yield copy;
            }
        };
        write(ds, section, chunkNo, damaged);
        return keys;
    }

    /**
     * Rewrites a store saved by this version as the previous version (format 1) kept it: one row per record
     * in {@code PICANTE_RECORDS}, no chunks, metadata and log entries of format 1. Returns how many records it wrote.
     */
    static int rewriteAsFormat1(DataSource ds) {
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        List<Map<String, Object>> sections = jdbc.queryForList("SELECT STORE_NAME, SECTION_NAME FROM"
                + " PICANTE_SECTIONS");
        int rows = 0;
        for (Map<String, Object> s : sections) {
            String store = (String) s.get("STORE_NAME");
            String section = (String) s.get("SECTION_NAME");
            for (NumberedRecord n : records(ds, section)) {
                EncodedRecord r = n.record();
                rows += jdbc.update("INSERT INTO PICANTE_RECORDS (STORE_NAME, SECTION_NAME, RECORD_NO, KEY_BYTES,"
                        + " VALUE_BYTES, VERIFIED_AT, CHANGED_AT, DEPENDENCIES) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        store, section, n.number(), r.key(), r.value(), r.verifiedAt(), r.changedAt(),
                        r.dependencies());
            }
        }
        jdbc.update("DELETE FROM PICANTE_RECORD_CHUNKS");
        jdbc.update("UPDATE PICANTE_METADATA SET FORMAT_VERSION = 1");
        jdbc.update("UPDATE PICANTE_LOG SET FORMAT_VERSION = 1");
        return rows;
    }

    /**
     * Rewrites the manifest of every store to match its rows, as a save would have written it: what was changed
     * since is then a record the codec cannot read (a changed class), not damage the checks catch.
     */
    public static void rebuildManifests(DataSource ds) {
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        for (String store : jdbc.queryForList("SELECT STORE_NAME FROM PICANTE_METADATA", String.class)) {
            StoreRepair.rebuildManifest(jdbc, store);
        }
    }

    private static byte[] bytes(DataSource ds, String section, int chunkNo) {
        byte[] bytes = new JdbcTemplate(ds).queryForObject("SELECT CHUNK FROM PICANTE_RECORD_CHUNKS WHERE"
                + " SECTION_NAME = ? AND CHUNK_NO = ?", byte[].class, section, chunkNo);
        assertThat(bytes).as("chunk %d of %s", chunkNo, section).isNotNull();
        return bytes;
    }

    private static void write(DataSource ds, String section, int chunkNo, byte[] bytes) {
        int updated = new JdbcTemplate(ds).update("UPDATE PICANTE_RECORD_CHUNKS SET CHUNK = ? WHERE SECTION_NAME = ?"
                + " AND CHUNK_NO = ?", bytes, section, chunkNo);
        assertThat(updated).isEqualTo(1);
    }
}
