package dev.picante.spring.autoconfigure;

import dev.picante.Database;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.unit.DataSize;

/**
 * Auto-configuration of the picante runtime: a {@link Database} bean configured from
 * {@link PicanteProperties} ({@code picante.*}).
 *
 * <p>Active when picante-core is on the class path and {@code picante.enabled} is not {@code false}.
 * Backs off when the application defines its own {@code Database} bean.
 */
@AutoConfiguration
@ConditionalOnClass(Database.class)
@ConditionalOnBooleanProperty(name = "picante.enabled", matchIfMissing = true)
@EnableConfigurationProperties(PicanteProperties.class)
public final class PicanteAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Database picanteDatabase(PicanteProperties properties) {
        Database.Builder builder = Database.builder()
                .name(properties.getName())
                .sharedCacheMaxEntries(properties.getSharedCacheMaxEntries());
        DataSize stateByteLimit = properties.getStateByteLimit();
        if (stateByteLimit != null) {
            builder.stateByteLimit(stateByteLimit.toBytes());
        }
        return builder.build();
    }
}
