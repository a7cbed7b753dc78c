package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The persistent map every input slot lives in (r[derived.revision-binding]: a snapshot keeps the map it was
 * given): {@link PersistentMap#get} answers as a {@link HashMap} would, for keys spread over several trie
 * levels, keys whose whole hashes collide, equal keys that are other objects, and absent keys; and a map once
 * handed out never changes when a later one is made from it.
 */
class PersistentMapTest {

    /** A key whose hash is chosen by the test, to force collisions and deep tries. */
    private record Key(int hash, int id) {
        @Override
        public int hashCode() {
            return hash;
        }
    }

    @Test
    void getAnswersAsAHashMapForRandomKeysAcrossLevels() {
        Random random = new Random(17);
        PersistentMap<Object, Object> map = PersistentMap.empty();
        Map<Object, Object> oracle = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            Integer key = random.nextInt(5_000);
            String value = "v" + i;
            map = map.put(key, value);
            oracle.put(key, value);
        }
        assertThat(map.size()).isEqualTo(oracle.size());
        for (int key = -10; key < 5_010; key++) {
            // new Integer(...) is deprecated; an equal key that is another object than the one put:
            Object other = Integer.valueOf(key + 1_000_000) - 1_000_000;
            assertThat(map.get(other)).as("key %s", key).isEqualTo(oracle.get(key));
        }
    }

    @Test
    void getFindsKeysWhoseHashesCollideAndMissesAbsentOnes() {
        PersistentMap<Object, Object> map = PersistentMap.empty();
        for (int id = 0; id < 5; id++) {
            map = map.put(new Key(42, id), "same hash " + id);
        }
        // Hashes whose first fragment agrees: the trie nests below the root before they part.
        map = map.put(new Key(1 << 25, 0), "deep a");
        map = map.put(new Key(2 << 25, 0), "deep b");
        for (int id = 0; id < 5; id++) {
            assertThat(map.get(new Key(42, id))).isEqualTo("same hash " + id);
        }
        assertThat(map.get(new Key(42, 5))).as("same hash, absent key").isNull();
        assertThat(map.get(new Key(1 << 25, 0))).isEqualTo("deep a");
        assertThat(map.get(new Key(2 << 25, 0))).isEqualTo("deep b");
        assertThat(map.get(new Key(3 << 25, 0))).as("absent deep key").isNull();
        assertThat(map.get(new Key(7, 0))).as("absent fragment").isNull();
        assertThat(PersistentMap.empty().get("anything")).isNull();
    }

    @Test
    void anOlderMapKeepsItsBindingsAfterLaterPuts() {
        PersistentMap<Object, Object> older = PersistentMap.empty();
        for (int i = 0; i < 2_000; i++) {
            older = older.put(i, "old " + i);
        }
        PersistentMap<Object, Object> newer = older;
        for (int i = 0; i < 2_000; i += 3) {
            newer = newer.put(i, "new " + i);
        }
        for (int i = 0; i < 2_000; i++) {
            assertThat(older.get(i)).isEqualTo("old " + i);
            assertThat(newer.get(i)).isEqualTo(i % 3 == 0 ? "new " + i : "old " + i);
        }
    }
}
