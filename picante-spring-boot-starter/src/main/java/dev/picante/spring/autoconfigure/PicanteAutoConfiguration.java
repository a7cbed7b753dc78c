package dev.picante.spring.autoconfigure;

import dev.picante.Database;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.QueryFunctionEnhancer;
import dev.picante.spring.QueryFunctionIngredients;
import dev.picante.spring.QueryFunctionObserver;
import dev.picante.spring.QueryFunctionRegistrar;
import dev.picante.spring.RequestView;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.util.unit.DataSize;

/**
 * Auto-configuration of the picante runtime: a {@link Database} bean configured from
 * {@link PicanteProperties} ({@code picante.*}) and {@link PicanteDatabaseCustomizer} beans, the {@link PicanteViews} that tell which view code reads
 * from, the request-scoped {@link RequestView} (the primary {@code View} bean), and {@link QueryFunction @QueryFunction} support,
 * including a {@code DerivedIngredient} bean per query function ({@link QueryFunctionIngredients}).
 *
 * <p>Active when picante-core is on the class path and {@code picante.enabled} is not {@code false}.
 * The {@code Database} bean backs off when the application defines its own. Ordered after the
 * {@code DataSource}, Flyway and Jackson auto-configurations, which a durable store and the actuator
 * build on.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration"})
@ConditionalOnClass(Database.class)
@ConditionalOnBooleanProperty(name = "picante.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PicanteProperties.class)
public final class PicanteAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Database picanteDatabase(PicanteProperties properties, ObjectProvider<PicanteDatabaseCustomizer> customizers) {
        Database.Builder builder = Database.builder()
                .name(properties.getName())
                .sharedCacheMaxEntries(properties.getSharedCacheMaxEntries());
        DataSize stateByteLimit = properties.getStateByteLimit();
        if (stateByteLimit != null) {
            builder.stateByteLimit(stateByteLimit.toBytes());
        }
        DataSize memoByteLimit = properties.getMemoByteLimit();
        if (memoByteLimit != null) {
            builder.memoByteLimit(memoByteLimit.toBytes());
        }
        Long maxMemos = properties.getMaxMemosPerIngredient();
        if (maxMemos != null) {
            builder.maxMemosPerIngredient(maxMemos);
        }
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean
    PicanteViews picanteViews(Database database) {
        return new PicanteViews(database);
    }

    /**
     * The request-scoped view, primary among {@code View} beans so that injecting {@code View} gives it:
     * the current request's snapshot inside a request and the database outside one.
     */
    @Bean
    @Primary
    @ConditionalOnMissingBean
    RequestView picanteRequestView(PicanteViews views) {
        return new RequestView(views);
    }

    @Bean
    static QueryFunctionEnhancer picanteQueryFunctionEnhancer() {
        return new QueryFunctionEnhancer();
    }

    @Bean
    static QueryFunctionIngredients picanteQueryFunctionIngredients() {
        return new QueryFunctionIngredients();
    }

    @Bean
    static QueryFunctionRegistrar picanteQueryFunctionRegistrar(ObjectProvider<PicanteViews> views,
            ObjectProvider<QueryFunctionObserver> observers, Environment environment) {
        return new QueryFunctionRegistrar(views::getObject, observers,
                () -> environment.getProperty("picante.store.code-version", ""));
    }
}
