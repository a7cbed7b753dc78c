package dev.picante.spring.autoconfigure.web;

import dev.picante.View;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.RequestViewPropagation;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import reactor.core.publisher.Mono;

/**
 * Auto-configuration of request-scoped snapshots: in a Spring MVC or WebFlux application, every query
 * function called while handling a request reads from a snapshot of the database taken when the request
 * started, so one request sees one consistent state; input writes still go to the database. Results
 * computed in a request's snapshot are adopted by the database and later requests after revalidation
 * (the core's shared cache), so they are not computed again. A handler method parameter of type
 * {@link View} receives the request's view.
 *
 * <p>Active in web applications unless {@code picante.web.request-snapshots} is {@code false}.
 */
@AutoConfiguration(after = PicanteAutoConfiguration.class)
@ConditionalOnBean(PicanteViews.class)
@ConditionalOnBooleanProperty(name = "picante.web.request-snapshots", matchIfMissing = true)
public final class PicanteWebAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = Type.SERVLET)
    @ConditionalOnClass({OncePerRequestFilter.class, WebMvcConfigurer.class})
    static class ServletConfiguration {

        @Bean
        @ConditionalOnMissingBean
        RequestSnapshotFilter picanteRequestSnapshotFilter(PicanteViews views) {
            return new RequestSnapshotFilter(views);
        }

        @Bean
        WebMvcConfigurer picanteViewArgumentResolverConfigurer(PicanteViews views) {
            return new WebMvcConfigurer() {
                @Override
                public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                    resolvers.add(new ServletViewArgumentResolver(views));
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = Type.REACTIVE)
    @ConditionalOnClass({WebFilter.class, WebFluxConfigurer.class})
    static class ReactiveConfiguration {

        @Bean
        @ConditionalOnMissingBean
        RequestSnapshotWebFilter picanteRequestSnapshotWebFilter(PicanteViews views) {
            return new RequestSnapshotWebFilter(views);
        }

        @Bean
        WebFluxConfigurer picanteViewArgumentResolverConfigurer(PicanteViews views) {
            return new WebFluxConfigurer() {
                @Override
                public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
                    configurer.addCustomResolver(new ReactiveViewArgumentResolver(views));
                }
            };
        }

        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "io.micrometer.context.ContextRegistry")
        static class ContextPropagationConfiguration {

            @Bean
            InitializingBean picanteRequestViewPropagation() {
                return RequestViewPropagation::register;
            }
        }
    }

    /** Resolves {@link View} parameters of MVC handler methods to the request's view. */
    private record ServletViewArgumentResolver(PicanteViews views) implements HandlerMethodArgumentResolver {

        @Override
        public boolean supportsParameter(MethodParameter parameter) {
            return parameter.getParameterType() == View.class;
        }

        @Override
        public Object resolveArgument(MethodParameter parameter, @Nullable ModelAndViewContainer container,
                NativeWebRequest request, @Nullable WebDataBinderFactory binderFactory) {
            Object snapshot = request.getAttribute(RequestSnapshotFilter.SNAPSHOT_ATTRIBUTE,
                    NativeWebRequest.SCOPE_REQUEST);
            return snapshot instanceof View view ? view : views.current();
        }
    }

    /** Resolves {@link View} parameters of WebFlux handler methods to the request's view. */
    private record ReactiveViewArgumentResolver(PicanteViews views)
            implements org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver {

        @Override
        public boolean supportsParameter(MethodParameter parameter) {
            return parameter.getParameterType() == View.class;
        }

        @Override
        public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext bindingContext,
                ServerWebExchange exchange) {
            Object snapshot = exchange.getAttribute(RequestSnapshotWebFilter.SNAPSHOT_ATTRIBUTE);
            return Mono.just(snapshot instanceof View view ? view : views.database());
        }
    }
}
