package dev.picante.spring.actuate.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.jdbc.JdbcStateStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The store's health lists what the startup load dropped because it no longer fits (issue 13 item 3). */
class PicanteStoreHealthLoadFindingsTests {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Test
    void healthDetailsListWhatTheLoadDropped() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:health-findings-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        Database before = Database.create();
        InputIngredient<String, String> pages = before.input("pages", String.class, String.class);
        var length = before.derived("length", String.class, Integer.class,
                (ctx, k) -> pages.get(ctx, k).map(String::length).orElse(0));
        pages.set(before, "a", "hello");
        assertThat(length.get(before, "a")).isEqualTo(5);
        JdbcStateStore.builder(ds).build().save(before);

        Database after = Database.create();
        InputIngredient<String, String> pages2 = after.input("pages", String.class, String.class);
        var length2 = after.derived("length", String.class, Long.class,
                (ctx, k) -> (long) pages2.get(ctx, k).map(String::length).orElse(0));
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.load(after);
        assertThat(length2.get(after, "a")).isEqualTo(5L);

        Health health = new PicanteStoreHealthIndicator(store).health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails().get("droppedAtLoad")).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.list(String.class))
                .singleElement().asString().contains("derived 'length'").contains("java.lang.Long");
        assertThat(health.getDetails()).doesNotContainKey("corruptAtLoad");
        assertThat(store.status().droppedAtLoad()).hasSize(1);
        assertThat(store.status().corruptAtLoad()).isEqualTo(List.of());
    }
}
