package dev.picante.internal;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A bounded database-wide cache of the newest successful memo of each derived record, whatever view
 * computed it. A view that misses a result may adopt one from here only after checking, by identity, that
 * everything it read is unchanged in that view (r[sharing.nonobservable]), so the cache never changes a
 * result. When full, arbitrary entries make room.
 */
final class SharedResults {

    private final int maxEntries;
    private final ConcurrentHashMap<NodeKey, Memo> memos = new ConcurrentHashMap<>();
    private final AtomicInteger trimming = new AtomicInteger();

    SharedResults(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    @Nullable Memo get(int ingredient, Object key) {
        return maxEntries == 0 ? null : memos.get(new NodeKey(ingredient, key));
    }

    void offer(int ingredient, Object key, Memo memo) {
        if (maxEntries == 0 || memo.failed()) {
            return;
        }
        memos.put(new NodeKey(ingredient, key), memo);
        if (memos.size() > maxEntries && trimming.compareAndSet(0, 1)) {
            try {
                int excess = memos.size() - maxEntries + maxEntries / 10;
                Iterator<NodeKey> it = memos.keySet().iterator();
                while (excess-- > 0 && it.hasNext()) {
                    it.next();
                    it.remove();
                }
            } finally {
                trimming.set(0);
            }
        }
    }

    int size() {
        return memos.size();
    }
}
