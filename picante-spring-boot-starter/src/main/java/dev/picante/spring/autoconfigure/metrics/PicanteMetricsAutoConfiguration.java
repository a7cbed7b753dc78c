package dev.picante.spring.autoconfigure.metrics;

import dev.picante.Database;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of {@link PicanteMetrics}, the Micrometer meters of the {@link Database}. Active when
 * Micrometer is on the class path and a {@code Database} bean exists; Spring Boot binds the meters to
 * every {@link MeterRegistry} it manages.
 */
@AutoConfiguration(after = PicanteAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(Database.class)
public final class PicanteMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PicanteMetrics picanteMetrics(Database database) {
        return new PicanteMetrics(database);
    }
}
