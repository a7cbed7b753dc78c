package dev.picante.internal;

import dev.picante.Durability;
import dev.picante.Inspector.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Which memos a view evicts when it holds more than {@code maxMemosPerIngredient} results of one derived
 * ingredient, or more than {@code memoByteLimit} estimated bytes of results in all: the least frequently
 * used first and, among equally used ones, the least recently used (r[evict.derived]). Frequencies are
 * small saturating counters kept in each cell ({@link Cell.Tracked}); they are halved once the view has
 * stored ten times as many results as it holds, so what was popular long ago ages out, while a scan of
 * results used once does not push out results in steady use (the idea of TinyLFU's aging and of
 * W-TinyLFU's preference for frequency, without its sketch and window). Eviction only ever costs work:
 * an evicted result is recomputed (or revalidated from the shared cache) when read again.
 *
 * <p>A sweep removes about a tenth of the bound at once, so its cost (a sort of the candidates) is spread
 * over the stores that filled it. One sweep runs at a time per view; a store that finds one running leaves
 * the eviction to it, so a bound may be exceeded briefly while a sweep runs.
 */
final class MemoPolicy {

    /**
     * Estimated bytes of a memo of a bounded view besides its key, its value and {@link #PER_DEPENDENCY} per
     * dependency: its cell ({@link Cell.Tracked}, which is the memo, 64 bytes), its version (16), its table slots
     * (about 7), its reads array's header and the marking's share. Measured retained bytes (JOL's
     * {@code GraphLayout}, 20,000 memos of {@code Integer} keys and {@code Long} values with {@code memoByteLimit}
     * set, keys and values subtracted): 132.6 / 160.2 / 539.2 B at 1 / 3 / 30 dependencies, which this and
     * {@link #PER_DEPENDENCY} estimate within 2 B (134 / 162 / 540); a memo without dependencies measures 86.6 B
     * and is over-estimated.
     */
    static final long MEMO_OVERHEAD = 120;
    /**
     * Estimated bytes per dependency: two or three references in the packed reads array, and the reverse edge
     * the dependency's record keeps for marking (a reference and a position byte, with the growth of their
     * arrays). Measured: 14.0 B per dependency from 1 to 30 dependencies of one ingredient.
     */
    static final long PER_DEPENDENCY = 14;
    /**
     * Estimated bytes per dependency of a memo whose reads are slot-only ({@link Memo#slotsOnly}): one reference
     * in the reads array and the reverse edge. Measured (as above, every dependency a read of an existing input
     * slot): 125.3 / 145.0 / 412.4 B at 1 / 3 / 30 dependencies, 9.9 B per dependency, which this and
     * {@link #MEMO_OVERHEAD} over-estimate by 5 to 8 B (130 / 150 / 420).
     */
    static final long PER_SLOT_DEPENDENCY = 10;

    private static final Comparator<Candidate> COLDEST_FIRST = Comparator
            .<Candidate>comparingInt(c -> c.use & 15)
            .thenComparingInt(c -> c.use >>> 4);

    private final Engine engine;
    private final long maxPerIngredient;
    private final long byteLimit;
    /** Estimated bytes of the view's memos: exact after a sweep, an over-estimate between sweeps. */
    private final AtomicLong bytes = new AtomicLong();
    /** Stores since frequencies were last halved. */
    private final AtomicLong storesSinceAging = new AtomicLong();
    private final ReentrantLock sweeping = new ReentrantLock();
    /** The clock of recency: advances once per sweep. */
    private volatile int clock;

    MemoPolicy(Engine engine, long maxPerIngredient, long byteLimit) {
        this.engine = engine;
        this.maxPerIngredient = maxPerIngredient;
        this.byteLimit = byteLimit;
    }

    /** The policy of a view with these options, or {@code null} when its memos are unbounded. */
    static @Nullable MemoPolicy of(Engine engine, EngineOptions options) {
        if (options.maxMemosPerIngredient == Long.MAX_VALUE && options.memoByteLimit == Long.MAX_VALUE) {
            return null;
        }
        return new MemoPolicy(engine, options.maxMemosPerIngredient, options.memoByteLimit);
    }

    /** A new cell of a bounded view holding a copy of {@code memo}: tracked, weighed when there is a byte budget. */
    Cell cell(Object key, Memo memo, long verifiedAt, Outcome outcome, @Nullable Dependency cause,
            long causeChangedAt) {
        return new Cell.Tracked(key, memo, verifiedAt, outcome, cause, causeChangedAt, clock, weigher());
    }

    /** A new cell of a bounded view holding a new memo: tracked, weighed when there is a byte budget. */
    Cell cell(Object key, @Nullable Object value, Version version, Object[] reads, long verifiedAt,
            Cell.Verification how) {
        return new Cell.Tracked(key, value, version, reads, verifiedAt, how, clock, weigher());
    }

    private @Nullable MemoPolicy weigher() {
        return byteLimit == Long.MAX_VALUE ? null : this;
    }

    /** The estimated retained bytes of {@code memo} held for {@code key}, with the key and the value. */
    long weigh(Object key, Memo memo) {
        Object result = memo.failed() ? memo.failure() : memo.value;
        long perDependency = Memo.slotsOnly(memo.reads()) ? PER_SLOT_DEPENDENCY : PER_DEPENDENCY;
        return MEMO_OVERHEAD + perDependency * memo.dependencyCount() + engine.weigh(key)
                + (result == null ? 0 : engine.weigh(result));
    }

    /** Notes a use of a cell (a hit or a confirmation). */
    void used(Cell cell) {
        if (cell instanceof Cell.Tracked tracked) {
            tracked.touch(clock);
        }
    }

    /**
     * Notes a cell stored in {@code table} of {@code view} (replacing {@code replaced}), and evicts if the
     * view is now over a bound. Never evicts {@code key} itself.
     */
    void stored(ViewState view, CellTable table, Object key, Cell cell,
            @Nullable Cell replaced) {
        if (byteLimit != Long.MAX_VALUE) {
            bytes.addAndGet(weightOf(cell, key) - (replaced == null ? 0 : weightOf(replaced, key)));
        }
        storesSinceAging.incrementAndGet();
        boolean overCount = table.size() > maxPerIngredient;
        boolean overBytes = byteLimit != Long.MAX_VALUE && bytes.get() > byteLimit;
        if ((overCount || overBytes) && sweeping.tryLock()) {
            try {
                clock++;
                if (overCount) {
                    sweep(view, List.of(table), key, maxPerIngredient - maxPerIngredient / 10, Long.MAX_VALUE);
                }
                if (byteLimit != Long.MAX_VALUE && bytes.get() > byteLimit) {
                    sweep(view, view.allTables(), key, Long.MAX_VALUE, byteLimit - byteLimit / 10);
                }
            } finally {
                sweeping.unlock();
            }
        }
    }

    /** Re-counts the view's bytes (after a restore put cells in without this policy) and evicts if over. */
    void recount(ViewState view) {
        if (byteLimit == Long.MAX_VALUE) {
            return;
        }
        sweeping.lock();
        try {
            sweep(view, view.allTables(), null, Long.MAX_VALUE, byteLimit);
        } finally {
            sweeping.unlock();
        }
    }

    private long weightOf(Cell cell, Object key) {
        return cell instanceof Cell.Tracked tracked && tracked.weight > 0 ? tracked.weight : weigh(key, cell);
    }

    private record Candidate(CellTable table, Cell cell, int use, long weight) {
    }

    /**
     * Removes the coldest evictable cells of {@code tables} (never {@code keep}) until each table holds at
     * most {@code maxEntries} and all of them at most {@code maxBytes} estimated bytes, and halves the
     * frequencies once enough results were stored since the last time.
     */
    private void sweep(ViewState view, List<CellTable> tables, @Nullable Object keep,
            long maxEntries, long maxBytes) {
        long revision = view.current().revision;
        List<Candidate> candidates = new ArrayList<>();
        long total = 0;
        long held = 0;
        for (CellTable table : tables) {
            for (Cell cell : table.cells()) {
                long weight = maxBytes == Long.MAX_VALUE ? 0 : weightOf(cell, cell.key);
                total += weight;
                held++;
                if ((keep != null && cell.key.equals(keep)) || !ViewState.evictable(cell, revision)) {
                    continue;
                }
                int use = cell instanceof Cell.Tracked tracked ? tracked.use : 0;
                candidates.add(new Candidate(table, cell, use, weight));
            }
        }
        boolean age = storesSinceAging.get() > 10 * Math.max(held, 1);
        if (age) {
            storesSinceAging.set(0);
        }
        candidates.sort(COLDEST_FIRST);
        for (Candidate c : candidates) {
            boolean over = total > maxBytes || (maxEntries != Long.MAX_VALUE && c.table().size() > maxEntries);
            if (!over) {
                break;
            }
            if (c.table().remove(c.cell())) {
                view.dropped(c.table().ingredient, c.cell().key, c.cell());
                total -= c.weight();
            }
        }
        if (age) {
            for (Candidate c : candidates) {
                if (c.cell() instanceof Cell.Tracked tracked) {
                    int u = tracked.use;
                    tracked.use = (u & ~15) | ((u & 15) >>> 1);
                }
            }
        }
        if (maxBytes != Long.MAX_VALUE) {
            bytes.set(total);
        }
    }
}
