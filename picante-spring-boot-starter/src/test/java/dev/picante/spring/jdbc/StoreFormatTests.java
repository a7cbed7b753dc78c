package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.persist.StateImage.Checkpoint;
import dev.picante.spring.jdbc.StoreFormat.EncodedDependency;
import dev.picante.spring.jdbc.StoreFormat.EncodedRecord;
import dev.picante.spring.jdbc.StoreFormat.EncodedSection;
import dev.picante.spring.jdbc.StoreFormat.LogEntry;
import dev.picante.spring.jdbc.StoreFormat.NumberedRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The binary frames of checkpoints, dependency lists, log entries and chunks of records. */
class StoreFormatTests {

    @Test
    void logEntriesRoundTrip() {
        LogEntry entry = new LogEntry(7, new Checkpoint(7, Map.of("words", 3)), List.of(new EncodedSection("pages",
                "INPUT", "java.lang.String", "java.lang.String", List.of(
                        new EncodedRecord(new byte[] {1}, new byte[] {2}, 7, 7, null),
                        new EncodedRecord(new byte[] {3}, null, 6, 6, null)))));
        LogEntry back = StoreFormat.readLogEntry(StoreFormat.writeLogEntry(entry));
        assertThat(back.revision()).isEqualTo(7);
        assertThat(back.checkpoint()).isEqualTo(entry.checkpoint());
        assertThat(back.sections()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("pages");
            assertThat(s.records()).hasSize(2);
            assertThat(s.records().get(1).value()).isNull();
            assertThat(s.records().get(0).value()).containsExactly(2);
        });
    }

    @Test
    void dependenciesAndCheckpointsRoundTrip() {
        List<EncodedDependency> deps = List.of(new EncodedDependency("pages", new byte[] {9, 9}, 4));
        List<EncodedDependency> back = StoreFormat.readDependencies(StoreFormat.writeDependencies(deps));
        assertThat(back).singleElement().satisfies(d -> {
            assertThat(d.ingredient()).isEqualTo("pages");
            assertThat(d.key()).containsExactly(9, 9);
            assertThat(d.changedAt()).isEqualTo(4);
        });
        Checkpoint cp = new Checkpoint(12, Map.of("a", 1, "b", 2));
        assertThat(StoreFormat.readCheckpoint(StoreFormat.writeCheckpoint(cp))).isEqualTo(cp);
    }

    @Test
    void damagedFramesAreDetectedNotMisread() {
        // r[store.corrupt]
        byte[] good = StoreFormat.writeLogEntry(new LogEntry(1, new Checkpoint(1, Map.of()), List.of()));
        assertThatThrownBy(() -> StoreFormat.readLogEntry(Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoreFormat.readLogEntry(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad magic");
        assertThatThrownBy(() -> StoreFormat.readDependencies(good)).isInstanceOf(IllegalArgumentException.class);
        byte[] extra = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> StoreFormat.readLogEntry(extra)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void chunksRoundTripEveryField() {
        List<NumberedRecord> records = List.of(
                new NumberedRecord(1000, new EncodedRecord(new byte[] {1, 2}, new byte[] {3}, 7, 5, new byte[] {4})),
                new NumberedRecord(1001, new EncodedRecord(new byte[] {5}, null, Long.MAX_VALUE, 0, null)),
                new NumberedRecord(1002, new EncodedRecord(new byte[0], new byte[0], 1, 1, new byte[0])));
        List<NumberedRecord> back = StoreFormat.readChunk(StoreFormat.writeChunk(records));
        assertThat(back).hasSize(3);
        for (int i = 0; i < 3; i++) {
            NumberedRecord expected = records.get(i);
            NumberedRecord actual = back.get(i);
            assertThat(actual.number()).isEqualTo(expected.number());
            assertThat(actual.record().key()).isEqualTo(expected.record().key());
            assertThat(actual.record().value()).isEqualTo(expected.record().value());
            assertThat(actual.record().verifiedAt()).isEqualTo(expected.record().verifiedAt());
            assertThat(actual.record().changedAt()).isEqualTo(expected.record().changedAt());
            assertThat(actual.record().dependencies()).isEqualTo(expected.record().dependencies());
        }
        assertThat(StoreFormat.readChunk(StoreFormat.writeChunk(List.of()))).isEmpty();
    }

    @Test
    void chunksAreBoundedByRecordsAndBytesAndALargeRecordIsAlone() {
        List<EncodedRecord> small = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            small.add(new EncodedRecord(new byte[10], new byte[10], 1, 1, null));
        }
        assertThat(StoreFormat.chunkBounds(small)).containsExactly(0, 1_000, 2_000, 2_500);
        assertThat(StoreFormat.chunkBounds(List.of())).containsExactly(0);

        int third = StoreFormat.CHUNK_MAX_BYTES / 3;
        List<EncodedRecord> mixed = List.of(
                new EncodedRecord(new byte[1], new byte[third], 1, 1, null),
                new EncodedRecord(new byte[1], new byte[third], 1, 1, null),
                new EncodedRecord(new byte[1], new byte[third], 1, 1, null),
                new EncodedRecord(new byte[1], new byte[StoreFormat.CHUNK_MAX_BYTES * 2], 1, 1, null),
                new EncodedRecord(new byte[1], new byte[1], 1, 1, null));
        assertThat(StoreFormat.chunkBounds(mixed)).as("two thirds fit; the large record alone; then the rest")
                .containsExactly(0, 2, 3, 4, 5);
    }

    @Test
    void damagedChunksAreDetectedNotMisread() {
        // r[store.corrupt]
        byte[] good = StoreFormat.writeChunk(List.of(
                new NumberedRecord(0, new EncodedRecord(new byte[] {1}, new byte[] {2, 3, 4}, 1, 1, null))));
        assertThatThrownBy(() -> StoreFormat.readChunk(Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("damaged chunk");
        assertThatThrownBy(() -> StoreFormat.readChunk(Arrays.copyOf(good, 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> StoreFormat.readChunk(Arrays.copyOf(good, good.length + 1)))
                .isInstanceOf(IllegalArgumentException.class);
        for (int i = 4; i < good.length; i++) {
            byte[] flipped = good.clone();
            flipped[i] ^= 0x01;
            assertThatThrownBy(() -> StoreFormat.readChunk(flipped)).as("byte %d flipped", i)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CRC");
        }
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> StoreFormat.readChunk(magic))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad magic");
        assertThatThrownBy(() -> StoreFormat.readChunk(StoreFormat.writeLogEntry(
                new LogEntry(1, new Checkpoint(1, Map.of()), List.of()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad magic");
    }
}
