package dev.picante.spring.data;

import dev.picante.Database;
import dev.picante.spring.PicanteViews;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
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
 * Makes the {@link RepositoryInputs} of a bean factory: one {@link RepositoryInput} for each Spring Data JDBC
 * repository bean annotated {@link PicanteInput @PicanteInput}. Used by the auto-configuration
 * ({@code dev.picante.spring.autoconfigure.data}); applications get {@code RepositoryInputs} as a bean.
 */
public final class RepositoryInputsFactory {

    private RepositoryInputsFactory() {
    }

    /**
     * Returns the repository inputs of every {@code @PicanteInput} repository bean of {@code beanFactory}.
     *
     * @throws IllegalStateException if a {@code @PicanteInput} bean is not a Spring Data JDBC repository
     */
    public static RepositoryInputs create(Database database, PicanteViews views, JdbcAggregateOperations operations,
            RelationalMappingContext mappingContext, @Nullable NamedParameterJdbcOperations jdbc,
            @Nullable Dialect dialect, ConfigurableListableBeanFactory beanFactory) {
        List<RepositoryInputs.Declaration> declarations = new ArrayList<>();
        for (String name : beanFactory.getBeanNamesForAnnotation(PicanteInput.class)) {
            declarations.add(declaration(database, mappingContext, beanFactory, name));
        }
        IdentifierProcessing identifiers = dialect == null ? IdentifierProcessing.ANSI
                : dialect.getIdentifierProcessing();
        return new RepositoryInputs(database, views, operations, jdbc, identifiers,
                () -> StoreAccess.sharedLog(beanFactory), declarations);
    }

    /**
     * Makes the bean {@code beanName} start after the durable store's lifecycle (which loads the store), if the
     * store can be on the class path.
     */
    public static void startAfterStore(ConfigurableListableBeanFactory beanFactory, String beanName) {
        StoreAccess.startAfterStore(beanFactory, beanName);
    }

    /**
     * Tells the durable store, if there is one, that the ingredients of {@code inputs} are rebuilt from their
     * tables after its load (by the startup reconciliation): stored rows that no longer fit their aggregate (a
     * column added, a component removed) are then discarded at the load instead of failing the startup.
     */
    public static void rebuiltAfterLoad(ConfigurableListableBeanFactory beanFactory, RepositoryInputs inputs) {
        StoreAccess.rebuiltAfterLoad(beanFactory, inputs.ingredientNames());
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
}
