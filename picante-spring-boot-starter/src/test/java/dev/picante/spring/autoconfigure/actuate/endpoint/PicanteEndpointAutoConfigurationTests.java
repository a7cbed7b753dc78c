package dev.picante.spring.autoconfigure.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint;
import dev.picante.spring.actuate.endpoint.PicanteEndpointWebExtension;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** Tests for {@link PicanteEndpointAutoConfiguration}. */
class PicanteEndpointAutoConfigurationTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteEndpointAutoConfiguration.class, EndpointAutoConfiguration.class,
                    WebEndpointAutoConfiguration.class));

    @Test
    void endpointAndWebExtensionWhenExposed() {
        contextRunner.withPropertyValues("management.endpoints.web.exposure.include=picante").run(context ->
                assertThat(context).hasSingleBean(PicanteEndpoint.class)
                        .hasSingleBean(PicanteEndpointWebExtension.class));
    }

    @Test
    void noEndpointWhenNotExposed() {
        contextRunner.run(context -> assertThat(context).doesNotHaveBean(PicanteEndpoint.class));
    }

    @Test
    void noEndpointWithoutActuator() {
        contextRunner.withPropertyValues("management.endpoints.web.exposure.include=picante")
                .withClassLoader(new FilteredClassLoader(Endpoint.class))
                .run(context -> assertThat(context).hasSingleBean(Database.class)
                        .doesNotHaveBean(PicanteEndpoint.class));
    }

    @Test
    void noEndpointWithoutDatabase() {
        contextRunner.withPropertyValues("management.endpoints.web.exposure.include=picante", "picante.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(PicanteEndpoint.class));
    }

    @Test
    void valuesHiddenByDefaultAndShownWhenAuthorizedToARole() {
        contextRunner.withPropertyValues("management.endpoints.web.exposure.include=picante").run(context -> {
            Database database = context.getBean(Database.class);
            database.input("pages", String.class, String.class).set(database, "a", "x");
            PicanteEndpoint endpoint = context.getBean(PicanteEndpoint.class);
            assertThat(endpoint.ingredient("pages", null, null, SecurityContext.NONE).cells().get(0).value())
                    .isEqualTo("******");
        });
        contextRunner.withPropertyValues("management.endpoints.web.exposure.include=picante",
                "picante.actuator.show-values=when-authorized", "picante.actuator.roles=admin").run(context -> {
            assertThat(context.getBean(PicanteEndpointProperties.class).getShowValues())
                    .isEqualTo(Show.WHEN_AUTHORIZED);
            Database database = context.getBean(Database.class);
            database.input("pages", String.class, String.class).set(database, "a", "x");
            PicanteEndpoint endpoint = context.getBean(PicanteEndpoint.class);
            assertThat(endpoint.ingredient("pages", null, null, SecurityContext.NONE).cells().get(0).value())
                    .isEqualTo("******");
            assertThat(endpoint.ingredient("pages", null, null, new Admin()).cells().get(0).value()).isEqualTo("x");
        });
    }

    private static final class Admin implements SecurityContext {

        @Override
        public java.security.Principal getPrincipal() {
            return () -> "alice";
        }

        @Override
        public boolean isUserInRole(String role) {
            return "admin".equals(role);
        }
    }
}
