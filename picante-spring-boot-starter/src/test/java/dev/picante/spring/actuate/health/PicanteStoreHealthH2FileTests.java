package dev.picante.spring.actuate.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.jdbc.H2FileStatus;
import dev.picante.spring.jdbc.JdbcStateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.jdbc.core.JdbcTemplate;

/** The store's health reports an H2 file database's file: its size and the share of it that is live data. */
class PicanteStoreHealthH2FileTests {

    @Test
    void healthDetailsGiveTheH2FilesSizeAndFillRate(@TempDir Path dir) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve("store").toAbsolutePath()
                + ";DB_CLOSE_ON_EXIT=FALSE;DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        Database db = Database.create();
        InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        for (int i = 0; i < 100; i++) {
            pages.set(db, "p" + i, "page " + i);
        }
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.save(db);
        try {
            H2FileStatus file = store.h2File();
            assertThat(file).isNotNull();
            assertThat(file.bytes()).isEqualTo(Files.size(dir.resolve("store.mv.db")));
            assertThat(file.fillRate()).isBetween(1, 100);
            assertThat(file.liveRate()).isBetween(1, file.fillRate());

            Health health = new PicanteStoreHealthIndicator(store).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("h2FileBytes", file.bytes())
                    .containsEntry("h2FileFillRate", file.fillRate());
        } finally {
            new JdbcTemplate(ds).execute("SHUTDOWN");
        }
    }

    @Test
    void anInMemoryDatabaseHasNoFileInTheDetails() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:health-h2-file;DB_CLOSE_DELAY=-1");
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        assertThat(store.h2File()).isNull();
        assertThat(store.compactH2File()).isNull();
        Health health = new PicanteStoreHealthIndicator(store).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).doesNotContainKeys("h2FileBytes", "h2FileFillRate");
    }
}
