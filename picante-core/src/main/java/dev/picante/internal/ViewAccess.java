package dev.picante.internal;

import dev.picante.Database;
import dev.picante.Snapshot;
import dev.picante.View;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The bridge between the public view classes and their engine state. {@code Database} installs it when
 * it is initialized, before any ingredient can exist.
 *
 * <p>Only {@link Database}'s class initializer can install it, once: a call from any other class, or a
 * second call, throws {@link IllegalStateException} (on the module path this package is not even
 * exported). So no code can replace how views are resolved.
 */
public final class ViewAccess {

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private static @Nullable Function<View, @Nullable ViewState> resolver;
    private static @Nullable Function<ViewState, Snapshot> snapshots;

    private ViewAccess() {
    }

    /**
     * Installs the functions that map a public view to its state and a state to a new snapshot.
     *
     * @throws IllegalStateException if the caller is not {@link Database}, or they are installed already
     */
    public static synchronized void install(Function<View, @Nullable ViewState> viewResolver,
            Function<ViewState, Snapshot> snapshotFactory) {
        Class<?> caller = WALKER.getCallerClass();
        if (caller != Database.class) {
            throw new IllegalStateException("ViewAccess is installed by " + Database.class.getName()
                    + " only, not by " + caller.getName() + ": it is internal to picante-core");
        }
        if (resolver != null) {
            throw new IllegalStateException("ViewAccess is installed already");
        }
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
