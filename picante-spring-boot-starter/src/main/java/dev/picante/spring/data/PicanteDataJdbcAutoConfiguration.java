package dev.picante.spring.data;

import dev.picante.Database;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.data.jdbc.repository.support.JdbcRepositoryFactoryBean;
import org.springframework.data.relational.core.dialect.Dialect;
import org.springframework.data.relational.core.mapping.RelationalMappingContext;
import org.springframework.data.relational.core.mapping.RelationalPersistentEntity;
import org.springframework.data.relational.core.sql.IdentifierProcessing;
import org.springframework.data.repository.core.support.AbstractRepositoryMetadata;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcOperations;
import org.springframework.util.StringUtils;

/**
 * Auto-configuration of repository-backed inputs: every Spring Data JDBC repository annotated
 * {@link PicanteInput @PicanteInput} is mirrored by a {@link RepositoryInput} (see {@link RepositoryInputs}),
 * its writes applied when their transactions commit, its table reconciled at startup
 * ({@code picante.data.*}).
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
        List<RepositoryInputs.Declaration> declarations = new ArrayList<>();
        for (String name : beanFactory.getBeanNamesForAnnotation(PicanteInput.class)) {
            declarations.add(declaration(database, mappingContext, beanFactory, name));
        }
        Dialect d = dialect.getIfAvailable();
        IdentifierProcessing identifiers = d == null ? IdentifierProcessing.ANSI : d.getIdentifierProcessing();
        return new RepositoryInputs(database, views, operations, jdbc.getIfAvailable(), identifiers,
                () -> StoreAccess.sharedLog(beanFactory), declarations);
    }

    private static RepositoryInputs.Declaration declaration(Database database, RelationalMappingContext mapping,
            ConfigurableListableBeanFactory beanFactory, String name) {
        Class<?> type = beanFactory.getType(name, false);
        MergedAnnotation<PicanteInput> annotation = type == null ? MergedAnnotation.missing()
                : MergedAnnotations.from(type, SearchStrategy.TYPE_HIERARCHY).get(PicanteInput.class);
        Class<?> repository = annotation.isPresent() && annotation.getSource() instanceof Class<?> c ? c : type;
        String described = repository == null ? "bean '" + name + "'" : repository.getName();
        Class<?> factory = beanFactory.isFactoryBean(name) ? beanFactory.getType("&" + name, false) : null;
        if (factory == null || !JdbcRepositoryFactoryBean.class.isAssignableFrom(factory) || repository == null) {
            throw new IllegalStateException("@PicanteInput on " + described + ": bean '" + name + "' is not a Spring"
                    + " Data JDBC repository (it is made by " + (factory == null ? "no repository factory" : factory
                            .getName()) + "); picante mirrors only Spring Data JDBC aggregates, whose writes publish"
                    + " relational lifecycle events inside the writing transaction. Remove @PicanteInput, or declare"
                    + " the repository with Spring Data JDBC (spring-boot-starter-data-jdbc)");
        }
        PicanteInput input = annotation.synthesize();
        Class<?> domainType = AbstractRepositoryMetadata.getMetadata(repository).getDomainType();
        RelationalPersistentEntity<?> entity = mapping.getRequiredPersistentEntity(domainType);
        String inputName = StringUtils.hasText(input.value()) ? input.value()
                : StringUtils.uncapitalize(domainType.getSimpleName());
        AggregateMirror mirror = new AggregateMirror(database, inputName, repository.getName(), entity,
                List.of(input.groupBy()), input.durability());
        return new RepositoryInputs.Declaration(repository, mirror);
    }

    @Bean
    RepositoryEventListener picanteRepositoryEventListener(RepositoryInputs inputs) {
        return new RepositoryEventListener(inputs);
    }

    @Bean
    RepositoryInputsLifecycle picanteRepositoryInputsLifecycle(RepositoryInputs inputs,
            PicanteDataProperties properties, ConfigurableListableBeanFactory beanFactory) {
        StoreAccess.startAfterStore(beanFactory, "picanteRepositoryInputsLifecycle");
        return new RepositoryInputsLifecycle(inputs, properties);
    }
}
