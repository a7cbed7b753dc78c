package dev.picante.internal;

import dev.picante.Batch;
import dev.picante.CycleException;
import dev.picante.Durability;
import dev.picante.Inspector.Outcome;
import dev.picante.QueryCancelledException;
import dev.picante.Revision;
import dev.picante.RuntimeEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The state of one view (the primary view or a snapshot): its current {@link InputState}, its memo tables,
 * and the evaluation of derived queries against them. See {@link Engine} for the overview.
 *
 * <p>It does four things itself: the view's lifecycle (fork, close, promote into the view it was forked
 * from), its memo tables (look-up, store, eviction), the read path of a derived query (the hit, reuse
 * without evaluation, bringing a record up to date as the leader of its evaluation, computing it), and the
 * publication of a state restored from a store. Each other concept is one class it calls: input writes
 * ({@link InputWrites}), leadership, following and cycle detection ({@link InFlight}), deep revalidation
 * ({@link Revalidation}), early cutoff ({@link EarlyCutoff}), the marks input changes leave
 * ({@link Marking}), the context a compute function reads through ({@link Evaluation}).
 *
 * <p>Thread-safe. Reads run concurrently, each against the state it read once; every change of the current
 * state (an input write, a restore) runs under the view's write lock and publishes with
 * {@link #publishState}; so does the fork of the primary view, so that no write frees a value the new
 * snapshot holds.
 */
public final class ViewState {

    final Engine engine;
    final boolean primary;
    /** The view this one was forked from: a source of memos to adopt after revalidation. */
    final @Nullable ViewState parent;
    private volatile InputState current;
    /**
     * {@code current.revision}, written right after {@code current} (both before a write returns): what the
     * hit path compares a cell's verified revision with, in one load.
     */
    volatile long currentRevision;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The memo tables, by ingredient index ({@code null} for an ingredient without one yet). */
    private volatile @Nullable CellTable[] tables = new CellTable[0];
    /** Which memos to evict when a bound is set, or {@code null} (r[evict.derived]). */
    private final @Nullable MemoPolicy policy;
    /** Who read what, for {@code QueryInvalidated} events; primary view only. */
    final @Nullable ReverseEdges reverseEdges;
    /** Reverse edges and the marks input changes leave on what they reach; primary view only. */
    final @Nullable Marking marking;
    /**
     * What a new result's path ({@link #compute}, {@link #newCell}, {@link #store}) must look at beyond the common
     * case, in one word read once: a clear word is the common case, where the view has no {@link #policy}, never
     * evicted, makes no sequenced cells and has no event listener, and each of those checks is skipped.
     * <ul>
     *   <li>{@link #POLICY}: the view has a {@link #policy} (from construction on);
     *   <li>{@link #EVICTED}: set (for good) before {@link #evict} first removes a cell: from then on a key
     *       without a cell may have had one, so its edges may be registered already ({@link Marking#register}'s
     *       {@code fresh}) and a result computed now may not be the first at its state ({@link #newVersion}). The
     *       other way a cell leaves a table is the eviction of a {@link #policy}, whose views do neither;
     *   <li>{@link #SEQUENCING}: set on the primary view before {@link Persistence#sequencing()} first holds
     *       ({@link #willSequence()});
     *   <li>{@link #EVENTS}: set on the primary view before its first listener is added ({@link #willListen()}),
     *       and never cleared (the full check follows, {@link EventBus#active()}).
     * </ul>
     * Bits are only ever set, each before (in the synchronization order of volatile accesses) the state it stands
     * for begins: a path that reads a bit clear read it before that state began, and behaves as it would have
     * behaved reading that state then, as the check it replaces may always have done.
     */
    private volatile int unusual;
    private static final int POLICY = 1;
    private static final int EVICTED = 2;
    private static final int SEQUENCING = 4;
    private static final int EVENTS = 8;
    private static final java.lang.invoke.VarHandle UNUSUAL;

    static {
        try {
            UNUSUAL = java.lang.invoke.MethodHandles.lookup().findVarHandle(ViewState.class, "unusual", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The version every first result computed at one state of this view shares ({@link #newVersion}), made by the
     * first such computation at the current state; {@code null} before one. A plain field: a
     * {@link StateVersion} and its {@link Version} have only final fields, so a thread that reads the
     * reference sees them whole, and one that reads an older reference (or {@code null}) only makes a version
     * of its own.
     */
    private @Nullable StateVersion stateVersion;

    /** For a snapshot: the primary revision its state descends from. */
    private final long origin;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    ViewState(Engine engine, boolean primary, @Nullable ViewState parent, InputState current, long origin) {
        this.engine = engine;
        this.primary = primary;
        this.parent = parent;
        this.current = current;
        this.currentRevision = current.revision;
        this.origin = origin;
        this.reverseEdges = primary ? new ReverseEdges() : null;
        this.marking = primary ? new Marking() : null;
        this.policy = MemoPolicy.of(engine, engine.options);
        this.unusual = policy != null ? POLICY : 0;
    }

    /**
     * A new cell of this view's tables holding a copy of {@code memo} (another view's cell, a carrier, or a cell
     * of this view being replaced): tracked by the eviction policy when there is one.
     */
    private Cell newCell(Object key, Memo memo, long verifiedAt, Outcome outcome, @Nullable Dependency cause,
            long causeChangedAt) {
        if (policy != null) {
            return policy.cell(key, memo, verifiedAt, outcome, cause, causeChangedAt);
        }
        return primary && engine.persistence().sequencing()
                ? new Cell.Sequenced(key, memo, verifiedAt, outcome, cause, causeChangedAt)
                : new Cell(key, memo, verifiedAt, outcome, cause, causeChangedAt);
    }

    /**
     * A new cell of this view's tables holding a new memo ({@link Cell}'s fields): one object for both. {@code how}
     * is made first by the caller (see {@link Cell#Cell(Object, Object, Version, Object[], long, Cell.Verification)}).
     */
    private Cell newCell(Object key, @Nullable Object value, Version version, Object[] reads, long verifiedAt,
            Cell.Verification how) {
        if (policy != null) {
            return policy.cell(key, value, version, reads, verifiedAt, how);
        }
        return primary && engine.persistence().sequencing()
                ? new Cell.Sequenced(key, value, version, reads, verifiedAt, how)
                : new Cell(key, value, version, reads, verifiedAt, how);
    }

    /** The version shared by the first results computed at {@code state} (see {@link #newVersion}). */
    private record StateVersion(InputState state, Version version) {
    }

    /**
     * The version of a new value of a record computed at {@code state} (r[changed-at.derived]: it changed at
     * {@code state}'s revision). Dependents compare the versions of one record, by identity
     * ({@link Revalidation}, {@link Memo#sameResult}, {@link EarlyCutoff#backdate}), so a version may be shared
     * by the results of many records, but never by two different results of one record.
     *
     * <p>{@code first} says that this view computed no other result of the record at {@code state}: its leader
     * found no cell for it, or one verified before {@code state}'s revision, and the view never removed a cell
     * (no {@link #evict}, no {@link #policy}). That holds because a table's cell of a key is only ever replaced
     * by one verified at the same or a later revision ({@link CellTable#putUnlessNewer}, {@link #reverify}),
     * except by a {@link #restore}, which forgets the shared version; a computation at {@code state} stores its
     * cell, or finds one verified later; and single flight orders the leaders of one record and state, each
     * looking at the table after the one before stored. Such a result takes the version this view shares for
     * {@code state}: one object for all of them, no allocation, 16 bytes less per memo. Any other result (after
     * an eviction, a load, or as a second computation at one state by a read bound to an older state, of a
     * compute function that is not deterministic) takes a version of its own, so it never looks unchanged to a
     * dependent of the earlier result. Versions are shared per view, not per state: a snapshot that computes
     * at its source's state uses its own, so no memo of one view passes for another view's result.
     */
    private Version newVersion(InputState state, boolean first) {
        StateVersion shared = stateVersion;
        if (first && shared != null && shared.state == state) {
            return shared.version;
        }
        Version version = Version.of(state.revision);
        if (first && state == current) {
            stateVersion = new StateVersion(state, version);
        }
        return version;
    }

    /** Called before {@link Persistence#sequencing()} first holds (see {@link #unusual}). */
    void willSequence() {
        UNUSUAL.getAndBitwiseOr(this, SEQUENCING);
    }

    /** Called before the first listener of this (primary) view's events is added (see {@link #unusual}). */
    void willListen() {
        UNUSUAL.getAndBitwiseOr(this, EVENTS);
    }

    /** Notes a use of a cell for the eviction policy, if any. */
    private void used(Cell cell) {
        MemoPolicy p = policy;
        if (p != null) {
            p.used(cell);
        }
    }

    /** The memo tables of every derived ingredient that has one. */
    List<CellTable> allTables() {
        List<CellTable> all = new ArrayList<>();
        for (CellTable table : tables) {
            if (table != null) {
                all.add(table);
            }
        }
        return all;
    }

    /** Returns the engine. */
    public Engine engine() {
        return engine;
    }

    InputState current() {
        return current;
    }

    /** Returns the current revision. */
    public Revision revision() {
        return new Revision(current.revision);
    }

    /**
     * Forks this view at its current state (r[snapshot.linearizable]). O(1). The fork of the primary view
     * is registered under the write lock, so no write can free a value the new snapshot holds without
     * seeing it (r[limit.state-bytes]).
     */
    public ViewState fork() {
        if (!primary) {
            checkOpen();
            return forkAt(current);
        }
        writeLock.lock();
        try {
            return forkAt(current);
        } finally {
            writeLock.unlock();
        }
    }

    ViewState forkAt(InputState state) {
        ViewState fork = new ViewState(engine, false, this, state, primary ? state.revision : origin);
        engine.stateBytes.openSnapshot(fork.origin);
        return fork;
    }

    /**
     * Closes a snapshot: it can no longer be used, and values only it held stop counting as state bytes.
     * Closing twice does nothing.
     */
    public void close() {
        if (!primary && closed.compareAndSet(false, true)) {
            engine.stateBytes.closeSnapshot(origin);
        }
    }

    /** The action that closes this view when its public snapshot becomes unreachable without close. */
    public Runnable closer() {
        return this::close;
    }

    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this snapshot of database '" + engine.name()
                    + "' was closed; take a new snapshot");
        }
    }

    /** Starts a batch on this view. */
    public Batch batch() {
        checkOpen();
        return new BatchImpl(this);
    }

    // ---------------------------------------------------------------------------------------------
    // Memo tables

    @Nullable CellTable tableIfPresent(int ingredient) {
        @Nullable CellTable[] t = tables;
        // ingredient >= 0 (always true) lets C2 fold both bounds into one unsigned compare, the load's range check
        return ingredient >= 0 && ingredient < t.length ? t[ingredient] : null;
    }

    private CellTable table(int ingredient) {
        CellTable table = tableIfPresent(ingredient);
        return table != null ? table : createTable(ingredient);
    }

    private synchronized CellTable createTable(int ingredient) {
        @Nullable CellTable[] t = tables;
        if (ingredient >= t.length) {
            t = Arrays.copyOf(t, Math.max(ingredient + 1, engine.ingredientCount()));
        } else if (t[ingredient] != null) {
            return Objects.requireNonNull(t[ingredient]);
        } else {
            t = t.clone();
        }
        // The primary view's table of a derived ingredient is the one the ingredient's hit path reads.
        CellTable table = primary
                && engine.ingredientOrNull(ingredient) instanceof DerivedImpl<?, ?> derived
                ? derived.primaryTable : new CellTable(ingredient);
        t[ingredient] = table;
        tables = t;
        return table;
    }

    // ---------------------------------------------------------------------------------------------
    // Derived queries

    /**
     * The hit path of a top-level read: the value of a successful memo of {@code derived(key)} verified at
     * exactly {@code revision}, counted as a hit, or {@code null} for anything else, which the caller
     * resolves with {@link #fetch}. It writes no shared memory, so readers of one key scale across threads.
     */
    @Nullable Object hitValue(DerivedImpl<?, ?> derived, Object key, long revision) {
        @Nullable CellTable[] t = tables;
        int index = derived.index;
        if (index < t.length) {
            CellTable table = t[index];
            if (table != null) {
                Cell cell = table.get(key);
                if (cell != null && cell.verifiedAt == revision) {
                    Object value = cell.value;
                    if (value != null) {
                        derived.hits.increment();
                        used(cell);
                        return value;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Returns the memo of {@code derived(key)} valid in this view at {@code state}: a hit, a revalidated
     * or adopted memo, or a new computation. Failures are returned as failed memos, not thrown.
     *
     * @param caller the evaluation that reads it, or {@code null} for a top-level access
     * @throws CycleException if the evaluation needs itself (r[cycle.detect], r[jvm.cross-thread-cycle])
     * @throws QueryCancelledException if this caller was interrupted (r[jvm.interrupt])
     */
    Memo fetch(DerivedImpl<?, ?> derived, Object key, InputState state, @Nullable InFlight caller) {
        CellTable table = tableIfPresent(derived.index);
        if (table != null) {
            Cell cell = table.get(key);
            if (cell != null) {
                if (cell.validAt(state.revision, cell.verifiedAt)) {
                    derived.hits.increment();
                    used(cell);
                    return cell;
                }
                if (caller != null || marking != null) {
                    Memo reused = reuseWithoutEvaluation(derived, key, cell, state, caller != null);
                    if (reused != null) {
                        return reused;
                    }
                }
            }
        }
        return evaluate(derived, key, state, caller);
    }

    /**
     * Reuses, without claiming its evaluation, a successful memo that no input change reached since it was
     * verified (no input of its durability changed, or no mark on its record), or, for a nested read, that
     * read inputs only, all of them unchanged at {@code state}: the check computes and waits for nothing, so
     * readers that make it at once agree, and the memo is stored reverified exactly as its leader would have.
     * This is what a read after an edit mostly does, for the many dependencies the edit did not touch.
     * Returns {@code null} when the full path is needed.
     */
    private @Nullable Memo reuseWithoutEvaluation(DerivedImpl<?, ?> derived, Object key, Cell own,
            InputState state, boolean nested) {
        if (own.failed() || own.verifiedAt > state.revision) {
            return null;
        }
        Memo shortcut = durabilityShortcut(derived, key, own, state);
        if (shortcut != null) {
            return shortcut;
        }
        Memo unmarked = reuseUnmarked(derived, key, own, state);
        if (unmarked != null || !nested) {
            return unmarked;
        }
        Memo still = Revalidation.revalidateInputsOnly(this, own, state);
        if (still != null) {
            revalidated(derived, key, own, still, state.revision);
        }
        return still;
    }

    /**
     * r[durability.revalidation-opt]: reuses a successful memo verified at or before {@code state} when no input
     * of its durability changed since it was verified; {@code null} otherwise.
     */
    private @Nullable Memo durabilityShortcut(DerivedImpl<?, ?> derived, Object key, Cell own, InputState state) {
        if (own.verifiedAt > state.revision || own.verifiedAt < state.lastChanged[own.durability().ordinal()]) {
            return null;
        }
        Marking m = marking;
        if (m != null && (own.verifiedAt < m.floor() || m.markedAt(derived.index, key) > own.verifiedAt)) {
            // Checked instead when a change reached it since (through an edge its durability does not see), so a
            // cell never moves past a mark without relying on what the mark came through (Marking's rule 5); and
            // when verified before the floor (rule 3): the shortcut would carry it above the floor, where marks
            // alone reuse it, while what it read transitively may have no edges here.
            return null;
        }
        derived.revalidations.increment();
        reverify(derived, key, own, state.revision, Outcome.DURABILITY_SHORTCUT);
        return own;
    }

    /**
     * Reuses a successful memo of the primary view, verified at or before {@code state}, whose record no input
     * change has marked since it was verified: nothing it read, directly or transitively, changed since
     * (see {@link Marking}). Checks no dependency. {@code null} otherwise.
     */
    private @Nullable Memo reuseUnmarked(DerivedImpl<?, ?> derived, Object key, Cell own, InputState state) {
        Marking m = marking;
        long verifiedAt = own.verifiedAt;
        if (m == null || verifiedAt < m.floor() || verifiedAt > state.revision || own.failed()
                || m.markedAt(derived.index, key) > verifiedAt) {
            return null;
        }
        m.unmarkedReuses.increment();
        derived.revalidations.increment();
        reverify(derived, key, own, state.revision, Outcome.REVALIDATED);
        return own;
    }

    /**
     * For a marked cell of the primary view: the dependencies the marks since it was verified arrived
     * through, the only ones that may have changed; {@code null} when all must be checked.
     */
    private @Nullable List<Marking.Position> changedDependencies(DerivedImpl<?, ?> derived, Object key, Cell own,
            InputState state) {
        Marking m = marking;
        long verifiedAt = own.verifiedAt;
        if (m == null || verifiedAt < m.floor() || verifiedAt > state.revision) {
            return null;
        }
        return m.changedSince(derived.index, key, verifiedAt);
    }

    /**
     * Records that revalidation found {@code own}'s memo still holding at {@code revision}, as {@code still}
     * ({@code own} itself, or a copy with its effective durability brought up to date).
     */
    private void revalidated(DerivedImpl<?, ?> derived, Object key, Cell own, Memo still, long revision) {
        derived.revalidations.increment();
        if (still == own) {
            Marking m = marking;
            if (m != null) {
                m.markIfOverlapped(derived.index, key, revision); // before the cell shows the new revision
            }
            reverify(derived, key, own, revision, Outcome.REVALIDATED);
        } else {
            store(derived, key, newCell(key, still, revision, Outcome.REVALIDATED, null, 0));
        }
    }

    /**
     * Advances a cell of this view's table, whose memo holds unchanged at {@code revision}, in place: no new
     * cell and no table write, which is most of what confirming an unchanged dependency would otherwise
     * cost. A cell replaced or evicted meanwhile is advanced to no effect; the next read resolves its key
     * again. A cell without a sequence number, made before the first export or load, is replaced by a
     * sequenced copy once change exports need it (a copy of the same memo: the same value, version and reads).
     */
    private void reverify(DerivedImpl<?, ?> derived, Object key, Cell own, long revision, Outcome how) {
        used(own);
        boolean exported = primary && engine.persistence().sequencesCells();
        if (exported && !(own instanceof Cell.Sequenced)) {
            if (own.verifiedAt < revision) {
                Cell sequenced = newCell(key, own, revision, how, null, 0); // sequencing() holds by now
                CellTable table = tableIfPresent(derived.index);
                if (table != null && table.replace(own, sequenced)) {
                    engine.persistence().cellStored(derived.index, key, sequenced);
                }
            }
            return;
        }
        if (own.reverify(revision, how, exported) && exported) {
            engine.persistence().cellStored(derived.index, key, own);
        }
    }

    /**
     * Resolves a read that is not a plain hit (the caller has looked). A snapshot first takes what the views
     * it descends from hold at its very state; otherwise the read goes through single flight
     * ({@link InFlight#claim}): as the leader of its evaluation ({@link #bringUpToDate}), or by waiting for
     * the one in flight. The leader looks at its cell again, so a memo published meanwhile, or a failure
     * valid at this revision, is still a hit.
     */
    Memo evaluate(DerivedImpl<?, ?> derived, Object key, InputState state, @Nullable InFlight caller) {
        ViewState source = parent;
        if (source != null) {
            Memo verified = adoptVerified(derived, key, state);
            if (verified != null) {
                return verified;
            }
            if (source.primary && source.current == state) {
                // The database is at this snapshot's state: resolve it there, where what it reads is reused in
                // place and stays for the next request, and take the result (r[sharing.nonobservable]).
                return adopt(derived, key, source.fetch(derived, key, state, caller), state.revision, true);
            }
        }
        return InFlight.claim(this, derived, key, state, caller);
    }

    /**
     * For a snapshot: adopts, without checking its dependencies, the successful memo of the nearest view it
     * descends from that holds one, when that view is at exactly {@code state} and verified the memo there.
     * This is what a snapshot taken for one request mostly reads: results the database already confirmed at
     * the same inputs. Returns {@code null} otherwise; the full path then revalidates what it finds.
     */
    private @Nullable Memo adoptVerified(DerivedImpl<?, ?> derived, Object key, InputState state) {
        SourceCell found = nearestSourceCell(derived.index, key);
        // Every state of a view has its own revision, so a memo the source verified at this revision was
        // verified against its current state, which is this one.
        if (found != null && found.view().current == state && found.cell().verifiedAt == state.revision
                && !found.cell().failed()) {
            derived.hits.increment();
            return adopt(derived, key, found.cell(), state.revision, true);
        }
        return null;
    }

    /** A cell another view holds, with that view. */
    private record SourceCell(ViewState view, Cell cell) {
    }

    /** The cell of the nearest view this one descends from that holds one for the record, or {@code null}. */
    private @Nullable SourceCell nearestSourceCell(int ingredient, Object key) {
        for (ViewState source = parent; source != null; source = source.parent) {
            Cell cell = source.cell(ingredient, key);
            if (cell != null) {
                return new SourceCell(source, cell);
            }
        }
        return null;
    }

    /**
     * The leader's work ({@link InFlight#claim}) for {@code mine}, an evaluation in this view: reuse what can be
     * reused, compute otherwise. {@code derived} is {@code mine}'s ingredient and {@code keyHash} its key's
     * {@link CellTable#hash}, both as the claim has them (no cast, no second hash).
     */
    Memo bringUpToDate(Evaluation mine, DerivedImpl<?, ?> derived, int keyHash) {
        CellTable table = table(derived.index);
        Cell own = table.get(mine.key, keyHash);
        if (own == null && parent == null && engine.sharedResults.get(derived.index, mine.key) == null) {
            // The cold read of a view without a source (the database's own): nothing to reuse. Small, so that it
            // is inlined into the claim; the rest is reuseOrCompute.
            return compute(mine, null, null, table, null);
        }
        return reuseOrCompute(mine, table, own);
    }

    /**
     * {@link #bringUpToDate} when the view holds a cell for the record ({@code own}, as found in {@code table}
     * after the claim), or may find a memo in the views it descends from or in the shared cache.
     */
    private Memo reuseOrCompute(Evaluation mine, CellTable table, @Nullable Cell own) {
        DerivedImpl<?, ?> derived = mine.derived();
        Object key = mine.key;
        InputState state = mine.state;
        long revision = state.revision;
        if (own != null && own.validAt(revision, own.verifiedAt)) {
            derived.hits.increment();
            used(own);
            return own;
        }
        Memo previous = null;
        Revalidation.Change change = null;
        if (own != null && !own.failed()) {
            previous = own;
            Memo shortcut = durabilityShortcut(derived, key, own, state);
            if (shortcut != null) {
                return shortcut;
            }
            Memo unmarked = reuseUnmarked(derived, key, own, state);
            if (unmarked != null) {
                return unmarked;
            }
            Revalidation.Change[] found = new Revalidation.Change[1];
            List<Marking.Position> only = changedDependencies(derived, key, own, state);
            NodeKey node = new NodeKey(derived.index, key);
            Memo still = only == null ? Revalidation.revalidate(this, node, previous, state, mine, found)
                    : Revalidation.revalidateSome(this, node, previous, only, state, mine, found);
            if (still != null) {
                revalidated(derived, key, own, still, revision);
                return still;
            }
            change = found[0];
        } else if (own == null) {
            // Memos other views hold for the record: the nearest source's cell, then the shared cache. The
            // primary view has no source, and an empty shared cache answers without a look-up.
            SourceCell found = parent == null ? null : nearestSourceCell(derived.index, key);
            Memo fromSource = found == null ? null : found.cell();
            Memo shared = engine.sharedResults.get(derived.index, key);
            for (int i = fromSource == null && shared == null ? 2 : 0; i < 2; i++) {
                Memo candidate = i == 0 ? fromSource : (shared != null && shared.sameResult(fromSource) ? null : shared);
                if (candidate == null) {
                    continue;
                }
                if (candidate.failed()) {
                    if (candidate.failedAt() == revision) {
                        derived.hits.increment();
                        store(derived, key, newCell(key, candidate, revision, Outcome.FAILED, null, 0));
                        return candidate;
                    }
                    continue;
                }
                if (previous == null) {
                    previous = candidate;
                }
                Memo still = Revalidation.revalidate(this, new NodeKey(derived.index, key), candidate, state, mine,
                        new Revalidation.Change[1]);
                if (still != null) {
                    derived.revalidations.increment();
                    store(derived, key, newCell(key, still, revision, Outcome.ADOPTED, null, 0));
                    return still;
                }
            }
        }
        return compute(mine, previous, change, table, own);
    }

    /**
     * Computes {@code mine} (its query at its state) as the leader of its evaluation and stores the result in
     * {@code table}, which held {@code own} for the key when the leader looked.
     */
    @SuppressWarnings("unchecked")
    private Memo compute(Evaluation mine, @Nullable Memo previous, Revalidation.@Nullable Change change,
            CellTable table, @Nullable Cell own) {
        DerivedImpl<?, ?> derived = mine.derived();
        Object key = mine.key;
        InputState state = mine.state;
        boolean afterFailure = own != null && own.failed();
        long revision = state.revision;
        Evaluation ctx = mine;
        ctx.start(Evaluation.buffer(derived.readsHint));
        Object value = null;
        Throwable failure = null;
        Object[] reads;
        try {
            value = ((DerivedImpl<Object, Object>) derived).query.compute(ctx, key);
            if (value == null) {
                failure = new NullPointerException("the compute function of " + mine.ref()
                        + " returned null; return a value (e.g. an Optional) instead");
            } else if (!derived.valueType.isInstance(value)) {
                failure = new ClassCastException("the compute function of " + mine.ref() + " returned a "
                        + value.getClass().getName() + ", not a " + derived.valueType.getName());
            }
        } catch (Throwable thrown) {
            if (Cancellation.isCancellation(thrown)) {
                throw Cancellation.cancelled(mine, thrown);
            }
            failure = thrown;
        } finally {
            reads = ctx.close();
        }
        int entries = ctx.entriesHint();
        if (derived.readsHint != entries) {
            derived.readsHint = entries; // a plain write, and only on a change: a hint, racy by design
        }
        derived.computations.increment();
        Dependency cause = change == null ? null : change.dependency();
        long causeAt = change == null ? 0 : change.changedAt();
        int u = unusual; // read once for the version and the cell (see unusual)
        Version version;
        int durability = ctx.durabilityOrdinal();
        Outcome outcome;
        if (failure != null) {
            derived.failures.increment();
            value = null;
            version = new Version.Failed(revision, failure);
            durability = Durability.LOW.ordinal();
            outcome = Outcome.FAILED;
        } else if (EarlyCutoff.keeps(previous, value)) {
            // r[revision.early-cutoff]: same version (and the same value object), so dependents stay valid.
            derived.earlyCutoffs.increment();
            Memo kept = Objects.requireNonNull(previous);
            value = kept.value;
            version = kept.version;
            outcome = Outcome.RECOMPUTED_UNCHANGED;
        } else {
            version = newVersion(state, (u & (POLICY | EVICTED)) == 0 && (own == null || own.verifiedAt < revision));
            outcome = previous == null && !afterFailure ? Outcome.COMPUTED : Outcome.RECOMPUTED;
            if (previous != null && primary && engine.events.active()) {
                engine.events.publish(List.of(new RuntimeEvent.QueryChanged(derived.name, key, new Revision(revision))));
            }
        }
        Marking m = marking;
        if (m != null && failure == null && ctx.readFailure()) {
            m.taint(derived.index, key); // before the cell is published
        }
        Cell.Verification how = Cell.Verification.ofOrdinal(outcome, durability, cause, causeAt);
        Cell cell = (u & (POLICY | SEQUENCING)) == 0 ? new Cell(key, value, version, reads, revision, how)
                : newCell(key, value, version, reads, revision, how);
        store(derived, key, cell, false, table, own);
        return cell;
    }

    /**
     * Adopts into the view this snapshot was forked from every successful result this snapshot verified at
     * the revision that view is at now: both views are then at the same input state, so each such result is
     * valid there unchanged (r[sharing.nonobservable]). Computes nothing; other results stay available to
     * that view through revalidation. Returns how many results it adopted.
     */
    public int promote() {
        ViewState target = parent;
        if (primary || target == null) {
            return 0;
        }
        checkOpen();
        long revision = target.current.revision;
        if (current.revision != revision) {
            return 0; // a write on either side since the fork: nothing here is verified at the target's state
        }
        int promoted = 0;
        @Nullable CellTable[] t = tables;
        for (int i = 0; i < t.length; i++) {
            CellTable table = t[i];
            if (table == null || !(engine.ingredient(i) instanceof DerivedImpl<?, ?> derived)) {
                continue;
            }
            for (Cell cell : table.cells()) {
                if (cell.verifiedAt == revision && !cell.failed()) {
                    Cell own = target.cell(i, cell.key);
                    if (own == null || own.verifiedAt < revision) {
                        target.adopt(derived, cell.key, cell, revision, true);
                        promoted++;
                    }
                }
            }
        }
        return promoted;
    }

    /**
     * Takes another view's memo for the same revision into this view's table.
     *
     * @param foreign whether the memo may come from another view, whose reads the primary view's marks do
     *     not cover (see {@link Marking}'s rule 3)
     */
    Memo adopt(DerivedImpl<?, ?> derived, Object key, Memo memo, long revision, boolean foreign) {
        CellTable table = table(derived.index);
        Cell own = table.get(key);
        if (own != null && own.sameResult(memo)) {
            return own;
        }
        // Keep this view's version of an equal value, so its dependents stay valid.
        Memo adopted = EarlyCutoff.backdate(own, memo);
        Cell cell = newCell(key, adopted, revision, memo.failed() ? Outcome.FAILED : Outcome.ADOPTED, null, 0);
        store(derived, key, cell, foreign);
        return cell;
    }

    private void store(DerivedImpl<?, ?> derived, Object key, Cell cell) {
        store(derived, key, cell, false);
    }

    /**
     * Publishes a cell unless the table already holds one verified at a later revision. In the primary view,
     * first registers the memo's reverse edges and marks the record whole if an input change overlapped its
     * verification ({@link Marking}'s rules 1 and 2); a {@code foreign} memo raises the marks' floor above
     * every revision so far (rule 3).
     */
    private void store(DerivedImpl<?, ?> derived, Object key, Cell cell, boolean foreign) {
        CellTable table = table(derived.index);
        store(derived, key, cell, foreign, table, marking == null ? null : table.get(key));
    }

    /**
     * {@link #store(DerivedImpl, Object, Cell, boolean)} with the cell the table held for the key when the caller
     * looked ({@code before}): a leader's own cell from before it computed. If another cell was stored since,
     * the edges registered for {@code before} only add stale edges (they mark too much, never too little: rule
     * 4), and the table's compare below still keeps the cell verified later.
     */
    private void store(DerivedImpl<?, ?> derived, Object key, Cell cell, boolean foreign,
            CellTable table, @Nullable Cell before) {
        Marking m = marking;
        if (m != null) {
            if (before != null && before.verifiedAt > cell.verifiedAt) {
                return;
            }
            if (foreign) {
                m.raiseFloor(currentRevision + 1);
            }
            // fresh: no cell before, and none was ever removed, so this key registers its edges for the first time
            // (up to leaders that raced for its first result: a repeated edge only marks too much, rule 4)
            boolean fresh = before == null && (unusual & (POLICY | EVICTED)) == 0;
            m.register(engine, derived.index, key, cell, before, cell.verifiedAt,
                    fresh);
            m.markIfOverlapped(derived.index, key, cell.verifiedAt);
        }
        Cell replaced = table.putUnlessNewer(cell);
        if (replaced == CellTable.KEPT) {
            return;
        }
        boolean newResult = replaced == null || !replaced.sameResult(cell);
        if (newResult) {
            if (!primary) {
                engine.sharedResults.offer(derived.index, key, cell);
            } else if (replaced != null && cell.failed()) {
                dropped(derived.index, key, replaced); // the shared cache keeps the newest successful memo
            }
        }
        // Read after the table's write, where the checks it stands for are made. Clear (the common case): the cell
        // is not sequenced (only SEQUENCING and POLICY views make sequenced cells), so cellStored would do
        // nothing; nobody listens to events; there is no policy.
        int u = unusual;
        if (u != 0) {
            storedUnusual(derived, key, cell, table, replaced, newResult, u);
        }
    }

    /** The rest of {@link #store} when {@link #unusual} is not clear: change tracking, events, the policy. */
    private void storedUnusual(DerivedImpl<?, ?> derived, Object key, Cell cell, CellTable table,
            @Nullable Cell replaced, boolean newResult, int u) {
        if (primary && (u & (SEQUENCING | POLICY)) != 0) {
            engine.persistence().cellStored(derived.index, key, cell);
        }
        if (newResult && (u & EVENTS) != 0 && reverseEdges != null && engine.events.active()) {
            reverseEdges.update(new NodeKey(derived.index, key),
                    replaced == null ? null : replaced.dependencies(), cell.dependencies());
        }
        MemoPolicy p = policy;
        if (p != null) {
            p.stored(this, table, key, cell, replaced);
        }
    }

    /**
     * Offers the memo of a cell the primary view no longer holds (evicted, replaced by a failure, or replaced
     * by a restore) to the shared cache. The primary view does not offer what it stores: while it holds a
     * memo, every view finds it there first (each view descends from the primary one), so the shared cache
     * only needs it once it is dropped; a new result then costs no shared-cache write. A memo loaded from a
     * store and never verified here, and a failure, are not offered (as before: neither was).
     */
    void dropped(int ingredient, Object key, Cell cell) {
        if (primary && !cell.failed() && cell.verification().outcome() != Outcome.RESTORED) {
            engine.sharedResults.offer(ingredient, key, cell);
        }
    }

    /** r[evict.poison]: a failure is kept while the view is at its revision. */
    static boolean evictable(Cell cell, long revision) {
        return !(cell.failed() && cell.failedAt() == revision);
    }

    /** Drops the memos of one derived ingredient (r[evict.derived]); returns how many. */
    public int evict(int ingredient) {
        CellTable table = tableIfPresent(ingredient);
        if (table == null) {
            return 0;
        }
        long revision = current.revision;
        int dropped = 0;
        UNUSUAL.getAndBitwiseOr(this, EVICTED);
        for (Cell cell : table.cells()) {
            if (evictable(cell, revision) && table.remove(cell)) {
                dropped(ingredient, cell.key, cell);
                dropped++;
            }
        }
        return dropped;
    }

    // ---------------------------------------------------------------------------------------------
    // Input writes

    /** Applies input writes atomically to this view ({@link InputWrites#apply}). */
    Revision apply(List<InputWrites.Write> writes) {
        return InputWrites.apply(this, writes);
    }

    /**
     * Makes {@code state} this view's current state: {@code current}, then {@code currentRevision}. Called
     * under the write lock, by the input write path and by {@link #restore}.
     */
    void publishState(InputState state) {
        current = state;
        currentRevision = state.revision;
    }

    /**
     * Rebuilds the reverse edges from the memo tables. Edges are kept only while someone listens to
     * events (they serve nothing else), so the first subscription rebuilds them.
     */
    void rebuildReverseEdges() {
        ReverseEdges edges = reverseEdges;
        if (edges == null) {
            return;
        }
        edges.clear();
        for (CellTable table : tables) {
            if (table != null) {
                table.forEach(cell -> edges.update(new NodeKey(table.ingredient, cell.key), null,
                        cell.dependencies()));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Restoring from a store

    /**
     * Publishes restored state: the new inputs and revision, and restored cells replacing those of the same
     * keys. Runs under the write lock, so it is one step for observers.
     */
    void restore(InputState restored, Map<NodeKey, Cell> cells, Runnable beforePublish) {
        writeLock.lock();
        try {
            beforePublish.run();
            // Restored cells may be verified before states this view computed at: no first result shares a
            // version made before the load (newVersion). Ordered before the tables' release stores below.
            stateVersion = null;
            Marking m = marking;
            if (m != null) {
                // A load replaces inputs wholesale: nothing verified before it is reused on marks alone.
                m.markingAt = restored.revision;
                m.raiseFloor(restored.revision + 1);
                for (Map.Entry<NodeKey, Cell> entry : cells.entrySet()) {
                    NodeKey node = entry.getKey();
                    m.register(engine, node.ingredient(), node.key(), entry.getValue(), null,
                            entry.getValue().verifiedAt);
                }
            }
            publishState(restored);
            for (Map.Entry<NodeKey, Cell> entry : cells.entrySet()) {
                NodeKey node = entry.getKey();
                Cell old = table(node.ingredient()).put(entry.getValue());
                if (old != null && !old.sameResult(entry.getValue())) {
                    dropped(node.ingredient(), node.key(), old); // as an eviction: other views may still use it
                }
                if (reverseEdges != null && engine.events.active()) {
                    reverseEdges.update(node, old == null ? null : old.dependencies(),
                            entry.getValue().dependencies());
                }
            }
            if (policy != null) {
                policy.recount(this);
            }
            if (primary && engine.events.active()) {
                engine.events.publish(List.of(new RuntimeEvent.RevisionBumped(new Revision(restored.revision))));
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Runs {@code action} holding this view's write lock, which is reentrant: no write of this view
     * ({@link InputWrites}), restore or fork of the primary view runs meanwhile, and a {@link #restore} inside
     * it publishes at once.
     */
    <T> T whileWritesWait(java.util.function.Supplier<T> action) {
        writeLock.lock();
        try {
            return action.get();
        } finally {
            writeLock.unlock();
        }
    }

    /** Whether the view holds nothing: no input slot and no memo. */
    boolean isEmpty() {
        for (PersistentMap<Object, InputSlot> slots : current.inputs) {
            if (slots != null && slots.size() > 0) {
                return false;
            }
        }
        for (CellTable table : tables) {
            if (table != null && !table.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    void forEachCell(int ingredient, java.util.function.BiConsumer<Object, Cell> action) {
        CellTable table = tableIfPresent(ingredient);
        if (table != null) {
            table.forEach(cell -> action.accept(cell.key, cell));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Inspection

    @Nullable Cell cell(int ingredient, Object key) {
        CellTable table = tableIfPresent(ingredient);
        return table == null ? null : table.get(key);
    }

    /** A copy of the cells of one ingredient, by key (weakly consistent: see {@link CellTable#forEach}). */
    Map<Object, Cell> cells(int ingredient) {
        CellTable table = tableIfPresent(ingredient);
        if (table == null) {
            return Map.of();
        }
        Map<Object, Cell> copy = new HashMap<>();
        table.forEach(cell -> copy.put(cell.key, cell));
        return copy;
    }
}
