package dev.picante.spring;

import dev.picante.Database;
import dev.picante.Durability;
import dev.picante.QueryContext;
import dev.picante.Snapshot;
import dev.picante.View;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which {@link View} of the application's {@link Database} the code running now reads from: the
 * {@link QueryContext} of the {@link QueryFunction} computing on this thread, else the snapshot of the
 * web request being handled on this thread (see {@code picante.web.request-snapshots}), else the
 * database itself. Also creates {@link Input inputs} and {@link Interned interned tables} bound to it.
 *
 * <p>The current computation and request are kept in thread-locals, set only while a computation runs
 * or a request is handled: work handed to other threads does not see them (pass a view explicitly
 * there). Thread-safe.
 */
public final class PicanteViews {

    private static final ThreadLocal<@Nullable Frame> COMPUTING = new ThreadLocal<>();

    static final ThreadLocal<@Nullable Object> REQUEST = new ThreadLocal<>();

    /**
     * The key under which the request's view travels in a Reactor context and in the
     * context-propagation library's registry (see {@link RequestViewPropagation}).
     */
    public static final String REQUEST_VIEW_KEY = "dev.picante.spring.request-view";

    private final Database database;
    private final DeclaredTypes declaredTypes = new DeclaredTypes();

    /** Creates the views of {@code database}. */
    public PicanteViews(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    /**
     * Returns the declared generic key and value types of the database's ingredients, for a durable store's
     * codec; {@link QueryFunction} methods register theirs.
     */
    public DeclaredTypes declaredTypes() {
        return declaredTypes;
    }

    /** Returns the database, the primary view that inputs are written to. */
    public Database database() {
        return database;
    }

    /**
     * Returns the view to read from now: the current computation's context, else the current request's
     * snapshot, else the database.
     */
    public View current() {
        Frame computing = COMPUTING.get();
        if (computing != null && computing.database == database) {
            return computing.view;
        }
        if (REQUEST.get() instanceof Frame request && request.database == database) {
            return request.view;
        }
        return database;
    }

    /** Returns whether a {@link QueryFunction} of this database is computing on this thread. */
    public boolean isComputing() {
        Frame computing = COMPUTING.get();
        return computing != null && computing.database == database;
    }

    /** Returns the snapshot of the request handled on this thread, if any. */
    public @Nullable Snapshot requestSnapshot() {
        return REQUEST.get() instanceof Frame request && request.database == database
                ? (Snapshot) request.view : null;
    }

    /**
     * Makes {@code snapshot} the view of the request handled on this thread until the returned scope is
     * closed (on the same thread). For web integrations.
     */
    public Scope bindRequest(Snapshot snapshot) {
        if (snapshot.database() != database) {
            throw new IllegalArgumentException(snapshot + " is not a snapshot of " + database);
        }
        return bind(REQUEST, requestBinding(snapshot));
    }

    /**
     * Returns the thread-local value that makes {@code snapshot} the request's view: what a Reactor
     * context holds under {@link #REQUEST_VIEW_KEY} for context propagation.
     */
    public Object requestBinding(Snapshot snapshot) {
        if (snapshot.database() != database) {
            throw new IllegalArgumentException(snapshot + " is not a snapshot of " + database);
        }
        return new Frame(database, snapshot);
    }

    Scope bindComputation(QueryContext context) {
        return bind(COMPUTING, new Frame(database, context));
    }

    private static <T> Scope bind(ThreadLocal<@Nullable T> local, T frame) {
        T previous = local.get();
        local.set(frame);
        return () -> {
            if (previous == null) {
                local.remove();
            } else {
                local.set(previous);
            }
        };
    }

    /** Registers an input on the database and binds it to the current view. */
    public <K, V> Input<K, V> input(String name, Class<K> key, Class<V> value) {
        return new Input<>(this, database.input(name, key, value));
    }

    /** Registers an input with a durability on the database and binds it to the current view. */
    public <K, V> Input<K, V> input(String name, Class<K> key, Class<V> value, Durability durability) {
        return new Input<>(this, database.input(name, key, value, durability));
    }

    /** Registers an interned table on the database and binds it to the current view. */
    public <T> Interned<T> interned(String name, Class<T> value) {
        return new Interned<>(this, database.interned(name, value));
    }

    /** A binding that ends when closed. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {

        /** Restores the binding that was current before. */
        @Override
        void close();
    }

    private record Frame(Database database, View view) {
    }
}
