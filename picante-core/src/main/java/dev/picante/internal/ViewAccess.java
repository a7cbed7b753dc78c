package dev.picante.internal;

import dev.picante.Snapshot;
import dev.picante.View;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The bridge between the public view classes and their engine state. {@code Database} installs it when
 * it is initialized, before any ingredient can exist.
 */
public final class ViewAccess {

    private static @Nullable Function<View, @Nullable ViewState> resolver;
    private static @Nullable Function<ViewState, Snapshot> snapshots;

    private ViewAccess() {
    }

    /** Installs the functions that map a public view to its state and a state to a new snapshot. */
    public static synchronized void install(Function<View, @Nullable ViewState> viewResolver,
            Function<ViewState, Snapshot> snapshotFactory) {
        resolver = viewResolver;
        snapshots = snapshotFactory;
    }

    static @Nullable ViewState stateOf(View view) {
        Function<View, @Nullable ViewState> r = resolver;
        return r == null ? null : r.apply(view);
    }

    static Snapshot newSnapshot(ViewState state) {
        Function<ViewState, Snapshot> f = snapshots;
        if (f == null) {
            throw new IllegalStateException("picante is not initialized");
        }
        return f.apply(state);
    }
}
