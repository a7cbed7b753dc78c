package dev.picante.demo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.util.HtmlUtils;

/**
 * The site ({@code /docs/**}, {@code /search}), the page API ({@code /api/pages/**}) and the live-reload event
 * stream ({@code /events}). Reads go through {@link DocsQueries} (memoized); writes through {@link PageStore}.
 */
@RestController
class DocsController {

    private final DocsQueries docs;
    private final PageStore store;
    private final LiveReload live;

    DocsController(DocsQueries docs, PageStore store, LiveReload live) {
        this.docs = docs;
        this.store = store;
        this.live = live;
    }

    @GetMapping("/")
    ResponseEntity<Void> home() {
        return ResponseEntity.status(HttpStatus.FOUND).header("Location", "/docs/index").build();
    }

    @GetMapping(path = "/docs/{*path}", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> page(@PathVariable String path) {
        String page = path.substring(1);
        if (!Markdown.isPagePath(page) || !docs.exists(page)) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.TEXT_HTML)
                    .body("<!DOCTYPE html><title>Not found</title><p>No page <code>" + HtmlUtils.htmlEscape(page)
                            + "</code>. <a href=\"/docs/index\">Home</a></p>");
        }
        String html = docs.page(page);
        return ResponseEntity.ok(html + liveScript(page, html.hashCode()) + "</div>\n</body>\n</html>\n");
    }

    @GetMapping(path = "/search", produces = MediaType.TEXT_HTML_VALUE)
    String search(@RequestParam(defaultValue = "") String q) {
        StringBuilder html = new StringBuilder();
        Layout.open(html, "Search", docs.navigation(), "");
        html.append("<h1>Search: ").append(HtmlUtils.htmlEscape(q)).append("</h1>");
        List<String> found = search(Markdown.terms(q));
        html.append("<p>").append(found.size()).append(" pages contain every word.</p><ul>");
        for (String path : found) {
            html.append("<li><a href=\"/docs/").append(path).append("\">").append(HtmlUtils.htmlEscape(docs.title(path)))
                    .append("</a></li>");
        }
        return html.append("</ul>").append(Layout.close()).toString();
    }

    @GetMapping("/api/search")
    List<String> searchApi(@RequestParam String q) {
        return search(Markdown.terms(q));
    }

    @GetMapping("/api/pages")
    Map<String, String> list() {
        Map<String, String> titles = new LinkedHashMap<>();
        for (String path : store.paths()) {
            titles.put(path, docs.title(path));
        }
        return titles;
    }

    @GetMapping(path = "/api/pages/{*path}", produces = "text/markdown;charset=UTF-8")
    ResponseEntity<String> text(@PathVariable String path) {
        return store.text(path.substring(1)).map(ResponseEntity::ok).orElseGet(() -> ResponseEntity.notFound().build());
    }

    @PutMapping("/api/pages/{*path}")
    Map<String, Object> put(@PathVariable String path, @RequestBody String text) throws IOException {
        return Map.of("path", path.substring(1), "revision", store.put(path.substring(1), text).value());
    }

    @DeleteMapping("/api/pages/{*path}")
    ResponseEntity<Void> delete(@PathVariable String path) throws IOException {
        return store.delete(path.substring(1)) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@RequestParam String path, @RequestParam int v) {
        if (!Markdown.isPagePath(path)) {
            throw new IllegalArgumentException("not a page path: '" + path + "'");
        }
        return live.subscribe(path, v);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<String> badRequest(IllegalArgumentException e) {
        return ResponseEntity.badRequest().contentType(MediaType.TEXT_PLAIN).body(e.getMessage() + "\n");
    }

    /** The pages that contain every term: the intersection of the terms' index entries. */
    private List<String> search(Set<String> terms) {
        List<String> found = null;
        for (String term : terms) {
            List<String> pages = docs.termIndex(term).paths();
            if (found == null) {
                found = new ArrayList<>(pages);
            } else {
                found.retainAll(pages);
            }
        }
        return found == null ? List.of() : found;
    }

    private static String liveScript(String path, int version) {
        return """
                <script>
                (() => {
                  const events = new EventSource('/events?path=%s&v=%d');
                  events.addEventListener('reload', () => { events.close(); location.reload(); });
                })();
                </script>
                """.formatted(path, version);
    }
}
