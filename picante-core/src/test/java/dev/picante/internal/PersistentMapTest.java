package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The persistent map every input slot lives in (r[derived.revision-binding]: a snapshot keeps the map it was
 * given; each key is bound to a slot naming it, as the engine binds them): {@link PersistentMap#get} answers as a
 * {@link HashMap} would, for keys spread over several trie levels, keys whose whole hashes collide, equal keys
 * that are other objects, and absent keys, whether it walks the trie or answers from the flat index a map read
 * more often than it holds entries gets; and a map once handed out never changes when a later one is made from
 * it, indexed or not.
 */
class PersistentMapTest {

    private static final Object LINEAGE = new Object();

    /** A slot of {@code key} holding {@code value}: the map binds each key to a slot that names it. */
    private static InputSlot slot(Object key, Object value) {
        return new InputSlot(0, key, value, 1, LINEAGE);
    }

    /** The value of a slot found, or {@code null} for none. */
    private static Object valueOf(InputSlot slot) {
        return slot == null ? null : slot.value;
    }

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
        PersistentMap<Object, InputSlot> map = PersistentMap.empty();
        Map<Object, Object> oracle = new HashMap<>();
        for (int i = 0; i < 20_000; i++) {
            Integer key = random.nextInt(5_000);
            String value = "v" + i;
            map = map.put(key, slot(key, value));
            oracle.put(key, value);
        }
        assertThat(map.size()).isEqualTo(oracle.size());
        for (int key = -10; key < 5_010; key++) {
            // new Integer(...) is deprecated; an equal key that is another object than the one put:
            Object other = Integer.valueOf(key + 1_000_000) - 1_000_000;
            assertThat(valueOf(map.get(other))).as("key %s", key).isEqualTo(oracle.get(key));
        }
    }

    @Test
    void getFindsKeysWhoseHashesCollideAndMissesAbsentOnes() {
        PersistentMap<Object, InputSlot> map = PersistentMap.empty();
        for (int id = 0; id < 5; id++) {
            map = map.put(new Key(42, id), slot(new Key(42, id), "same hash " + id));
        }
        // Hashes whose first fragment agrees: the trie nests below the root before they part.
        map = map.put(new Key(1 << 25, 0), slot(new Key(1 << 25, 0), "deep a"));
        map = map.put(new Key(2 << 25, 0), slot(new Key(2 << 25, 0), "deep b"));
        for (int id = 0; id < 5; id++) {
            assertThat(valueOf(map.get(new Key(42, id)))).isEqualTo("same hash " + id);
        }
        assertThat(valueOf(map.get(new Key(42, 5)))).as("same hash, absent key").isNull();
        assertThat(valueOf(map.get(new Key(1 << 25, 0)))).isEqualTo("deep a");
        assertThat(valueOf(map.get(new Key(2 << 25, 0)))).isEqualTo("deep b");
        assertThat(valueOf(map.get(new Key(3 << 25, 0)))).as("absent deep key").isNull();
        assertThat(valueOf(map.get(new Key(7, 0)))).as("absent fragment").isNull();
        assertThat(PersistentMap.<Object, InputSlot>empty().get("anything")).isNull();
    }

    @Test
    void anOlderMapKeepsItsBindingsAfterLaterPuts() {
        PersistentMap<Object, InputSlot> older = PersistentMap.empty();
        for (int i = 0; i < 2_000; i++) {
            older = older.put(i, slot(i, "old " + i));
        }
        PersistentMap<Object, InputSlot> newer = older;
        for (int i = 0; i < 2_000; i += 3) {
            newer = newer.put(i, slot(i, "new " + i));
        }
        for (int i = 0; i < 2_000; i++) {
            assertThat(valueOf(older.get(i))).isEqualTo("old " + i);
            assertThat(valueOf(newer.get(i))).isEqualTo(i % 3 == 0 ? "new " + i : "old " + i);
        }
    }

    @Test
    void aMapReadMoreOftenThanItHoldsEntriesAnswersTheSameFromItsIndex() {
        Random random = new Random(23);
        PersistentMap<Object, InputSlot> map = PersistentMap.empty();
        Map<Object, Object> oracle = new HashMap<>();
        for (int i = 0; i < 3_000; i++) {
            Integer key = random.nextInt(2_000) - 1_000;
            map = map.put(key, slot(key, "v" + i));
            oracle.put(key, "v" + i);
        }
        // Keys whose whole hashes collide with each other and with an Integer key: they probe past each other.
        for (int id = 0; id < 6; id++) {
            map = map.put(new Key(5, id), slot(new Key(5, id), "collides " + id));
            oracle.put(new Key(5, id), "collides " + id);
        }
        assertThat(map.indexed()).isFalse();
        for (int round = 0; round < 2; round++) {
            for (int key = -1_010; key < 1_010; key++) {
                Object other = Integer.valueOf(key + 1_000_000) - 1_000_000; // equal, another object
                assertThat(valueOf(map.get(other))).as("key %s, round %s", key, round).isEqualTo(oracle.get(key));
            }
            for (int id = 0; id < 8; id++) {
                assertThat(valueOf(map.get(new Key(5, id)))).as("colliding key %s", id)
                        .isEqualTo(oracle.get(new Key(5, id)));
            }
        }
        assertThat(map.indexed()).as("read more often than it holds entries").isTrue();
    }

    @Test
    void aMapMadeFromAnIndexedOneIsRightAndTheIndexedOneUnchanged() {
        PersistentMap<Object, InputSlot> older = PersistentMap.empty();
        for (int i = 0; i < 100; i++) {
            older = older.put("k" + i, slot("k" + i, "old " + i));
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100; i++) {
                assertThat(valueOf(older.get("k" + i))).isEqualTo("old " + i);
            }
        }
        assertThat(older.indexed()).isTrue();
        PersistentMap<Object, InputSlot> newer =
                older.put("k7", slot("k7", "new 7")).put("k100", slot("k100", "new 100"));
        assertThat(newer.indexed()).as("a new map starts without an index").isFalse();
        assertThat(valueOf(newer.get("k7"))).isEqualTo("new 7");
        assertThat(valueOf(newer.get("k100"))).isEqualTo("new 100");
        assertThat(valueOf(older.get("k7"))).isEqualTo("old 7");
        assertThat(valueOf(older.get("k100"))).isNull();
        assertThat(newer.size()).isEqualTo(101);
    }

    @Test
    void smallMapsAreNotIndexed() {
        PersistentMap<Object, InputSlot> map = PersistentMap.empty();
        for (int i = 0; i < PersistentMap.INDEXED_ABOVE; i++) {
            map = map.put(i, slot(i, i));
        }
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < PersistentMap.INDEXED_ABOVE; i++) {
                assertThat(valueOf(map.get(i))).isEqualTo(i);
            }
        }
        assertThat(map.indexed()).isFalse();
    }
}
