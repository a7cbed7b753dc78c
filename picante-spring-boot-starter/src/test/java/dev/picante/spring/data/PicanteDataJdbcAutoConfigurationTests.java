package dev.picante.spring.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.autoconfigure.data.PicanteDataJdbcAutoConfiguration;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.data.jdbc.core.JdbcAggregateTemplate;

/** The conditions of {@link PicanteDataJdbcAutoConfiguration}. */
class PicanteDataJdbcAutoConfigurationTests {

    private ApplicationContextRunner runner() {
        DataSource ds = DataApps.freshWithSchema(Vendor.H2);
        return new ApplicationContextRunner()
                .withUserConfiguration(DataApps.App.class)
                .withBean("dataSource", DataSource.class, () -> ds)
                .withPropertyValues("picante.store.enabled=false");
    }

    @Test
    void mirrorsAnnotatedRepositoriesAndReconcilesAtStartup() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(RepositoryInputs.class);
            RepositoryInputs inputs = context.getBean(RepositoryInputs.class);
            assertThat(inputs.inputs()).extracting(RepositoryInput::name).containsExactly("products");
            assertThat(inputs.of(ProductRepository.class).idType()).isEqualTo(Long.class);
            assertThat(context.getBean(RepositoryInputsLifecycle.class).startupReport()).isNotNull();
            // the template is proxied so that deleteAll(Class) is seen
            assertThat(context.getBean(JdbcAggregateTemplate.class).getClass()).isNotEqualTo(JdbcAggregateTemplate.class);
        });
    }

    @Test
    void backsOffWhenDisabled() {
        DataSource ds = Vendor.H2.fresh();
        new ApplicationContextRunner().withUserConfiguration(DataApps.Bare.class)
                .withBean("dataSource", DataSource.class, () -> ds)
                .withPropertyValues("picante.store.enabled=false", "picante.data.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(RepositoryInputs.class);
            assertThat(context.getBean(JdbcAggregateTemplate.class).getClass()).isEqualTo(JdbcAggregateTemplate.class);
        });
    }

    @Test
    void skipsTheStartupReconciliationWhenAskedTo() {
        runner().withPropertyValues("picante.data.reconcile-on-startup=false").run(context -> {
            assertThat(context).hasSingleBean(RepositoryInputs.class);
            assertThat(context.getBean(RepositoryInputsLifecycle.class).startupReport()).isNull();
        });
    }

    @Test
    void backsOffWithoutSpringDataJdbc() {
        new ApplicationContextRunner()
                .withConfiguration(org.springframework.boot.autoconfigure.AutoConfigurations.of(
                        dev.picante.spring.autoconfigure.PicanteAutoConfiguration.class,
                        PicanteDataJdbcAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(JdbcAggregateOperations.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(RepositoryInputs.class);
                });
    }
}
