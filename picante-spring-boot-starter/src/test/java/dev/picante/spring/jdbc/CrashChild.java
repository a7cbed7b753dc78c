package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.InternedIngredient;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The child JVM of {@link JdbcStateStoreCrashTests}: takes the store's lease (its killed predecessor's is
 * free, its process being gone), loads the store, then forever interns {@code "v" + n}, sets the five
 * counters to {@code n} in one batch, reads the derived sum, and appends (or, every 7th step, makes a full
 * save), until it is killed.
 */
public final class CrashChild {

    static final int COUNTERS = 5;

    /** The records of the bulk input of the {@code incremental} lane: many chunks, of which a save rewrites few. */
    static final int BULK = 20_000;

    /** The ingredients of the crash test's application. */
    static final class App {
        final Database db;
        final InputIngredient<String, Long> counters;
        final InputIngredient<String, String> bulk;
        final InternedIngredient<String> values;
        final DerivedIngredient<String, Long> sum;

        App() {
            this(Database.create());
        }

        App(Database db) {
            this.db = db;
            counters = db.input("counters", String.class, Long.class);
            bulk = db.input("bulk", String.class, String.class);
            values = db.interned("values", String.class);
            sum = db.derived("sum", String.class, Long.class, (ctx, k) -> {
                long s = 0;
                for (int i = 0; i < COUNTERS; i++) {
                    s += counters.get(ctx, "c" + i).orElse(0L);
                }
                return s;
            });
        }

        long counter() {
            return counters.get(db, "c0").orElse(0L);
        }
    }

    private CrashChild() {
    }

    /**
     * Runs against the H2 file URL in {@code args[0]}; {@code args[1]} is {@code sync} (every batch appended
     * by the store's gate before it returns), {@code interval} (an explicit append after each step) or
     * {@code incremental} (as sync, with {@link #BULK} more records and a save after every step, which rewrites
     * only the chunks a step changed; it prints {@code saved n incremental|full} after each). Prints
     * {@code ack n} once step {@code n} is acknowledged: its batch returned (sync) or its append did.
     */
    public static void main(String[] args) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(args[0]);
        ds.setUser("sa");
        boolean incremental = args.length > 1 && args[1].equals("incremental");
        boolean sync = incremental || (args.length > 1 && args[1].equals("sync"));
        JdbcStateStore store = JdbcStateStore.builder(ds).initializeSchema(false).compactionThreshold(5).build();
        store.acquireLease("crash-child-" + ProcessHandle.current().pid(), false);
        AtomicReference<Database> holder = new AtomicReference<>();
        App app = new App(sync ? Database.builder().inputChangeLog(purpose -> store.inputChangeLog(holder.get()).open(purpose)).build()
                : Database.create());
        holder.set(app.db);
        store.load(app.db);
        long n = app.counter();
        if (incremental && app.bulk.get(app.db, "b0").isEmpty()) {
            var bulk = app.db.batch();
            for (int i = 0; i < BULK; i++) {
                bulk.set(app.bulk, "b" + i, "bulk record " + i + " ".repeat(60));
            }
            bulk.commit();
            store.save(app.db);
        }
        System.out.println("ready " + n);
        System.out.flush();
        while (true) {
            n++;
            // Interned before the batch, so that the batch's entry (sync) carries it.
            app.values.intern(app.db, "v" + n);
            var batch = app.db.batch();
            for (int i = 0; i < COUNTERS; i++) {
                batch.set(app.counters, "c" + i, n);
            }
            if (incremental) {
                batch.set(app.bulk, "b" + (n % BULK), "v" + n);
            }
            batch.commit();
            if (sync) {
                System.out.println("ack " + n);
            }
            app.sum.get(app.db, "all");
            if (incremental) {
                store.save(app.db);
                var saved = store.lastSave();
                System.out.println("saved " + n + " " + (saved != null && saved.incremental() ? "incremental" : "full"));
            } else if (n % 7 == 0) {
                store.save(app.db);
            } else if (!sync) {
                store.append(app.db);
            }
            if (!sync) {
                System.out.println("ack " + n);
            }
        }
    }
}
