package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The child JVM of {@link H2FileCompactionTests}: takes the lease of the store of the H2 file URL in
 * {@code args[0]}, has H2 compact the file when the database closes, prints {@code compacting}, closes the last
 * connection, prints {@code compacted in n ms} and waits to be killed.
 */
public final class FileCompactionChild {

    /** The application of the test: pages of text and the length of each. */
    static final class Pages {
        final Database db = Database.create();
        final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        final DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                (ctx, page) -> pages.get(ctx, page).map(String::length).orElse(-1));

        /** Sets {@code count} pages of about 18 KB, marked {@code edit}, and reads each one's length. */
        void write(int count, String edit) {
            var batch = db.batch();
            for (int i = 0; i < count; i++) {
                batch.set(pages, "p" + i, text(i, edit));
            }
            batch.commit();
            readAll(count);
        }

        void readAll(int count) {
            for (int i = 0; i < count; i++) {
                length.get(db, "p" + i);
            }
        }

        /** About 18 KB of words, the same for a page whatever the edit, which starts it. */
        static String text(int page, String edit) {
            java.util.Random random = new java.util.Random(page);
            StringBuilder text = new StringBuilder(edit).append(" page ").append(page);
            while (text.length() < 18_000) {
                text.append(' ');
                for (int i = 1 + random.nextInt(9); i > 0; i--) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
            }
            return text.toString();
        }
    }

    private FileCompactionChild() {
    }

    public static void main(String[] args) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(args[0]);
        ds.setUser("sa");
        JdbcStateStore store = JdbcStateStore.builder(ds).initializeSchema(false).build();
        store.acquireLease("file-compaction-child-" + ProcessHandle.current().pid(), false);
        // The application's pool: H2 compacts the file when its last connection closes.
        java.sql.Connection pool = ds.getConnection();
        H2FileCompaction scheduled = store.compactH2File();
        System.out.println("compacting " + (scheduled == null ? "nothing" : scheduled.describe()));
        System.out.flush();
        long started = System.nanoTime();
        pool.close();
        System.out.println("compacted in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    static long size(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }
}
