package dev.picante.spring.jdbc;

import dev.picante.persist.StateImage.Checkpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The binary framing of what the store keeps besides codec bytes: checkpoints, dependency lists,
 * change-log entries and chunks of a full save's records. Keys and values inside are opaque codec bytes.
 * Every frame starts with a magic number, and a chunk ends with a CRC-32 of its bytes, so a damaged frame is
 * detected rather than misread.
 *
 * <p>Format 1 kept a full save one record to a row ({@code PICANTE_RECORDS}); format 2 packs many records
 * into a chunk ({@code PICANTE_RECORD_CHUNKS}, see {@link #writeChunk}); format 3 adds a {@link Manifest} per
 * full save, a checksum per log entry ({@link #logChecksum}) and each section's code version and shape. This
 * version reads all three and writes 3.
 */
final class StoreFormat {

    /**
     * The format this version writes and the newest it reads: 3 adds a manifest to each full save, a checksum
     * to each log entry, the log's head position, and each section's code version and shape fingerprint.
     */
    static final int FORMAT_VERSION = 3;

    /** The first format with a manifest, log checksums and contiguous log positions. */
    static final int FORMAT_CHECKED = 3;

    /** The format that kept one record to a row ({@code PICANTE_RECORDS}), still read. */
    static final int FORMAT_RECORD_ROWS = 1;

    /** The most records in one chunk. */
    static final int CHUNK_MAX_RECORDS = 1_000;

    /** The most bytes in one chunk, unless it holds a single larger record. */
    static final int CHUNK_MAX_BYTES = 64 * 1024;

    private static final int CHECKPOINT_MAGIC = 0x50434B31; // "PCK1"
    private static final int DEPENDENCIES_MAGIC = 0x50445031; // "PDP1"
    private static final int LOG_MAGIC = 0x504C4731; // "PLG1"
    private static final int LOG_MAGIC_2 = 0x504C4732; // "PLG2": sections carry a code version and a shape
    private static final int MANIFEST_MAGIC = 0x504D4631; // "PMF1"
    private static final int CHUNK_MAGIC = 0x50524331; // "PRC1"
    /** Magic, record count and CRC. */
    private static final int CHUNK_OVERHEAD = 12;
    /** Record number, verifiedAt, changedAt and the three lengths. */
    private static final int CHUNK_RECORD_OVERHEAD = 32;

    private StoreFormat() {
    }

    /** A record as bytes. */
    record EncodedRecord(byte[] key, byte @Nullable [] value, long verifiedAt, long changedAt,
            byte @Nullable [] dependencies) {

        long size() {
            return key.length + (value == null ? 0 : value.length)
                    + (dependencies == null ? 0 : dependencies.length) + 16;
        }
    }

    /**
     * A section as bytes.
     *
     * @param codeVersion the code version of the function that computed a derived section's records ("" if
     *     none or unknown)
     * @param shape the fingerprint of the key and value types' shapes ({@link TypeShapes}); "" when unknown
     *     (written by a format before 3)
     */
    record EncodedSection(String name, String kind, String keyType, String valueType, String codeVersion,
            String shape, List<EncodedRecord> records) {

        /** A section without code version and shape. */
        EncodedSection(String name, String kind, String keyType, String valueType, List<EncodedRecord> records) {
            this(name, kind, keyType, valueType, "", "", records);
        }
    }

    /**
     * What a full save holds, written with it and checked before anything is imported: per section its kind,
     * types, code version, shape, record count and the CRC-32 of each of its chunks in order (so a missing,
     * added, replaced or reordered chunk, and a missing section, is detected), and the save's id, revision and
     * lease generation.
     */
    record Manifest(long saveId, long revision, long generation, List<ManifestSection> sections) {
    }

    /** A section in a {@link Manifest}. */
    record ManifestSection(String name, String kind, String keyType, String valueType, String codeVersion,
            String shape, long records, List<Integer> chunkCrcs) {
    }

    /** A record of a full save with its record number (its position in its section). */
    record NumberedRecord(int number, EncodedRecord record) {
    }

    /** A dependency with its key as bytes. */
    record EncodedDependency(String ingredient, byte[] key, long changedAt) {
    }

    /** A change-log entry. */
    record LogEntry(long revision, Checkpoint checkpoint, List<EncodedSection> sections) {
    }

    static byte[] writeCheckpoint(Checkpoint checkpoint) {
        return write(out -> {
            out.writeInt(CHECKPOINT_MAGIC);
            writeCheckpointBody(out, checkpoint);
        });
    }

    static Checkpoint readCheckpoint(byte[] bytes) {
        return read(bytes, in -> {
            expect(in.readInt(), CHECKPOINT_MAGIC, "checkpoint");
            return readCheckpointBody(in);
        });
    }

    static byte[] writeDependencies(List<EncodedDependency> dependencies) {
        return write(out -> {
            out.writeInt(DEPENDENCIES_MAGIC);
            out.writeInt(dependencies.size());
            for (EncodedDependency d : dependencies) {
                out.writeUTF(d.ingredient());
                writeBytes(out, d.key());
                out.writeLong(d.changedAt());
            }
        });
    }

    static List<EncodedDependency> readDependencies(byte[] bytes) {
        return read(bytes, in -> {
            expect(in.readInt(), DEPENDENCIES_MAGIC, "dependency list");
            int n = count(in);
            List<EncodedDependency> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(new EncodedDependency(in.readUTF(), readBytes(in), in.readLong()));
            }
            return list;
        });
    }

    static byte[] writeLogEntry(LogEntry entry) {
        return write(out -> {
            out.writeInt(LOG_MAGIC_2);
            out.writeLong(entry.revision());
            writeCheckpointBody(out, entry.checkpoint());
            out.writeInt(entry.sections().size());
            for (EncodedSection s : entry.sections()) {
                writeSectionHeader(out, s.name(), s.kind(), s.keyType(), s.valueType(), s.codeVersion(), s.shape());
                out.writeInt(s.records().size());
                for (EncodedRecord r : s.records()) {
                    writeBytes(out, r.key());
                    writeNullableBytes(out, r.value());
                    out.writeLong(r.verifiedAt());
                    out.writeLong(r.changedAt());
                    writeNullableBytes(out, r.dependencies());
                }
            }
        });
    }

    static LogEntry readLogEntry(byte[] bytes) {
        return read(bytes, in -> {
            int magic = in.readInt();
            if (magic != LOG_MAGIC && magic != LOG_MAGIC_2) {
                throw new IOException("not a log entry (bad magic number)");
            }
            long revision = in.readLong();
            Checkpoint checkpoint = readCheckpointBody(in);
            int sections = count(in);
            List<EncodedSection> list = new ArrayList<>(sections);
            for (int s = 0; s < sections; s++) {
                String[] header = readSectionHeader(in, magic == LOG_MAGIC_2);
                int n = count(in);
                List<EncodedRecord> records = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] key = readBytes(in);
                    byte[] value = readNullableBytes(in);
                    long verifiedAt = in.readLong();
                    long changedAt = in.readLong();
                    records.add(new EncodedRecord(key, value, verifiedAt, changedAt, readNullableBytes(in)));
                }
                list.add(new EncodedSection(header[0], header[1], header[2], header[3], header[4], header[5],
                        records));
            }
            if (in.available() > 0) {
                throw new IOException("trailing bytes after the log entry");
            }
            return new LogEntry(revision, checkpoint, list);
        });
    }

    /**
     * Returns the checksum of a log entry (CRC-32C over its position, save id, revision and bytes), stored
     * with it from format 3: a changed byte, or an entry moved to another position or save, is detected.
     */
    static long logChecksum(long position, long saveId, long revision, byte[] image) {
        CRC32C crc = new CRC32C();
        ByteBuffer header = ByteBuffer.allocate(24);
        header.putLong(position).putLong(saveId).putLong(revision);
        crc.update(header.array());
        crc.update(image);
        return crc.getValue();
    }

    /** Returns the CRC-32 a chunk written by {@link #writeChunk} ends with (its last four bytes). */
    static int chunkCrc(byte[] chunk) {
        if (chunk.length < 4) {
            return 0;
        }
        return ByteBuffer.wrap(chunk).getInt(chunk.length - 4);
    }

    /** Writes a manifest: magic {@code "PMF1"}, its fields, then a CRC-32 of everything before it. */
    static byte[] writeManifest(Manifest manifest) {
        byte[] body = write(out -> {
            out.writeInt(MANIFEST_MAGIC);
            out.writeLong(manifest.saveId());
            out.writeLong(manifest.revision());
            out.writeLong(manifest.generation());
            out.writeInt(manifest.sections().size());
            for (ManifestSection s : manifest.sections()) {
                writeSectionHeader(out, s.name(), s.kind(), s.keyType(), s.valueType(), s.codeVersion(), s.shape());
                out.writeLong(s.records());
                out.writeInt(s.chunkCrcs().size());
                for (int crc : s.chunkCrcs()) {
                    out.writeInt(crc);
                }
            }
        });
        CRC32 crc = new CRC32();
        crc.update(body);
        ByteBuffer out = ByteBuffer.allocate(body.length + 4);
        out.put(body).putInt((int) crc.getValue());
        return out.array();
    }

    /** Reads a manifest; a damaged one is an {@link IllegalArgumentException}. */
    static Manifest readManifest(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("damaged manifest: truncated");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes).getInt(bytes.length - 4)) {
            throw new IllegalArgumentException("damaged manifest: bad CRC");
        }
        return read(java.util.Arrays.copyOf(bytes, bytes.length - 4), in -> {
            expect(in.readInt(), MANIFEST_MAGIC, "manifest");
            long saveId = in.readLong();
            long revision = in.readLong();
            long generation = in.readLong();
            int n = count(in);
            List<ManifestSection> sections = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String[] header = readSectionHeader(in, true);
                long records = in.readLong();
                int chunks = count(in);
                List<Integer> crcs = new ArrayList<>(chunks);
                for (int c = 0; c < chunks; c++) {
                    crcs.add(in.readInt());
                }
                sections.add(new ManifestSection(header[0], header[1], header[2], header[3], header[4], header[5],
                        records, crcs));
            }
            if (in.available() > 0) {
                throw new IOException("trailing bytes after the manifest");
            }
            return new Manifest(saveId, revision, generation, sections);
        });
    }

    /** Returns the bytes {@code record} takes in a chunk. */
    static long chunkedSize(EncodedRecord record) {
        return CHUNK_RECORD_OVERHEAD + (long) record.key().length
                + (record.value() == null ? 0 : record.value().length)
                + (record.dependencies() == null ? 0 : record.dependencies().length);
    }

    /**
     * Splits a section's records into chunks of at most {@link #CHUNK_MAX_RECORDS} records and about
     * {@link #CHUNK_MAX_BYTES} bytes; a record larger than that gets a chunk of its own. Returns the index of
     * the first record of each chunk, followed by the number of records.
     */
    static int[] chunkBounds(List<EncodedRecord> records) {
        List<Integer> starts = new ArrayList<>();
        long bytes = 0;
        int count = 0;
        for (int i = 0; i < records.size(); i++) {
            long size = chunkedSize(records.get(i));
            if (startsNewChunk(count, bytes, size)) {
                count = 0;
                bytes = 0;
            }
            if (count == 0) {
                starts.add(i);
            }
            count++;
            bytes += size;
        }
        int[] bounds = new int[starts.size() + 1];
        for (int c = 0; c < starts.size(); c++) {
            bounds[c] = starts.get(c);
        }
        bounds[starts.size()] = records.size();
        return bounds;
    }

    /**
     * Returns whether a record of {@code size} chunked bytes starts a new chunk after {@code count} records of
     * {@code bytes}: a chunk holds at most {@link #CHUNK_MAX_RECORDS} records and about {@link #CHUNK_MAX_BYTES}
     * bytes, or one larger record alone.
     */
    static boolean startsNewChunk(int count, long bytes, long size) {
        return count > 0 && (count >= CHUNK_MAX_RECORDS || bytes + size > CHUNK_MAX_BYTES - CHUNK_OVERHEAD);
    }

    /**
     * Returns whether a chunk of {@code count} records in {@code frameBytes} bytes (its whole frame) is worth
     * adding new records to: fewer than the most records, and under three quarters of the size.
     */
    static boolean hasRoom(int count, int frameBytes) {
        return count < CHUNK_MAX_RECORDS && frameBytes < CHUNK_MAX_BYTES * 3 / 4;
    }

    /**
     * Writes a chunk of a full save: magic {@code "PRC1"}, the record count, then per record its number,
     * verifiedAt, changedAt, key bytes, value bytes and dependency bytes (each a length, -1 for none, then the
     * bytes), then a CRC-32 of everything before it.
     */
    static byte[] writeChunk(List<NumberedRecord> records) {
        long size = CHUNK_OVERHEAD;
        for (NumberedRecord r : records) {
            size += chunkedSize(r.record());
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a chunk of " + size + " bytes is too large");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        out.putInt(CHUNK_MAGIC);
        out.putInt(records.size());
        for (NumberedRecord n : records) {
            EncodedRecord r = n.record();
            out.putInt(n.number());
            out.putLong(r.verifiedAt());
            out.putLong(r.changedAt());
            putBytes(out, r.key());
            putBytes(out, r.value());
            putBytes(out, r.dependencies());
        }
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /**
     * Reads a chunk written by {@link #writeChunk}; a damaged one (bad magic number, bad CRC, truncated or
     * with trailing bytes) is an {@link IllegalArgumentException}, never a misread.
     */
    static List<NumberedRecord> readChunk(byte[] bytes) {
        try {
            if (bytes.length < CHUNK_OVERHEAD) {
                throw new IOException("truncated: " + bytes.length + " bytes");
            }
            ByteBuffer in = ByteBuffer.wrap(bytes);
            expect(in.getInt(), CHUNK_MAGIC, "chunk of records");
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length - 4);
            if ((int) crc.getValue() != in.getInt(bytes.length - 4)) {
                throw new IOException("bad CRC (damaged or truncated)");
            }
            in.limit(bytes.length - 4);
            int n = in.getInt();
            if (n < 0 || n > in.remaining() / CHUNK_RECORD_OVERHEAD) {
                throw new IOException("bad record count " + n);
            }
            List<NumberedRecord> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int number = in.getInt();
                long verifiedAt = in.getLong();
                long changedAt = in.getLong();
                byte[] key = getBytes(in);
                if (key == null) {
                    throw new IOException("record " + number + " has no key");
                }
                byte[] value = getBytes(in);
                byte[] dependencies = getBytes(in);
                records.add(new NumberedRecord(number, new EncodedRecord(key, value, verifiedAt, changedAt,
                        dependencies)));
            }
            if (in.hasRemaining()) {
                throw new IOException("trailing bytes after the chunk");
            }
            return records;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("damaged chunk: " + e, e);
        }
    }

    private static void putBytes(ByteBuffer out, byte @Nullable [] bytes) {
        if (bytes == null) {
            out.putInt(-1);
        } else {
            out.putInt(bytes.length);
            out.put(bytes);
        }
    }

    private static byte @Nullable [] getBytes(ByteBuffer in) throws IOException {
        int n = in.getInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.remaining()) {
            throw new IOException("length " + n + " runs past the end");
        }
        byte[] bytes = new byte[n];
        in.get(bytes);
        return bytes;
    }

    /**
     * Writes the header of a section, the same in a log entry and in a manifest: its name, kind, key and value
     * types, code version and shape fingerprint.
     */
    private static void writeSectionHeader(DataOutputStream out, String name, String kind, String keyType,
            String valueType, String codeVersion, String shape) throws IOException {
        out.writeUTF(name);
        out.writeUTF(kind);
        out.writeUTF(keyType);
        out.writeUTF(valueType);
        out.writeUTF(codeVersion);
        out.writeUTF(shape);
    }

    /**
     * Reads what {@link #writeSectionHeader} wrote: name, kind, key type, value type, code version and shape
     * ({@code ""} for the last two when {@code versioned} is false: log entries of format 2 lack them).
     */
    private static String[] readSectionHeader(DataInputStream in, boolean versioned) throws IOException {
        String name = in.readUTF();
        String kind = in.readUTF();
        String keyType = in.readUTF();
        String valueType = in.readUTF();
        String codeVersion = versioned ? in.readUTF() : "";
        String shape = versioned ? in.readUTF() : "";
        return new String[] {name, kind, keyType, valueType, codeVersion, shape};
    }

    /**
     * Returns a 64-bit hash of a record's key bytes, by which the store finds the chunk that holds a key
     * without keeping the keys themselves in memory. Not a checksum: equal hashes of different keys are
     * possible (and handled, see {@link SaveIndex}).
     */
    static long keyHash(byte[] key) {
        long h = 0x9E3779B97F4A7C15L ^ key.length;
        int i = 0;
        for (; i + 8 <= key.length; i += 8) {
            long word = 0;
            for (int j = 0; j < 8; j++) {
                word = (word << 8) | (key[i + j] & 0xFF);
            }
            h = mix(h ^ word);
        }
        long tail = 0;
        for (; i < key.length; i++) {
            tail = (tail << 8) | (key[i] & 0xFF);
        }
        return mix(mix(h ^ tail) + key.length);
    }

    /**
     * Returns a 64-bit digest of a record's encoded dependency list ({@link #writeDependencies}: each
     * dependency's ingredient, key bytes and changedAt, in order), or 0 for a record without dependencies. A
     * save compares it with the stored record's to tell whether the record names other dependencies than the
     * saved one; computed from the bytes, it is the same at save time and at load time. Not a checksum: a
     * collision would leave a record with older dependencies stored, which a load then distrusts and recomputes,
     * never a wrong value.
     */
    static long dependencyDigest(byte @Nullable [] dependencies) {
        return dependencies == null ? 0 : keyHash(dependencies);
    }

    /** A 64-bit finalizer: every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    private static void writeCheckpointBody(DataOutputStream out, Checkpoint checkpoint) throws IOException {
        out.writeLong(checkpoint.revision());
        Map<String, Integer> sorted = new TreeMap<>(checkpoint.internedSizes());
        out.writeInt(sorted.size());
        for (Map.Entry<String, Integer> e : sorted.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue());
        }
    }

    private static Checkpoint readCheckpointBody(DataInputStream in) throws IOException {
        long revision = in.readLong();
        int n = count(in);
        Map<String, Integer> sizes = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            sizes.put(in.readUTF(), in.readInt());
        }
        return new Checkpoint(revision, sizes);
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static void writeNullableBytes(DataOutputStream out, byte @Nullable [] bytes) throws IOException {
        out.writeBoolean(bytes != null);
        if (bytes != null) {
            writeBytes(out, bytes);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = count(in);
        if (n > in.available()) {
            throw new IOException("length " + n + " runs past the end");
        }
        return in.readNBytes(n);
    }

    private static byte @Nullable [] readNullableBytes(DataInputStream in) throws IOException {
        return in.readBoolean() ? readBytes(in) : null;
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative length " + n);
        }
        return n;
    }

    private static void expect(int magic, int expected, String what) throws IOException {
        if (magic != expected) {
            throw new IOException("not a " + what + " (bad magic number)");
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a frame; a damaged one is an {@link IllegalArgumentException}. */
    private static <T> T read(byte[] bytes, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return reader.read(in);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("damaged frame: " + e, e);
        }
    }
}
