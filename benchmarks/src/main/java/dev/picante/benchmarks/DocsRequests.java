package dev.picante.benchmarks;

import dev.picante.Snapshot;
import dev.picante.demo.DocsQueries;
import dev.picante.spring.PicanteViews;
import java.util.List;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.openjdk.jmh.infra.Blackhole;

/** The demo's page request and the plain commonmark peer, shared by the docs-site benchmarks. */
final class DocsRequests {

    private static final Parser PARSER = Parser.builder().build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().build();

    private DocsRequests() {
    }

    /** What the demo's page endpoint does for {@code page}: checks that it exists and renders it. */
    static String serve(DocsQueries docs, String page) {
        if (!docs.exists(page)) {
            throw new IllegalStateException("no page " + page);
        }
        return docs.page(page);
    }

    /**
     * {@link #serve} in a request snapshot, as the starter's filter does with request snapshots on (its
     * default): a snapshot bound as the request's view, promoted and closed when the request ends.
     */
    static String serveInRequestSnapshot(PicanteViews views, DocsQueries docs, String page) {
        Snapshot snapshot = views.database().snapshot();
        PicanteViews.Scope scope = views.bindRequest(snapshot);
        try {
            return serve(docs, page);
        } finally {
            scope.close();
            snapshot.promote();
            snapshot.close();
        }
    }

    /** The peer: parses and renders every text with commonmark, nothing memoized. */
    static void renderAll(List<String> texts, Blackhole blackhole) {
        for (String text : texts) {
            blackhole.consume(RENDERER.render(PARSER.parse(text)));
        }
    }
}
