package dev.picante.internal;

/**
 * The identity of one derived value: made when a computation produces a value not equal to the previous
 * one, kept by early cutoff ({@link EarlyCutoff}, r[revision.early-cutoff]). A dependent that recorded a
 * version knows the dependency's value is unchanged exactly when the dependency still has that same
 * version, in whichever view it is brought up to date. {@link #changedAt()} is the revision the value last
 * changed at (r[changed-at.derived]).
 *
 * <p>One exists per memo that holds a new value, so it is kept small: 16 bytes with compressed pointers, its
 * revision in an int (read unsigned: revisions up to 2<sup>32</sup> - 1). A revision beyond that (or a negative
 * one) takes a {@link Wide} version of 24 bytes; {@link #of} chooses. Nothing but {@link #changedAt()} reads
 * the revision, and nothing compares versions but by identity.
 */
class Version {

    /** {@link #changedAt()}, unsigned; unused in a {@link Wide} version. */
    private final int changedAt;

    private Version(int changedAt) {
        this.changedAt = changedAt;
    }

    /** A new version (a new identity) of a value that changed at {@code changedAt}. */
    static Version of(long changedAt) {
        // 0 <= changedAt <= 2^32 - 1 in one test: no bit above the low 32 (a negative revision has them all)
        return (changedAt >>> 32) == 0 ? new Version((int) changedAt) : new Wide(changedAt);
    }

    /** The revision the value last changed at (for a failure: the revision it failed at). */
    final long changedAt() {
        return this instanceof Wide wide ? wide.wide : Integer.toUnsignedLong(changedAt);
    }

    /** A version whose revision does not fit in 32 unsigned bits. */
    static class Wide extends Version {

        private final long wide;

        Wide(long changedAt) {
            super(0);
            this.wide = changedAt;
        }
    }

    /**
     * The version of a failure: made at the failing revision, it also holds what the compute function threw,
     * so that a {@link Memo} needs no field of its own for it (a failure memo's version is never shared with a
     * value's).
     */
    static final class Failed extends Wide {

        final Throwable failure;

        Failed(long changedAt, Throwable failure) {
            super(changedAt);
            this.failure = failure;
        }
    }
}
