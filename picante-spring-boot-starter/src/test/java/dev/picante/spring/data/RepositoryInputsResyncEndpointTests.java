package dev.picante.spring.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.actuate.endpoint.PicanteEndpointWebExtension;
import dev.picante.spring.actuate.endpoint.PicanteEndpointWebExtension.ResyncDescriptor;
import dev.picante.spring.autoconfigure.actuate.endpoint.PicanteEndpointAutoConfiguration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

/** {@code POST /actuator/picante/data/resync}: resyncs the repository inputs through the endpoint's web extension. */
class RepositoryInputsResyncEndpointTests {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final DataApps apps = new DataApps();

    /** The application with the actuator endpoint. */
    @Configuration(proxyBeanMethods = false)
    @Import(DataApps.App.class)
    @ImportAutoConfiguration({ EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
            PicanteEndpointAutoConfiguration.class })
    static class WithEndpoint {
    }

    @AfterEach
    void close() {
        apps.closeAll();
    }

    @Test
    void resyncAppliesWhatChangedBehindSpringDatasBackAndAnswersWhatItReadAndChanged() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:resync-endpoint-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
        DataApps.createSchema(ds);
        ConfigurableApplicationContext context = apps.start(WithEndpoint.class, ds, "picante.store.enabled=false",
                "management.endpoints.web.exposure.include=picante");
        ProductRepository repository = context.getBean(ProductRepository.class);
        Catalog catalog = context.getBean(Catalog.class);
        List<Product> saved = repository.saveAll(List.of(Product.of("Dune", "books", 10),
                Product.of("Yo-yo", "toys", 3)));
        assertThat(catalog.categoryTotal("toys")).isEqualTo(3);
        new JdbcTemplate(ds).update("UPDATE PRODUCT SET PRICE = 30 WHERE ID = ?", saved.get(1).id());
        long before = DataApps.revision(context);

        PicanteEndpointWebExtension extension = context.getBean(PicanteEndpointWebExtension.class);
        WebEndpointResponse<?> response = extension.store("data", "resync");

        assertThat(response.getStatus()).isEqualTo(200);
        ResyncDescriptor body = (ResyncDescriptor) response.getBody();
        assertThat(body).isNotNull();
        assertThat(body.rowsRead()).containsEntry("products", 2);
        assertThat(body.totalChanges()).isPositive();
        assertThat(body.revision()).isGreaterThan(before).isEqualTo(DataApps.revision(context));
        assertThat(catalog.categoryTotal("toys")).isEqualTo(30);

        assertThat(extension.store("data", "vacuum").getStatus()).isEqualTo(400);
    }

    @Test
    void withoutRepositoryInputsResyncIsNotFound() {
        PicanteEndpointWebExtension extension = new PicanteEndpointWebExtension(
                new dev.picante.spring.actuate.endpoint.PicanteEndpoint(dev.picante.Database.create(),
                        org.springframework.boot.actuate.endpoint.Show.ALWAYS, java.util.Set.of()));
        assertThat(extension.store("data", "resync").getStatus()).isEqualTo(404);
    }
}
