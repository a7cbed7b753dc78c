package dev.picante.spring.autoconfigure.web;

import dev.picante.Snapshot;
import dev.picante.spring.PicanteViews;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A servlet filter that takes a snapshot of the database when a request starts, makes it the request's
 * view ({@link PicanteViews#current()}) on the handling thread, and when the request ends (after
 * asynchronous processing, if the request started any) promotes its results into the database where they
 * are valid unchanged ({@link Snapshot#promote()}) and closes it. The snapshot is also kept as the request
 * attribute {@link #SNAPSHOT_ATTRIBUTE}; asynchronous dispatches of the request reuse it.
 */
public class RequestSnapshotFilter extends OncePerRequestFilter implements Ordered {

    /** The request attribute holding the request's {@link Snapshot}. */
    public static final String SNAPSHOT_ATTRIBUTE = RequestSnapshotFilter.class.getName() + ".SNAPSHOT";

    /** The filter's order: early, so that the whole request reads from one snapshot. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 20;

    private final PicanteViews views;

    /** Creates the filter for the database of {@code views}. */
    public RequestSnapshotFilter(PicanteViews views) {
        this.views = views;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Snapshot snapshot = request.getAttribute(SNAPSHOT_ATTRIBUTE) instanceof Snapshot existing
                ? existing : views.database().snapshot();
        request.setAttribute(SNAPSHOT_ATTRIBUTE, snapshot);
        PicanteViews.Scope scope = views.bindRequest(snapshot);
        try {
            chain.doFilter(request, response);
        } finally {
            scope.close();
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new ClosingListener(snapshot));
            } else {
                finish(snapshot);
            }
        }
    }

    /**
     * Ends a request's snapshot: hands its results to the database where that is free
     * ({@link Snapshot#promote()}: nothing was written since the request started), so that the next
     * requests and the store's saves find them there, then closes it. Idempotent.
     */
    static void finish(Snapshot snapshot) {
        try {
            snapshot.promote();
        } catch (IllegalStateException alreadyClosed) {
            return;
        }
        snapshot.close();
    }

    /** Closes the snapshot when asynchronous processing ends. */
    private record ClosingListener(Snapshot snapshot) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            finish(snapshot);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
            finish(snapshot);
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
