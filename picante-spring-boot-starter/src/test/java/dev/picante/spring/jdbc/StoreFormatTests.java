package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.persist.StateImage.Checkpoint;
import dev.picante.spring.jdbc.StoreFormat.EncodedDependency;
import dev.picante.spring.jdbc.StoreFormat.EncodedRecord;
import dev.picante.spring.jdbc.StoreFormat.EncodedSection;
import dev.picante.spring.jdbc.StoreFormat.LogEntry;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The binary frames of checkpoints, dependency lists and log entries. */
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
}
