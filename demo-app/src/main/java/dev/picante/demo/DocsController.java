package dev.picante.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.FileSystemResource;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.MediaTypeFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.util.HtmlUtils;

/**
 * The site ({@code /}, {@code /docs/**} for pages and the folder's other files, {@code /search}), the page API
 * ({@code /api/pages/**}) and the live-reload event stream ({@code /events}). Reads go through {@link DocsQueries}
 * (memoized); writes through {@link PageStore}. Every 4xx answer of the page API has a JSON body whose
 * {@code reason} says what was wrong.
 */
@RestController
class DocsController {

    private static final Set<String> TEXT_TYPES = Set.of("text/markdown", "text/x-markdown", "text/plain");

    private final DocsQueries docs;
    private final PageStore store;
    private final LiveReload live;

    DocsController(DocsQueries docs, PageStore store, LiveReload live) {
        this.docs = docs;
        this.store = store;
        this.live = live;
    }

    @GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> home() {
        String home = docs.home();
        if (home != null) {
            return ResponseEntity.status(HttpStatus.FOUND).header("Location", SitePaths.url(home)).build();
        }
        StringBuilder html = new StringBuilder();
        Layout.open(html, "Empty site", "");
        if (store.source() == DocsProperties.Source.DATABASE) {
            html.append("<h1>No pages yet</h1><p>The pages table is empty: <code>PUT /api/pages/{path}</code> with a"
                    + " <code>text/markdown</code> body.</p>");
        } else {
            html.append("<h1>No pages yet</h1><p>Add Markdown files to <code>")
                    .append(HtmlUtils.htmlEscape(store.root().toString(), "UTF-8"))
                    .append("</code> or <code>PUT /api/pages/{path}</code> with a <code>text/markdown</code> body.</p>");
        }
        return ResponseEntity.ok(html.append(Layout.close()).toString());
    }

    @GetMapping(path = "/docs/{*path}")
    ResponseEntity<?> page(@PathVariable String path) throws IOException {
        String page = path.substring(1);
        if (page.isEmpty() || page.endsWith("/")) {
            String folder = page.isEmpty() ? "" : page.substring(0, page.length() - 1);
            String target = folder.isEmpty() ? docs.home() : docs.landing(folder);
            return target != null && docs.exists(target) ? redirect(target) : notFound(page);
        }
        if (!SitePaths.isPagePath(page)) {
            return notFound(page);
        }
        if (docs.exists(page)) {
            String html = docs.page(page);
            return ResponseEntity.ok().contentType(MediaType.TEXT_HTML)
                    .body(html + liveScript(page, live.version(page, html)) + "</div>\n</body>\n</html>\n");
        }
        String version = docs.fileVersion(page);
        if (version != null) {
            Path file = store.file(page);
            if (Files.isRegularFile(file)) {
                MediaType type = MediaTypeFactory.getMediaType(file.getFileName().toString())
                        .orElse(MediaType.APPLICATION_OCTET_STREAM);
                Resource body = new FileSystemResource(file);
                return ResponseEntity.ok().contentType(type).cacheControl(CacheControl.noCache())
                        .eTag("\"" + version + "\"").body(body);
            }
        }
        String readme = docs.readme(page);
        if (readme != null) {
            return redirect(readme);
        }
        for (String suffix : List.of(".html", ".htm", ".md")) {
            if (page.endsWith(suffix) && docs.exists(page.substring(0, page.length() - suffix.length()))) {
                return redirect(page.substring(0, page.length() - suffix.length()));
            }
        }
        return notFound(page);
    }

    @GetMapping(path = "/search", produces = MediaType.TEXT_HTML_VALUE)
    String search(@RequestParam(defaultValue = "") String q) {
        StringBuilder html = new StringBuilder();
        Layout.open(html, "Search", docs.navigationHtml(""));
        html.append("<h1>Search: ").append(HtmlUtils.htmlEscape(q, "UTF-8")).append("</h1>");
        List<String> found = search(Markdown.terms(q));
        html.append("<p>").append(found.size()).append(" pages contain every word.</p><ul>");
        for (String path : found) {
            html.append("<li><a href=\"").append(SitePaths.url(path)).append("\">")
                    .append(HtmlUtils.htmlEscape(docs.title(path), "UTF-8")).append("</a></li>");
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
    ResponseEntity<?> text(@PathVariable String path) {
        String page = pagePath(path);
        return store.text(page).<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> reason(HttpStatus.NOT_FOUND, "no page '" + page + "'"));
    }

    /**
     * Creates or replaces a page. The body must be UTF-8 Markdown sent as {@code text/markdown} (or {@code
     * text/plain}); anything else is refused before anything is written.
     */
    @PutMapping("/api/pages/{*path}")
    ResponseEntity<?> put(@PathVariable String path,
            @RequestHeader(name = "Content-Type", required = false) @Nullable String contentType,
            @RequestBody(required = false) byte @Nullable [] body) throws IOException {
        String page = pagePath(path);
        if (contentType == null) {
            return reason(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "no Content-Type: send the page as text/markdown;charset=UTF-8");
        }
        MediaType type;
        try {
            type = MediaType.parseMediaType(contentType);
        } catch (RuntimeException e) {
            return reason(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type '" + contentType + "' is not a media type: send text/markdown;charset=UTF-8");
        }
        if (!TEXT_TYPES.contains(type.getType() + "/" + type.getSubtype())) {
            return reason(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + contentType
                    + "' is not Markdown: send text/markdown;charset=UTF-8 (or text/plain)");
        }
        if (type.getCharset() != null && !type.getCharset().equals(StandardCharsets.UTF_8)) {
            return reason(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "charset " + type.getCharset().name()
                    + " is not supported: send the page in UTF-8");
        }
        if (body == null || body.length == 0) {
            return reason(HttpStatus.BAD_REQUEST, "the body is empty: send the page's Markdown (to remove a page, "
                    + "DELETE it)");
        }
        String text = Utf8.decode(body);
        return ResponseEntity.ok(Map.of("path", page, "revision", store.put(page, text).value()));
    }

    @DeleteMapping("/api/pages/{*path}")
    ResponseEntity<?> delete(@PathVariable String path) throws IOException {
        String page = pagePath(path);
        return store.delete(page) ? ResponseEntity.noContent().build()
                : reason(HttpStatus.NOT_FOUND, "no page '" + page + "'");
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@RequestParam String path, @RequestParam int v) {
        String problem = SitePaths.problem(path);
        if (problem != null) {
            throw new IllegalArgumentException("not a page path: '" + path + "': " + problem);
        }
        return live.subscribe(path, v);
    }

    /**
     * Another writer saved (or created) the page between this request's read and its write (pages in the
     * database).
     */
    @ExceptionHandler({ OptimisticLockingFailureException.class, DuplicateKeyException.class })
    ResponseEntity<Map<String, Object>> conflict(DataAccessException e) {
        return reason(HttpStatus.CONFLICT, "the page was changed by another writer meanwhile; nothing was written: "
                + "send it again");
    }

    /** The database refused a page write (pages in the database): the transaction rolled back. */
    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Map<String, Object>> databaseRefused(DataAccessException e) {
        Throwable cause = e.getMostSpecificCause();
        return reason(HttpStatus.INTERNAL_SERVER_ERROR, "the database refused the write (" + cause.getClass()
                .getSimpleName() + ": " + cause.getMessage() + "); nothing was written");
    }

    /**
     * No transaction could be opened for a page write (pages in the database): the database is down or unreachable,
     * or the pool gave up waiting for a connection. Nothing was written.
     */
    @ExceptionHandler(CannotCreateTransactionException.class)
    ResponseEntity<Map<String, Object>> databaseUnreachable(CannotCreateTransactionException e) {
        Throwable cause = e.getMostSpecificCause();
        return reason(HttpStatus.SERVICE_UNAVAILABLE, "the database cannot be reached (" + cause.getClass()
                .getSimpleName() + ": " + cause.getMessage() + "); nothing was written: send it again when the"
                + " database is back");
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, Object>> badRequest(IllegalArgumentException e) {
        return reason(HttpStatus.BAD_REQUEST, String.valueOf(e.getMessage()));
    }

    private static String pagePath(String path) {
        String page = path.substring(1);
        String problem = SitePaths.problem(page);
        if (problem != null) {
            throw new IllegalArgumentException("not a page path: '" + page + "': " + problem);
        }
        return page;
    }

    private static ResponseEntity<Map<String, Object>> reason(HttpStatus status, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status.value());
        body.put("error", status.getReasonPhrase());
        body.put("reason", reason);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }

    private static ResponseEntity<String> redirect(String page) {
        return ResponseEntity.status(HttpStatus.FOUND).header("Location", SitePaths.url(page)).build();
    }

    private static ResponseEntity<String> notFound(String page) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.TEXT_HTML)
                .body("<!DOCTYPE html><title>Not found</title><p>No page <code>" + HtmlUtils.htmlEscape(page, "UTF-8")
                        + "</code>. <a href=\"/\">Home</a></p>");
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

    private static String encoded(String path) {
        StringBuilder out = new StringBuilder(path.length() + 8);
        SitePaths.appendEncoded(out, path);
        return out.toString();
    }

    private static String liveScript(String path, int version) {
        return """
                <script>
                (() => {
                  const events = new EventSource('/events?path=%s&v=%d');
                  events.addEventListener('reload', () => { events.close(); location.reload(); });
                })();
                </script>
                """.formatted(encoded(path), version);
    }
}
