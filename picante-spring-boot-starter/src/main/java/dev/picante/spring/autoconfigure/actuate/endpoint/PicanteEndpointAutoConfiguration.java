package dev.picante.spring.autoconfigure.actuate.endpoint;

import dev.picante.Database;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.PicanteJdbcStoreAutoConfiguration;
import dev.picante.spring.jdbc.SharedChangeLog;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of the {@code picante} actuator endpoint and its web extension. Active when
 * actuator is on the class path, a {@link Database} bean exists and the endpoint is available (it is
 * not exposed over the web unless {@code management.endpoints.web.exposure.include} names it). Its store
 * operations act on the {@link JdbcStateStore} bean, if any.
 */
@AutoConfiguration(after = { PicanteAutoConfiguration.class, PicanteJdbcStoreAutoConfiguration.class })
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(Database.class)
@ConditionalOnAvailableEndpoint(PicanteEndpoint.class)
@EnableConfigurationProperties(PicanteEndpointProperties.class)
public final class PicanteEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PicanteEndpoint picanteEndpoint(Database database, PicanteEndpointProperties properties,
            ObjectProvider<JdbcStateStore> store, ObjectProvider<SharedChangeLog> sharedLog) {
        return new PicanteEndpoint(database, properties.getShowValues(), properties.getRoles(), store, sharedLog);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(PicanteEndpoint.class)
    @ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
    PicanteEndpointWebExtension picanteEndpointWebExtension(PicanteEndpoint endpoint) {
        return new PicanteEndpointWebExtension(endpoint);
    }
}
