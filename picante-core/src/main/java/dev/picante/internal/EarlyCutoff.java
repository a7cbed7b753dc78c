package dev.picante.internal;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Early cutoff (r[revision.early-cutoff]; salsa calls it backdating): a record whose new value is equal
 * (r[equality.relation]) to the value its view held keeps that value's {@link Version}, and so its
 * {@code changed_at} (r[changed-at.derived]). Every dependent that recorded the version then stays valid,
 * and a change stops spreading at this record.
 *
 * <p>One rule ({@link #keeps}), applied where a view gets a new value for a record it held a value of: when
 * its leader recomputes the record (the new cell takes the previous value and version, with the recomputation's
 * dependencies and durability: {@code ViewState.compute}), and when it adopts another view's memo
 * ({@link #backdate(Memo, Memo)}: the adopted dependencies, with this view's value and version). A failure
 * is never kept, nor does it keep anything. Stateless; calls the values' {@code equals}.
 */
final class EarlyCutoff {

    private EarlyCutoff() {
    }

    /**
     * Whether a new {@code value} for a record whose memo in the view was {@code previous} keeps
     * {@code previous}'s version: {@code previous} holds a value (it is not a failure) equal to {@code value}.
     * {@code false} when either is missing.
     */
    static boolean keeps(@Nullable Memo previous, @Nullable Object value) {
        return previous != null && !previous.failed() && value != null && Equality.equal(previous.value, value);
    }

    /**
     * The memo a view stores when it adopts {@code adopted} (another view's memo for the same revision) for a
     * record it holds {@code own} of: {@code adopted} with {@code own}'s value and version if early cutoff
     * keeps them, else {@code adopted} itself.
     */
    static Memo backdate(@Nullable Memo own, Memo adopted) {
        if (own != null && own.version != adopted.version && keeps(own, adopted.value)) {
            return adopted.keeping(Objects.requireNonNull(own.value), own.version);
        }
        return adopted;
    }
}
