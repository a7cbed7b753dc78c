package dev.picante.spring.autoconfigure.data;

import dev.picante.Database;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.data.DeleteAllInterceptor;
import dev.picante.spring.data.PicanteInput;
import dev.picante.spring.data.RepositoryEventListener;
import dev.picante.spring.data.RepositoryInput;
import dev.picante.spring.data.RepositoryInputs;
import dev.picante.spring.data.RepositoryInputsFactory;
import dev.picante.spring.data.RepositoryInputsLifecycle;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.data.relational.core.dialect.Dialect;
import org.springframework.data.relational.core.mapping.RelationalMappingContext;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcOperations;

/**
 * Auto-configuration of repository-backed inputs: every Spring Data JDBC repository annotated
 * {@link PicanteInput @PicanteInput} is mirrored by a {@link RepositoryInput} (see {@link RepositoryInputs}),
 * its writes applied when their transactions commit, its table reconciled at startup
 * ({@code picante.data.*}). With the reconciliation on, the durable store is told that these inputs are rebuilt
 * after its load, so stored rows whose aggregate changed shape are discarded rather than failing the startup.
 *
 * <p>Active when Spring Data JDBC is on the class path, a {@link Database} and a {@link JdbcAggregateOperations}
 * bean exist, and {@code picante.data.enabled} is not {@code false}. A {@code @PicanteInput} on a repository
 * that Spring Data JDBC does not make, or on an aggregate whose id cannot key an input, fails the startup
 * with a message naming it.
 */
@AutoConfiguration(after = PicanteAutoConfiguration.class, afterName = {
        "org.springframework.boot.data.jdbc.autoconfigure.DataJdbcRepositoriesAutoConfiguration",
        "dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration" })
@ConditionalOnClass(name = "org.springframework.data.jdbc.core.JdbcAggregateOperations")
@ConditionalOnBean({ Database.class, PicanteViews.class, JdbcAggregateOperations.class,
        RelationalMappingContext.class })
@ConditionalOnBooleanProperty(name = "picante.data.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PicanteDataProperties.class)
public final class PicanteDataJdbcAutoConfiguration {

    @Bean
    static DeleteAllInterceptor picanteDeleteAllInterceptor(ObjectProvider<RepositoryInputs> inputs) {
        return new DeleteAllInterceptor(inputs);
    }

    @Bean
    @ConditionalOnMissingBean
    RepositoryInputs picanteRepositoryInputs(Database database, PicanteViews views,
            JdbcAggregateOperations operations, RelationalMappingContext mappingContext,
            ObjectProvider<NamedParameterJdbcOperations> jdbc, ObjectProvider<Dialect> dialect,
            ConfigurableListableBeanFactory beanFactory) {
        return RepositoryInputsFactory.create(database, views, operations, mappingContext, jdbc.getIfAvailable(),
                dialect.getIfAvailable(), beanFactory);
    }

    @Bean
    RepositoryEventListener picanteRepositoryEventListener(RepositoryInputs inputs) {
        return new RepositoryEventListener(inputs);
    }

    @Bean
    RepositoryInputsLifecycle picanteRepositoryInputsLifecycle(RepositoryInputs inputs,
            PicanteDataProperties properties, ConfigurableListableBeanFactory beanFactory) {
        RepositoryInputsFactory.startAfterStore(beanFactory, "picanteRepositoryInputsLifecycle");
        if (properties.isReconcileOnStartup()) {
            // the reconciliation rebuilds the inputs from their tables: stored rows that no longer fit are discarded
            RepositoryInputsFactory.rebuiltAfterLoad(beanFactory, inputs);
        }
        return new RepositoryInputsLifecycle(inputs, properties.isReconcileOnStartup(), properties.getPollInterval());
    }
}
