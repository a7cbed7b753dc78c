package dev.picante.spring.autoconfigure.health;

import dev.picante.spring.actuate.health.PicanteStoreHealthIndicator;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.SharedChangeLog;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code picante} health indicator ({@link PicanteStoreHealthIndicator}). Active
 * when Spring Boot's health support is on the class path, a {@link JdbcStateStore} bean exists and
 * {@code management.health.picante.enabled} is not {@code false}.
 */
@AutoConfiguration(after = PicanteJdbcStoreAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(JdbcStateStore.class)
@ConditionalOnEnabledHealthIndicator("picante")
public final class PicanteHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "picanteHealthIndicator")
    PicanteStoreHealthIndicator picanteHealthIndicator(JdbcStateStore store,
            ObjectProvider<SharedChangeLog> sharedLog) {
        return new PicanteStoreHealthIndicator(store, sharedLog);
    }
}
