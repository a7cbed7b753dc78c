package dev.picante.internal;

/**
 * The identity of one derived value: made when a computation produces a value not equal to the previous
 * one, kept by early cutoff ({@link EarlyCutoff}, r[revision.early-cutoff]). A dependent that recorded a
 * version knows the dependency's value is unchanged exactly when the dependency still has that same
 * version, in whichever view it is brought up to date. {@code changedAt} is the revision the value last changed at
 * (r[changed-at.derived]).
 */
class Version {

    final long changedAt;

    Version(long changedAt) {
        this.changedAt = changedAt;
    }

    /**
     * The version of a failure: made at the failing revision, it also holds what the compute function threw,
     * so that a {@link Memo} needs no field of its own for it (a failure memo's version is never shared with a
     * value's, so it is the same size as a plain version: 24 bytes with compressed pointers).
     */
    static final class Failed extends Version {

        final Throwable failure;

        Failed(long changedAt, Throwable failure) {
            super(changedAt);
            this.failure = failure;
        }
    }
}
