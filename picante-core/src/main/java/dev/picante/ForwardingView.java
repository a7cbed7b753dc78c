package dev.picante;

/**
 * A {@link View} that stands for another view chosen at the time of each operation: the engine resolves it
 * through {@link #delegate()} once per read or write and then works on the view it returns, exactly as if
 * that view had been passed.
 *
 * <p>This is the seam for frameworks that hand out one long-lived object standing for a view that changes
 * over time, such as a request-scoped view that is the current request's {@link Snapshot} inside a request
 * and the {@link Database} outside one. Ordinary code passes a {@code Database}, a {@code Snapshot} or a
 * {@link QueryContext} and never needs this type.
 *
 * <p>Guarantees: an operation uses the view {@code delegate()} returned when the operation started, for its
 * whole duration; {@code delegate()} may itself return a forwarding view (resolved again, up to
 * {@value #MAX_FORWARDING} hops); it must end at a {@code Database} or a {@code Snapshot} of the database
 * the ingredient belongs to, or the operation fails with an {@link IllegalArgumentException} naming the
 * forwarding class. A {@code null} delegate fails with a {@link NullPointerException} naming it. Inside a
 * computation, read through the {@link QueryContext}, never through a forwarding view: reads through any
 * other view are not recorded as dependencies.
 */
public interface ForwardingView extends View {

    /** How many forwarding views one operation resolves through before it gives up. */
    int MAX_FORWARDING = 8;

    /** Returns the view that this one stands for now. */
    View delegate();

    /** Returns the revision of the current {@linkplain #delegate() delegate}. */
    @Override
    default Revision revision() {
        return delegate().revision();
    }

    /** Forks the current {@linkplain #delegate() delegate}. */
    @Override
    default Snapshot snapshot() {
        return delegate().snapshot();
    }

    /** Starts a batch on the current {@linkplain #delegate() delegate}. */
    @Override
    default Batch batch() {
        return delegate().batch();
    }
}
