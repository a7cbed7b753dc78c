package dev.picante.spring.autoconfigure.actuate.endpoint;

import dev.picante.Database;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunctionRegistrar;
import dev.picante.spring.actuate.endpoint.JsonKeyValueRenderer;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint;
import dev.picante.spring.actuate.endpoint.PicanteEndpointWebExtension;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import dev.picante.spring.data.RepositoryInputs;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.SharedChangeLog;
import java.util.Map;
import java.util.function.Function;
import org.springframework.beans.factory.ListableBeanFactory;
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
import org.springframework.util.ClassUtils;

/**
 * Auto-configuration of the {@code picante} actuator endpoint and its web extension. Active when
 * actuator is on the class path, a {@link Database} bean exists and the endpoint is available (it is
 * not exposed over the web unless {@code management.endpoints.web.exposure.include} names it). Its store
 * operations act on the {@link JdbcStateStore} bean, if any. Keys and values are shown as JSON through the
 * application's Jackson {@code JsonMapper} bean when Jackson is on the class path (as text otherwise).
 */
@AutoConfiguration(after = { PicanteAutoConfiguration.class, PicanteJdbcStoreAutoConfiguration.class })
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean(Database.class)
@ConditionalOnAvailableEndpoint(PicanteEndpoint.class)
@EnableConfigurationProperties(PicanteEndpointProperties.class)
public final class PicanteEndpointAutoConfiguration {

    private static final String JSON_MAPPER = "tools.jackson.databind.json.JsonMapper";

    @Bean
    @ConditionalOnMissingBean
    PicanteEndpoint picanteEndpoint(Database database, PicanteEndpointProperties properties,
            ObjectProvider<JdbcStateStore> store, ObjectProvider<SharedChangeLog> sharedLog,
            ObjectProvider<QueryFunctionRegistrar> registrar, ObjectProvider<PicanteViews> views,
            ListableBeanFactory beanFactory) {
        return new PicanteEndpoint(database, properties.getShowValues(), properties.getRoles(), store, sharedLog,
                renderer(beanFactory),
                () -> {
                    QueryFunctionRegistrar r = registrar.getIfAvailable();
                    return r == null ? Map.of() : r.codeVersions();
                }, () -> {
                    PicanteViews v = views.getIfAvailable();
                    return v == null ? Map.of() : v.declaredTypes().notPersisted();
                });
    }

    /** Keys and values as JSON through the application's {@code JsonMapper} when Jackson is present. */
    private static Function<Object, Object> renderer(ListableBeanFactory beanFactory) {
        if (ClassUtils.isPresent(JSON_MAPPER, PicanteEndpointAutoConfiguration.class.getClassLoader())) {
            return JsonRenderers.create(beanFactory);
        }
        return String::valueOf;
    }

    /** Keeps the reference to Jackson's types out of the configuration class. */
    private static final class JsonRenderers {

        static Function<Object, Object> create(ListableBeanFactory beanFactory) {
            return new JsonKeyValueRenderer(beanFactory.getBeanProvider(tools.jackson.databind.json.JsonMapper.class));
        }
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(PicanteEndpoint.class)
    @ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
    PicanteEndpointWebExtension picanteEndpointWebExtension(PicanteEndpoint endpoint,
            ObjectProvider<RepositoryInputs> repositoryInputs) {
        return new PicanteEndpointWebExtension(endpoint, () -> {
            RepositoryInputs inputs = repositoryInputs.getIfAvailable();
            return inputs == null || inputs.inputs().isEmpty() ? null : inputs::resync;
        });
    }
}
