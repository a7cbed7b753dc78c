package dev.picante.internal;

/**
 * The identity of one derived value: made when a computation produces a value not equal to the previous
 * one, kept by early cutoff ({@link EarlyCutoff}, r[revision.early-cutoff]). A dependent that recorded a
 * version knows the dependency's value is unchanged exactly when the dependency still has that same
 * version, in whichever view it is brought up to date. {@code changedAt} is the revision the value last changed at
 * (r[changed-at.derived]).
 */
final class Version {

    final long changedAt;

    Version(long changedAt) {
        this.changedAt = changedAt;
    }
}
