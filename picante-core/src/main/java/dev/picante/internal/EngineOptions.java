package dev.picante.internal;

import dev.picante.persist.InputChangeGate;
import dev.picante.persist.InputChangeLog;
import java.util.concurrent.Executor;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/** The options of a database, filled by {@code Database.Builder}. */
public final class EngineOptions {

    /** Name shown in messages. */
    public String name = "picante";
    /** State-byte limit; {@code Long.MAX_VALUE} for none. */
    public long stateByteLimit = Long.MAX_VALUE;
    /** How state bytes are counted. */
    public ToLongFunction<Object> weigher = StateWeigher.INSTANCE;
    /** Bound of the shared cache of finished results; 0 for none. */
    public int sharedCacheMaxEntries = 10_000;
    /** Bound of memos per derived ingredient and view. */
    public long maxMemosPerIngredient = Long.MAX_VALUE;
    /** Budget of estimated bytes of memos per view; {@code Long.MAX_VALUE} for none. */
    public long memoByteLimit = Long.MAX_VALUE;
    /** Executor for async work; {@code null} for the default. */
    public @Nullable Executor executor;

    /** Gate of primary-view input writes; {@code null} for none. */
    @SuppressWarnings("deprecation")
    public @Nullable InputChangeGate inputChangeGate;
    /** Log of primary-view input writes; {@code null} for none. */
    public @Nullable InputChangeLog inputChangeLog;

    /** Returns an independent copy. */
    @SuppressWarnings("deprecation")
    public EngineOptions copy() {
        EngineOptions copy = new EngineOptions();
        copy.name = name;
        copy.stateByteLimit = stateByteLimit;
        copy.weigher = weigher;
        copy.sharedCacheMaxEntries = sharedCacheMaxEntries;
        copy.maxMemosPerIngredient = maxMemosPerIngredient;
        copy.memoByteLimit = memoByteLimit;
        copy.executor = executor;
        copy.inputChangeGate = inputChangeGate;
        copy.inputChangeLog = inputChangeLog;
        return copy;
    }
}
