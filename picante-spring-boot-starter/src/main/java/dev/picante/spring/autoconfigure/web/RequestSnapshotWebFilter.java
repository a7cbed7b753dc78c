package dev.picante.spring.autoconfigure.web;

import dev.picante.Snapshot;
import dev.picante.View;
import dev.picante.spring.PicanteViews;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * A WebFlux filter that takes a snapshot of the database when a request starts and, when the request's
 * processing ends, promotes its results into the database where they are valid unchanged
 * ({@link Snapshot#promote()}) and closes it. The snapshot is the exchange attribute {@link #SNAPSHOT_ATTRIBUTE} and the
 * Reactor context entry under the key {@code View.class}; it is also the request's view
 * ({@link PicanteViews#current()}) on the thread that subscribes to the rest of the chain, which is the
 * thread that invokes an annotated controller unless argument resolution waited for the request body.
 * With {@code io.micrometer:context-propagation} and {@code spring.reactor.context-propagation=auto}, the
 * snapshot is the request's view in every operator of the pipeline (the context entry
 * {@link PicanteViews#REQUEST_VIEW_KEY}). Otherwise handlers that read the body, or that call query
 * functions on other threads, take a {@link View} argument (resolved from the exchange).
 */
public class RequestSnapshotWebFilter implements WebFilter, Ordered {

    /** The exchange attribute holding the request's {@link Snapshot}. */
    public static final String SNAPSHOT_ATTRIBUTE = RequestSnapshotWebFilter.class.getName() + ".SNAPSHOT";

    private final PicanteViews views;

    /** Creates the filter for the database of {@code views}. */
    public RequestSnapshotWebFilter(PicanteViews views) {
        this.views = views;
    }

    @Override
    public int getOrder() {
        return RequestSnapshotFilter.ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return Mono.defer(() -> {
            Snapshot snapshot = views.database().snapshot();
            exchange.getAttributes().put(SNAPSHOT_ATTRIBUTE, snapshot);
            return new BoundMono(chain.filter(exchange), views, snapshot)
                    .doFinally(signal -> RequestSnapshotFilter.finish(snapshot))
                    .contextWrite(context -> context.put(View.class, snapshot)
                            .put(PicanteViews.REQUEST_VIEW_KEY, views.requestBinding(snapshot)));
        });
    }

    /** Subscribes to the rest of the chain with the snapshot bound as the request's view. */
    private static final class BoundMono extends Mono<Void> {

        private final Mono<Void> source;
        private final PicanteViews views;
        private final Snapshot snapshot;

        BoundMono(Mono<Void> source, PicanteViews views, Snapshot snapshot) {
            this.source = source;
            this.views = views;
            this.snapshot = snapshot;
        }

        @Override
        public void subscribe(CoreSubscriber<? super Void> actual) {
            PicanteViews.Scope scope = views.bindRequest(snapshot);
            try {
                source.subscribe(actual);
            } finally {
                scope.close();
            }
        }
    }
}
