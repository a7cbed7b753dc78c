package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.InternedIngredient;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The child JVM of {@link JdbcStateStoreCrashTests}: loads the store, then forever sets the five counters
 * to {@code n} in one batch, interns {@code "v" + n}, reads the derived sum, and appends (or, every 7th
 * step, makes a full save), until it is killed.
 */
public final class CrashChild {

    static final int COUNTERS = 5;

    /** The ingredients of the crash test's application. */
    static final class App {
        final Database db = Database.create();
        final InputIngredient<String, Long> counters = db.input("counters", String.class, Long.class);
        final InternedIngredient<String> values = db.interned("values", String.class);
        final DerivedIngredient<String, Long> sum = db.derived("sum", String.class, Long.class, (ctx, k) -> {
            long s = 0;
            for (int i = 0; i < COUNTERS; i++) {
                s += counters.get(ctx, "c" + i).orElse(0L);
            }
            return s;
        });

        long counter() {
            return counters.get(db, "c0").orElse(0L);
        }
    }

    private CrashChild() {
    }

    /** Runs against the H2 file URL in {@code args[0]}. */
    public static void main(String[] args) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(args[0]);
        ds.setUser("sa");
        JdbcStateStore store = JdbcStateStore.builder(ds).initializeSchema(false).compactionThreshold(5).build();
        App app = new App();
        store.load(app.db);
        long n = app.counter();
        System.out.println("ready " + n);
        System.out.flush();
        while (true) {
            n++;
            var batch = app.db.batch();
            for (int i = 0; i < COUNTERS; i++) {
                batch.set(app.counters, "c" + i, n);
            }
            batch.commit();
            app.values.intern(app.db, "v" + n);
            app.sum.get(app.db, "all");
            if (n % 7 == 0) {
                store.save(app.db);
            } else {
                store.append(app.db);
            }
        }
    }
}
