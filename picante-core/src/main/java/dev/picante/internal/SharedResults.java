package dev.picante.internal;

import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A bounded database-wide cache of the newest successful memo of each derived record, whatever view
 * computed it. A view that misses a result may adopt one from here only after checking, by identity, that
 * everything it read is unchanged in that view (r[sharing.nonobservable]), so the cache never changes a
 * result. When full, arbitrary entries make room.
 *
 * <p>One table per derived ingredient, keyed by the query key itself, so a look-up or an offer (one per
 * computation) allocates no composite key.
 */
final class SharedResults {

    private final int maxEntries;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private volatile ConcurrentHashMap<Object, Memo>[] tables = new ConcurrentHashMap[0];
    /** Entries in all tables; may briefly differ from the exact sum while offers race. */
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger trimming = new AtomicInteger();

    SharedResults(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /**
     * The memo held for {@code (ingredient, key)}, or {@code null}. An empty cache (what a database that never
     * dropped a result and has no snapshot has: every primary-view computation asks) answers from its count
     * alone, without a look-up; an offer racing this call may or may not be seen, as with the map itself. A
     * cache of no entries ({@code maxEntries} 0) takes no offer, so its count stays 0: no test of its own.
     */
    @Nullable Memo get(int ingredient, Object key) {
        if (size.get() == 0) {
            return null;
        }
        ConcurrentHashMap<Object, Memo>[] t = tables;
        ConcurrentHashMap<Object, Memo> table = ingredient < t.length ? t[ingredient] : null;
        return table == null ? null : table.get(key);
    }

    void offer(int ingredient, Object key, Memo memo) {
        if (maxEntries == 0 || memo.failed()) {
            return;
        }
        if (table(ingredient).put(key, memo) == null && size.incrementAndGet() > maxEntries
                && trimming.compareAndSet(0, 1)) {
            try {
                trim();
            } finally {
                trimming.set(0);
            }
        }
    }

    private void trim() {
        int excess = size.get() - maxEntries + maxEntries / 10;
        for (ConcurrentHashMap<Object, Memo> table : tables) {
            if (table == null) {
                continue;
            }
            Iterator<Object> it = table.keySet().iterator();
            while (excess > 0 && it.hasNext()) {
                Object key = it.next();
                Memo memo = table.get(key);
                if (memo != null && table.remove(key, memo)) {
                    size.decrementAndGet();
                    excess--;
                }
            }
            if (excess <= 0) {
                return;
            }
        }
    }

    private ConcurrentHashMap<Object, Memo> table(int ingredient) {
        ConcurrentHashMap<Object, Memo>[] t = tables;
        ConcurrentHashMap<Object, Memo> table = ingredient < t.length ? t[ingredient] : null;
        return table != null ? table : createTable(ingredient);
    }

    private synchronized ConcurrentHashMap<Object, Memo> createTable(int ingredient) {
        ConcurrentHashMap<Object, Memo>[] t = tables;
        if (ingredient < t.length && t[ingredient] != null) {
            return t[ingredient];
        }
        t = Arrays.copyOf(t, Math.max(t.length, ingredient + 1));
        ConcurrentHashMap<Object, Memo> table = new ConcurrentHashMap<>();
        t[ingredient] = table;
        tables = t;
        return table;
    }

    int size() {
        return size.get();
    }
}
