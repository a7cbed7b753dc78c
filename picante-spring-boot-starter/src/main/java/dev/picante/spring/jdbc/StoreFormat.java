package dev.picante.spring.jdbc;

import dev.picante.persist.StateImage.Checkpoint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The binary framing of what the store keeps besides codec bytes: checkpoints, dependency lists and
 * change-log entries. Keys and values inside are opaque codec bytes. Every frame starts with a magic
 * number, so a damaged frame is detected rather than misread.
 */
final class StoreFormat {

    /** The format this version writes and the newest it reads. */
    static final int FORMAT_VERSION = 1;

    private static final int CHECKPOINT_MAGIC = 0x50434B31; // "PCK1"
    private static final int DEPENDENCIES_MAGIC = 0x50445031; // "PDP1"
    private static final int LOG_MAGIC = 0x504C4731; // "PLG1"

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

    /** A section as bytes. */
    record EncodedSection(String name, String kind, String keyType, String valueType,
            List<EncodedRecord> records) {
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
            out.writeInt(LOG_MAGIC);
            out.writeLong(entry.revision());
            writeCheckpointBody(out, entry.checkpoint());
            out.writeInt(entry.sections().size());
            for (EncodedSection s : entry.sections()) {
                out.writeUTF(s.name());
                out.writeUTF(s.kind());
                out.writeUTF(s.keyType());
                out.writeUTF(s.valueType());
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
            expect(in.readInt(), LOG_MAGIC, "log entry");
            long revision = in.readLong();
            Checkpoint checkpoint = readCheckpointBody(in);
            int sections = count(in);
            List<EncodedSection> list = new ArrayList<>(sections);
            for (int s = 0; s < sections; s++) {
                String name = in.readUTF();
                String kind = in.readUTF();
                String keyType = in.readUTF();
                String valueType = in.readUTF();
                int n = count(in);
                List<EncodedRecord> records = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] key = readBytes(in);
                    byte[] value = readNullableBytes(in);
                    long verifiedAt = in.readLong();
                    long changedAt = in.readLong();
                    records.add(new EncodedRecord(key, value, verifiedAt, changedAt, readNullableBytes(in)));
                }
                list.add(new EncodedSection(name, kind, keyType, valueType, records));
            }
            if (in.available() > 0) {
                throw new IOException("trailing bytes after the log entry");
            }
            return new LogEntry(revision, checkpoint, list);
        });
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
