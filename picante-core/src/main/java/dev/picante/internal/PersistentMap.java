package dev.picante.internal;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * An immutable hash map with structural sharing (a hash array mapped trie). {@link #put} returns a new map
 * in O(log32 n), sharing every untouched node with the old one, so a view can hand its whole state to a
 * snapshot by reference.
 *
 * <p>The values are {@link InputSlot}s, each naming the key it is bound to ({@link InputSlot#key}, equal to that
 * key: {@link #put}'s callers bind a slot to its own key). A map read more often than it holds entries (input
 * slots read by many computations between writes) also gets a flat index of its values ({@link Flat}, an
 * open-addressing table of the slots alone), made once by the read that crosses that count and used by every
 * later {@link #get} in place of the trie walk: its cost, about as much as that many walks, is paid only by maps
 * read that much, and a write makes a new map without it.
 *
 * @param <K> key type
 * @param <V> value type: input slots
 */
final class PersistentMap<K, V extends InputSlot> {

    private static final PersistentMap<?, ?> EMPTY = new PersistentMap<>(BitmapNode.EMPTY, 0);

    /** Maps of at most this many entries are not indexed: their trie is a single level or two short ones. */
    static final int INDEXED_ABOVE = 32;

    private final BitmapNode root;
    private final int size;
    /**
     * The flat index of this map's entries once made, read and written without a lock: a thread that sees it
     * sees its whole table ({@link Flat}'s final field); two threads making it at once both make the same.
     */
    private @Nullable Flat flat;
    /** How many {@link #get}s walked the trie (racy: lost increments only delay the index). */
    private int walks;

    private PersistentMap(BitmapNode root, int size) {
        this.root = root;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    static <K, V extends InputSlot> PersistentMap<K, V> empty() {
        return (PersistentMap<K, V>) EMPTY;
    }

    int size() {
        return size;
    }

    /**
     * The value bound to {@code key}, or {@code null}. A counted loop down the trie (no safepoint poll, no call
     * per level), which knows the root is a {@link BitmapNode} and each child one unless it is a
     * {@link CollisionNode} (then asked through {@link Node#find}); the key is compared by identity before
     * {@code equals}. An input read inside a computation does one of these per read.
     */
    @SuppressWarnings("unchecked")
    @Nullable V get(Object key) {
        int hash = hash(key);
        Flat index = flat;
        if (index != null) {
            return (V) index.get(key, hash);
        }
        if (size > INDEXED_ABOVE && ++walks > size) {
            return (V) indexThenGet(key, hash);
        }
        BitmapNode node = root;
        for (int shift = 0; shift < 32; shift += 5) {
            int bit = 1 << (hash >>> shift); // a shift by the low 5 bits: the fragment at this level
            int bitmap = node.bitmap;
            if ((bitmap & bit) == 0) {
                return null;
            }
            int at = 2 * Integer.bitCount(bitmap & (bit - 1));
            @Nullable Object[] array = node.array;
            Object k = array[at];
            Object v = array[at + 1];
            if (k != null) {
                return k == key || key.equals(k) ? (V) v : null;
            }
            if (!(v instanceof BitmapNode child)) {
                return (V) ((Node) Objects.requireNonNull(v)).find(shift + 5, hash, key);
            }
            node = child;
        }
        // Not reached: the 7 levels use all 32 bits of the hash, so below them a node holds collisions only.
        return (V) node.find(35, hash, key);
    }

    /** Makes this map's flat index (see {@link #get}), then looks {@code key} up in it. */
    private @Nullable InputSlot indexThenGet(Object key, int hash) {
        Flat index = new Flat(this);
        flat = index;
        return index.get(key, hash);
    }

    /** Whether {@link #get} answers from the flat index (tests). */
    boolean indexed() {
        return flat != null;
    }

    /**
     * A flat index of a map's entries: the slots alone (each names its key) in a table of a power-of-two capacity
     * at most three quarters full, a slot at the first free place from its key's hash on (linear probing). A
     * look-up is one probe for most keys, where the trie takes one step per level (two for a thousand keys); a
     * probe reads one array element (typed, so no cast of what it returns) and the slot's key.
     */
    private static final class Flat {

        /** The slots; {@code null} at free places. */
        private final @Nullable InputSlot[] table;
        /** The capacity less one: the places of {@link #table} are {@code 0..mask}. */
        private final int mask;

        Flat(PersistentMap<?, ?> map) {
            int capacity = Integer.highestOneBit(Math.max(1, map.size + (map.size / 3)) * 2 - 1);
            int mask = capacity - 1;
            @Nullable InputSlot[] slots = new InputSlot[capacity];
            map.root.forEach((k, v) -> {
                int i = hash(k) & mask;
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = (InputSlot) v;
            });
            this.mask = mask;
            this.table = slots; // after the slots: the final field publishes them with it
        }

        @Nullable InputSlot get(Object key, int hash) {
            @Nullable InputSlot[] t = table;
            int mask = this.mask;
            for (int i = hash & mask; ; i = (i + 1) & mask) {
                InputSlot slot = t[i];
                if (slot == null) {
                    return null;
                }
                Object k = slot.key;
                if (k == key || key.equals(k)) {
                    return slot;
                }
            }
        }
    }

    /** Returns a map with {@code key} bound to {@code value}; {@code this} if it already was (same reference). */
    PersistentMap<K, V> put(K key, V value) {
        boolean[] added = new boolean[1];
        BitmapNode newRoot = root.assoc(0, hash(key), key, value, added);
        if (newRoot == root) {
            return this;
        }
        return new PersistentMap<>(newRoot, added[0] ? size + 1 : size);
    }

    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<? super K, ? super V> action) {
        root.forEach((BiConsumer<Object, Object>) action);
    }

    /**
     * Calls {@code action} for every entry of this map whose value is not the very object {@code older}
     * maps its key to (new keys included), skipping shared subtrees: O(changes x depth), not O(size).
     */
    @SuppressWarnings("unchecked")
    void forEachChangedSince(PersistentMap<K, V> older, BiConsumer<? super K, ? super V> action) {
        diff(root, older.root, 0, (BiConsumer<Object, Object>) action);
    }

    private static void diff(Node newer, Node older, int shift, BiConsumer<Object, Object> action) {
        if (newer == older) {
            return;
        }
        if (!(newer instanceof BitmapNode nb) || !(older instanceof BitmapNode ob)) {
            newer.forEach((k, v) -> {
                if (older.find(shift, hash(k), k) != v) {
                    action.accept(k, v);
                }
            });
            return;
        }
        for (int bits = nb.bitmap; bits != 0; bits &= bits - 1) {
            int bit = bits & -bits;
            int i = nb.index(bit);
            Object k = nb.array[2 * i];
            Object v = Objects.requireNonNull(nb.array[2 * i + 1]);
            if ((ob.bitmap & bit) == 0) {
                emit(k, v, action);
                continue;
            }
            int j = ob.index(bit);
            Object ok = ob.array[2 * j];
            Object ov = Objects.requireNonNull(ob.array[2 * j + 1]);
            if (k == null && ok == null) {
                diff((Node) v, (Node) ov, shift + 5, action);
            } else if (k == null) {
                ((Node) v).forEach((kk, vv) -> {
                    if (!(kk.equals(ok) && vv == ov)) {
                        action.accept(kk, vv);
                    }
                });
            } else if (ok == null) {
                if (((Node) ov).find(shift + 5, hash(k), k) != v) {
                    action.accept(k, v);
                }
            } else if (!(k.equals(ok) && v == ov)) {
                action.accept(k, v);
            }
        }
    }

    private static void emit(@Nullable Object k, Object v, BiConsumer<Object, Object> action) {
        if (k == null) {
            ((Node) v).forEach(action);
        } else {
            action.accept(k, v);
        }
    }

    private static int hash(Object key) {
        int h = key.hashCode();
        return h ^ (h >>> 16);
    }

    private interface Node {
        @Nullable Object find(int shift, int hash, Object key);

        Node assoc(int shift, int hash, Object key, Object value, boolean[] added);

        void forEach(BiConsumer<Object, Object> action);
    }

    /** A node whose bitmap says which of 32 hash fragments are present; entries are key/value or null/child. */
    private static final class BitmapNode implements Node {

        static final BitmapNode EMPTY = new BitmapNode(0, new Object[0]);

        final int bitmap;
        final @Nullable Object[] array;

        BitmapNode(int bitmap, @Nullable Object[] array) {
            this.bitmap = bitmap;
            this.array = array;
        }

        private int index(int bit) {
            return Integer.bitCount(bitmap & (bit - 1));
        }

        @Override
        public @Nullable Object find(int shift, int hash, Object key) {
            int bit = 1 << ((hash >>> shift) & 31);
            if ((bitmap & bit) == 0) {
                return null;
            }
            int idx = index(bit);
            Object k = array[2 * idx];
            Object v = array[2 * idx + 1];
            if (k == null) {
                return ((Node) Objects.requireNonNull(v)).find(shift + 5, hash, key);
            }
            return key.equals(k) ? v : null;
        }

        @Override
        public BitmapNode assoc(int shift, int hash, Object key, Object value, boolean[] added) {
            int bit = 1 << ((hash >>> shift) & 31);
            int idx = index(bit);
            if ((bitmap & bit) != 0) {
                Object k = array[2 * idx];
                Object v = Objects.requireNonNull(array[2 * idx + 1]);
                if (k == null) {
                    Node child = ((Node) v).assoc(shift + 5, hash, key, value, added);
                    return child == v ? this : withValue(2 * idx + 1, child);
                }
                if (key.equals(k)) {
                    return v == value ? this : withValue(2 * idx + 1, value);
                }
                added[0] = true;
                return withValue2(2 * idx, null, split(shift + 5, k, v, hash, key, value));
            }
            added[0] = true;
            @Nullable Object[] copy = new Object[array.length + 2];
            System.arraycopy(array, 0, copy, 0, 2 * idx);
            copy[2 * idx] = key;
            copy[2 * idx + 1] = value;
            System.arraycopy(array, 2 * idx, copy, 2 * idx + 2, array.length - 2 * idx);
            return new BitmapNode(bitmap | bit, copy);
        }

        private BitmapNode withValue(int i, Object v) {
            @Nullable Object[] copy = array.clone();
            copy[i] = v;
            return new BitmapNode(bitmap, copy);
        }

        private BitmapNode withValue2(int i, @Nullable Object k, Object v) {
            @Nullable Object[] copy = array.clone();
            copy[i] = k;
            copy[i + 1] = v;
            return new BitmapNode(bitmap, copy);
        }

        private static Node split(int shift, Object k1, Object v1, int h2, Object k2, Object v2) {
            int h1 = hash(k1);
            if (h1 == h2 || shift > 30) {
                return new CollisionNode(h1, new Object[] {k1, v1, k2, v2});
            }
            boolean[] ignored = new boolean[1];
            return EMPTY.assoc(shift, h1, k1, v1, ignored).assoc(shift, h2, k2, v2, ignored);
        }

        @Override
        public void forEach(BiConsumer<Object, Object> action) {
            for (int i = 0; i < array.length; i += 2) {
                Object k = array[i];
                Object v = Objects.requireNonNull(array[i + 1]);
                if (k == null) {
                    ((Node) v).forEach(action);
                } else {
                    action.accept(k, v);
                }
            }
        }
    }

    /** Entries whose full hashes are equal. */
    private static final class CollisionNode implements Node {

        final int hash;
        final Object[] array;

        CollisionNode(int hash, Object[] array) {
            this.hash = hash;
            this.array = array;
        }

        @Override
        public @Nullable Object find(int shift, int hash, Object key) {
            for (int i = 0; i < array.length; i += 2) {
                if (key.equals(array[i])) {
                    return array[i + 1];
                }
            }
            return null;
        }

        @Override
        public Node assoc(int shift, int hash, Object key, Object value, boolean[] added) {
            if (hash != this.hash) {
                // Only reachable when shift ran out; nest as a bitmap node holding both.
                boolean[] ignored = new boolean[1];
                Node node = BitmapNode.EMPTY;
                for (int i = 0; i < array.length; i += 2) {
                    node = node.assoc(shift, this.hash, array[i], array[i + 1], ignored);
                }
                return node.assoc(shift, hash, key, value, added);
            }
            for (int i = 0; i < array.length; i += 2) {
                if (key.equals(array[i])) {
                    if (array[i + 1] == value) {
                        return this;
                    }
                    Object[] copy = array.clone();
                    copy[i + 1] = value;
                    return new CollisionNode(hash, copy);
                }
            }
            added[0] = true;
            Object[] copy = Arrays.copyOf(array, array.length + 2);
            copy[array.length] = key;
            copy[array.length + 1] = value;
            return new CollisionNode(hash, copy);
        }

        @Override
        public void forEach(BiConsumer<Object, Object> action) {
            for (int i = 0; i < array.length; i += 2) {
                action.accept(array[i], array[i + 1]);
            }
        }
    }
}
