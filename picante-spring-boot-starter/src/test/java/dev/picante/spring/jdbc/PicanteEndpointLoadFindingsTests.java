package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.PicanteDescriptor;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.StoreDescriptor;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;

/**
 * The actuator summary lists what the startup load dropped (an ingredient whose types changed) and what it left
 * out as damaged (an undecodable record), as {@link StoreStatus} reports them. In this package to damage a
 * stored record with {@link StoredChunks}.
 */
class PicanteEndpointLoadFindingsTests {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Test
    void summaryListsRecordsDroppedAndLeftOutAsDamagedAtLoad() {
        // r[store.corrupt]
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:endpoint-findings-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        Database before = Database.create();
        InputIngredient<String, String> pages = before.input("pages", String.class, String.class);
        var length = before.derived("length", String.class, Integer.class,
                (ctx, k) -> pages.get(ctx, k).map(String::length).orElse(0));
        var upper = before.derived("upper", String.class, String.class,
                (ctx, k) -> pages.get(ctx, k).map(String::toUpperCase).orElse(""));
        pages.set(before, "a", "hello");
        assertThat(length.get(before, "a")).isEqualTo(5);
        assertThat(upper.get(before, "a")).isEqualTo("HELLO");
        JdbcStateStore.builder(ds).build().save(before);
        StoredChunks.corruptValue(ds, "length", "\"a\"");

        Database after = Database.create();
        InputIngredient<String, String> pages2 = after.input("pages", String.class, String.class);
        after.derived("length", String.class, Integer.class,
                (ctx, k) -> pages2.get(ctx, k).map(String::length).orElse(0));
        // the value type changed: the saved records of 'upper' no longer fit
        after.derived("upper", String.class, Long.class, (ctx, k) -> (long) pages2.get(ctx, k).orElse("").length());
        JdbcStateStore store = JdbcStateStore.builder(ds).corruptionPolicy(CorruptionPolicy.IGNORE).build();
        store.load(after);

        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("store", store);
        PicanteEndpoint endpoint = new PicanteEndpoint(after, Show.ALWAYS, Set.of(),
                beans.getBeanProvider(JdbcStateStore.class));
        PicanteDescriptor summary = (PicanteDescriptor) endpoint.picante(null, SecurityContext.NONE);
        StoreDescriptor described = summary.store();
        assertThat(described).isNotNull();
        assertThat(described.droppedAtLoad()).singleElement().asString().contains("derived 'upper'")
                .contains("java.lang.Long");
        assertThat(described.corruptAtLoad()).singleElement().asString().contains("derived 'length'");
        assertThat(described.droppedAtLoad()).isEqualTo(store.status().droppedAtLoad());
        assertThat(described.corruptAtLoad()).isEqualTo(store.status().corruptAtLoad());
    }
}
