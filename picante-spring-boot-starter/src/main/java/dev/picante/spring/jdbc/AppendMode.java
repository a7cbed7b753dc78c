package dev.picante.spring.jdbc;

/**
 * When an unshared store appends input writes to its log ({@code picante.store.append-mode}).
 */
public enum AppendMode {
    /**
     * Every input write (a {@code set}, a {@code remove} or a batch) is appended to the log before it
     * returns: an acknowledged write survives a crash. Derived results and interned values go with the next
     * write's entry or the next interval append. The default.
     */
    SYNC,
    /**
     * Changes are appended every {@code picante.store.append-interval} only: a crash loses the writes since
     * the last append.
     */
    INTERVAL
}
