package dev.picante.spring;

import dev.picante.Database;
import dev.picante.ForwardingView;
import dev.picante.Snapshot;
import dev.picante.View;
import java.util.Objects;

/**
 * The request-scoped {@link View}: one bean that stands for the snapshot of the web request being handled
 * (see {@code picante.web.request-snapshots}) and for the {@link Database} outside a request. Inject it as
 * {@code View} wherever core API calls need a view; every read and write through it goes to the view of the
 * request that is running when the call is made, like a request-scoped proxy, but it also works outside
 * requests, in WebFlux handlers (with context propagation) and on any thread.
 *
 * <pre>{@code
 * @RestController
 * class PriceController {
 *     private final View view;                         // the request's snapshot while a request runs
 *     private final DerivedIngredient<String, Price> price;
 *
 *     @GetMapping("/price/{sku}")
 *     Price price(@PathVariable String sku) {
 *         return price.get(view, sku);                 // one consistent state for the whole request
 *     }
 * }
 * }</pre>
 *
 * <p>Inside a {@link QueryFunction} computation, reads through this view would not be recorded as
 * dependencies, so it refuses them with an {@link IllegalStateException}: use {@link Input} or the
 * computation's {@link dev.picante.QueryContext} there. Thread-safe.
 */
public final class RequestView implements ForwardingView {

    private final PicanteViews views;

    /** Creates the request view of {@code views}' database. */
    public RequestView(PicanteViews views) {
        this.views = Objects.requireNonNull(views, "views");
    }

    /**
     * Returns the snapshot of the request handled now, else the database.
     *
     * @throws IllegalStateException when called while a {@link QueryFunction} computes on this thread
     */
    @Override
    public View delegate() {
        if (views.isComputing()) {
            throw new IllegalStateException("the request View of " + views.database()
                    + " was used inside a @QueryFunction computation, where its reads would not be tracked as "
                    + "dependencies; read through an Input or the computation's QueryContext instead");
        }
        Snapshot snapshot = views.requestSnapshot();
        return snapshot != null ? snapshot : views.database();
    }

    @Override
    public String toString() {
        return "RequestView[" + views.database() + "]";
    }
}
