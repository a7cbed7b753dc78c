package dev.picante.spring.autoconfigure.jdbc;

import dev.picante.Database;
import dev.picante.persist.Codec;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.PicanteDatabaseCustomizer;
import dev.picante.spring.autoconfigure.PicanteProperties;
import dev.picante.spring.jdbc.JacksonCodec;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.PicanteDataSource;
import dev.picante.spring.jdbc.PicanteStoreLifecycle;
import dev.picante.spring.jdbc.SharedChangeLog;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * Auto-configuration of the durable JDBC store: a {@link JdbcStateStore} on the application's
 * {@link DataSource}, loaded at startup, appended to periodically and saved on shutdown
 * ({@code picante.store.*}).
 *
 * <p>The store uses the {@code DataSource} qualified {@link PicanteDataSource} if there is one, else the
 * application's. Active when Spring JDBC, Flyway and Jackson are on the class path, a {@code DataSource} and a
 * {@link Database} bean exist, and {@code picante.store.enabled} is not {@code false}. The store migrates its
 * schema with a Flyway instance of its own: no {@code Flyway} bean is defined, so the application's own
 * Flyway auto-configuration is unaffected, and the store is initialized after the application's database
 * initializers ({@link DependsOnDatabaseInitialization}).
 */
@AutoConfiguration(after = PicanteAutoConfiguration.class, afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@ConditionalOnClass(name = { "org.springframework.jdbc.core.JdbcTemplate", "org.flywaydb.core.Flyway",
        "tools.jackson.databind.json.JsonMapper" })
@ConditionalOnBean({ DataSource.class, Database.class })
@ConditionalOnBooleanProperty(name = "picante.store.enabled", matchIfMissing = true)
public final class PicanteJdbcStoreAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @DependsOnDatabaseInitialization
    JdbcStateStore picanteJdbcStateStore(@PicanteDataSource ObjectProvider<DataSource> picanteDataSource,
            ObjectProvider<DataSource> dataSource, PicanteProperties properties,
            ObjectProvider<Codec> codec, ObjectProvider<JsonMapper> jsonMapper, ObjectProvider<PicanteViews> views) {
        PicanteProperties.Store store = properties.getStore();
        JdbcStateStore.Builder builder = JdbcStateStore.builder(picanteDataSource.getIfAvailable(dataSource::getObject))
                .codec(codec(codec, jsonMapper))
                .name(storeName(properties))
                .initializeSchema(store.isInitializeSchema())
                .compactionThreshold(store.getCompactionThreshold())
                .maxRecordSize(store.getMaxRecordSize().toBytes())
                .corruptionPolicy(store.getCorruptionPolicy())
                .durableCommit(store.isDurableCommit())
                .h2CompactBelowFillRate(store.getH2CompactBelowFillRate())
                .leaseTimeout(store.getLeaseTimeout())
                .discardInputs(new java.util.LinkedHashSet<>(store.getDiscardInputs()));
        views.ifAvailable(v -> builder.declaredTypes(v.declaredTypes()));
        DataSize total = store.getMaxTotalSize();
        if (total != null) {
            builder.maxTotalSize(total.toBytes());
        }
        return builder.build();
    }

    /**
     * The store's name, the same for the store and its shared change log (whose rows are keyed by it):
     * {@code picante.store.name}, else {@code picante.name}.
     */
    static String storeName(PicanteProperties properties) {
        String name = properties.getStore().getName();
        return name == null ? properties.getName() : name;
    }

    private static Codec codec(ObjectProvider<Codec> codec, ObjectProvider<JsonMapper> jsonMapper) {
        return codec.getIfAvailable(() -> {
            JsonMapper mapper = jsonMapper.getIfAvailable();
            return mapper == null ? new JacksonCodec() : new JacksonCodec(mapper);
        });
    }

    /**
     * The shared change log ({@code picante.store.shared}); inactive unless the store turns out to be
     * shared at startup. The database writes through it ({@link #picanteSharedChangeLogCustomizer}): the shared
     * log once started, else the unshared store's synchronous append, else nothing.
     */
    @Bean
    @ConditionalOnMissingBean
    SharedChangeLog picanteSharedChangeLog(@PicanteDataSource ObjectProvider<DataSource> picanteDataSource,
            ObjectProvider<DataSource> dataSource, PicanteProperties properties, ObjectProvider<Codec> codec,
            ObjectProvider<JsonMapper> jsonMapper) {
        PicanteProperties.Store store = properties.getStore();
        return new SharedChangeLog(picanteDataSource.getIfAvailable(dataSource::getObject), codec(codec, jsonMapper),
                storeName(properties), store.getShared(), store.getInstanceId(),
                store.getInstanceRetention());
    }

    @Bean
    static PicanteDatabaseCustomizer picanteSharedChangeLogCustomizer(ObjectProvider<SharedChangeLog> sharedLog) {
        return builder -> sharedLog.ifAvailable(builder::inputChangeLog);
    }

    @Bean
    @ConditionalOnMissingBean
    PicanteStoreLifecycle picanteStoreLifecycle(JdbcStateStore store, Database database,
            PicanteProperties properties, ObjectProvider<SharedChangeLog> sharedLog) {
        return new PicanteStoreLifecycle(store, database, settings(properties.getStore()),
                sharedLog.getIfAvailable());
    }

    static PicanteStoreLifecycle.Settings settings(PicanteProperties.Store store) {
        return new PicanteStoreLifecycle.Settings(store.isLoadOnStartup(), store.isSaveOnShutdown(), store.isTakeOver(),
                store.getAppendMode(), store.getAppendInterval(), store.getPollInterval(),
                store.getCompactionThreshold(), store.getInstanceId());
    }
}
