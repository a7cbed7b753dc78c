package dev.picante.internal;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The equality of values (r[equality.relation]): {@code equals}, element-wise for arrays. */
final class Equality {

    private Equality() {
    }

    static boolean equal(@Nullable Object a, @Nullable Object b) {
        return a == b || Objects.deepEquals(a, b);
    }
}
