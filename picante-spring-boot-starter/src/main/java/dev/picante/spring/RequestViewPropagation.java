package dev.picante.spring;

import io.micrometer.context.ContextRegistry;

/**
 * Registers the request's view with the context-propagation library, so that when Reactor's automatic
 * context propagation is on ({@code spring.reactor.context-propagation=auto}) a WebFlux request's snapshot
 * is the current view in every operator of the request's pipeline, including annotated controllers
 * invoked after the request body was read. Requires {@code io.micrometer:context-propagation}.
 */
public final class RequestViewPropagation {

    private RequestViewPropagation() {
    }

    /** Registers the thread-local accessor under {@link PicanteViews#REQUEST_VIEW_KEY}; idempotent. */
    public static void register() {
        ContextRegistry.getInstance().registerThreadLocalAccessor(PicanteViews.REQUEST_VIEW_KEY, PicanteViews.REQUEST);
    }
}
